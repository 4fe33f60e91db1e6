import { connect, type Socket } from 'node:net';
import type { Transport } from './transport.js';

/** Where a stream socket connects: a Unix socket path or a TCP host and port. */
export type StreamEndpoint = { readonly path: string } | { readonly host: string; readonly port: number };

/**
 * A stream socket (Unix or TCP) carrying framed records. A batch is one
 * write of the framed records, taken once the kernel has it: bytes in the
 * socket buffer when the peer goes away are lost, as they are for
 * Suricata's unix_stream output.
 */
export class SocketTransport implements Transport {
  private socket: Socket | undefined;

  constructor(
    readonly name: string,
    private readonly endpoint: StreamEndpoint,
    /** Appends the framed record to `parts` (a newline after it, an octet count before it). */
    private readonly frame: (record: Buffer, parts: Buffer[]) => void,
  ) {}

  connect(onLost: (err: Error) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const s = 'path' in this.endpoint ? connect({ path: this.endpoint.path }) : connect({ host: this.endpoint.host, port: this.endpoint.port });
      let up = false;
      // A host that drops SYNs would leave connect() pending for minutes; the sink retries sooner.
      const timer = setTimeout(() => s.destroy(new Error('connect timed out')), CONNECT_TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        up = true;
        s.setNoDelay?.(true);
        this.socket = s;
        resolve();
      });
      s.on('error', (err) => {
        clearTimeout(timer);
        if (!up) reject(err);
      });
      // The peer's end or a reset: either way nothing more goes through this socket.
      s.once('close', () => {
        if (this.socket === s) this.socket = undefined;
        if (up) onLost(new Error('connection closed by peer'));
      });
      // A peer that stopped reading but keeps the connection open is the stall timer's business, not this one's.
      s.on('end', () => s.destroy());
    });
  }

  send(records: readonly Buffer[]): Promise<number> {
    const s = this.socket;
    if (s === undefined || s.destroyed) return Promise.reject(new Error('not connected'));
    const parts: Buffer[] = [];
    for (const r of records) this.frame(r, parts);
    const bytes = Buffer.concat(parts);
    return new Promise<number>((resolve, reject) => {
      const onClose = (): void => reject(new Error('connection closed during write'));
      s.once('close', onClose);
      s.write(bytes, (err) => {
        s.off('close', onClose);
        if (err) reject(err);
        else resolve(0);
      });
    });
  }

  close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s === undefined || s.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      s.once('close', () => resolve());
      s.end();
      // A peer that never reads would hold end() open: give it a moment, then cut.
      setTimeout(() => s.destroy(), 1000).unref();
    });
  }
}

const NL = Buffer.from('\n');
const CONNECT_TIMEOUT_MS = 5000;

/** One record per line, as Suricata's unix_stream output writes. */
export function lineFrame(record: Buffer, parts: Buffer[]): void {
  parts.push(record, NL);
}
