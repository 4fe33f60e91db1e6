import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Transport } from './transport.js';

/** Largest UDP payload over IPv4 (65535 - 20 - 8); a bigger message cannot be one datagram. */
export const UDP_MAX_PAYLOAD = 65_507;

/**
 * One message per UDP datagram (syslog over UDP, RFC 5426). UDP says
 * nothing about a receiver that is down: what is sent then is lost without
 * a count, as with any UDP syslog; only a message too large for a datagram
 * is dropped and counted. The socket is connected so that an ICMP port
 * unreachable surfaces as ECONNREFUSED on a later send; that send's
 * message is counted as dropped (a hint of an outage, not a measure).
 */
export class UdpTransport implements Transport {
  private socket: Socket | undefined;

  constructor(
    readonly name: string,
    private readonly host: string,
    private readonly port: number,
    private readonly frame: (record: Buffer) => Buffer,
  ) {}

  connect(_onLost: (err: Error) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const s = createSocket(isIPv6(this.host) ? 'udp6' : 'udp4');
      s.once('error', reject);
      s.connect(this.port, this.host, () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        this.socket = s;
        resolve();
      });
    });
  }

  async send(records: readonly Buffer[]): Promise<number> {
    const s = this.socket;
    if (s === undefined) throw new Error('not connected');
    let refused = 0;
    for (const r of records) {
      const msg = this.frame(r);
      if (msg.length > UDP_MAX_PAYLOAD) {
        refused++;
        continue;
      }
      // A send error (ECONNREFUSED from an earlier ICMP, ENOBUFS) costs this datagram only: counted, not sent again.
      const ok = await new Promise<boolean>((resolve) => s.send(msg, (err) => resolve(!err)));
      if (!ok) refused++;
    }
    return refused;
  }

  close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
