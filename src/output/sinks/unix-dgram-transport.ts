import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { PartialSendError, type Transport } from './transport.js';

/**
 * Node has no Unix datagram sockets (node:dgram is UDP only, node:net is
 * streams only), so a small python3 relay sends them: it reads
 * length-prefixed records on stdin, sends each as one datagram with
 * sendto(2), and answers one byte per record on stdout: `0` sent, `1` too
 * large for a datagram (EMSGSIZE: dropped and counted, never split), `2`
 * not sent (no socket at the path, nobody reading it). After a `2` it skips
 * the rest of that batch, so the sink knows exactly which records went.
 * sendto blocks while the reader's queue is full: that is backpressure.
 */
const RELAY = String.raw`
import errno, socket, struct, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
inp, out = sys.stdin.buffer, sys.stdout.buffer
def readn(n):
    b = b''
    while len(b) < n:
        c = inp.read(n - len(b))
        if not c:
            sys.exit(0)
        b += c
    return b
while True:
    (count,) = struct.unpack('>I', readn(4))
    failed = False
    for _ in range(count):
        (n,) = struct.unpack('>I', readn(4))
        msg = readn(n)
        if failed:
            continue
        try:
            s.sendto(msg, path)
            out.write(b'0')
        except OSError as e:
            if e.errno == errno.EMSGSIZE:
                out.write(b'1')
            else:
                out.write(b'2')
                failed = True
    out.flush()
`;

type Relay = ChildProcessByStdio<Writable, Readable, null>;

export class UnixDgramTransport implements Transport {
  private relay: Relay | undefined;
  private replies: Buffer[] = [];
  private replyBytes = 0;
  private wake: (() => void) | undefined;
  private relayGone: Error | undefined;

  constructor(
    readonly name: string,
    private readonly path: string,
    private readonly frame: (record: Buffer) => Buffer = (r) => r,
    private readonly python: string = process.env.DNSAE_PYTHON ?? 'python3',
  ) {}

  connect(_onLost: (err: Error) => void): Promise<void> {
    // Datagrams have no connection: "up" means a socket is there; a failed send says when it is not.
    let isSocket = false;
    try {
      isSocket = statSync(this.path).isSocket();
    } catch {
      isSocket = false;
    }
    if (!isSocket) return Promise.reject(new Error(`no socket at ${this.path}`));
    if (this.relay !== undefined && this.relayGone === undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const relay = spawn(this.python, ['-c', RELAY, this.path], { stdio: ['pipe', 'pipe', 'inherit'] });
      this.relayGone = undefined;
      this.replies = [];
      this.replyBytes = 0;
      relay.once('error', (err) => {
        this.relayGone = new Error(`cannot run the Unix datagram relay (${this.python}): ${err.message}`);
        this.wake?.();
        reject(this.relayGone);
      });
      relay.once('spawn', () => resolve());
      relay.once('exit', (code) => {
        this.relayGone ??= new Error(`Unix datagram relay exited (${code})`);
        this.wake?.();
      });
      relay.stdin.on('error', () => undefined);
      relay.stdout.on('data', (b: Buffer) => {
        this.replies.push(b);
        this.replyBytes += b.length;
        this.wake?.();
      });
      this.relay = relay;
    });
  }

  async send(records: readonly Buffer[]): Promise<number> {
    const relay = this.relay;
    if (relay === undefined || this.relayGone !== undefined) throw this.relayGone ?? new Error('relay not running');
    const parts: Buffer[] = [u32(records.length)];
    for (const r of records) {
      const msg = this.frame(r);
      parts.push(u32(msg.length), msg);
    }
    relay.stdin.write(Buffer.concat(parts));
    let taken = 0;
    let refused = 0;
    while (taken < records.length) {
      const code = await this.nextReply();
      if (code === 50) throw new PartialSendError(`cannot send to ${this.path}`, taken, refused);
      if (code === 49) refused++;
      taken++;
    }
    return refused;
  }

  private async nextReply(): Promise<number> {
    while (this.replyBytes === 0) {
      if (this.relayGone !== undefined) throw this.relayGone;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    const head = this.replies[0]!;
    const code = head[0]!;
    if (head.length === 1) this.replies.shift();
    else this.replies[0] = head.subarray(1);
    this.replyBytes--;
    return code;
  }

  /** The relay outlives an outage: connect() reuses it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): Promise<void> {
    const relay = this.relay;
    this.relay = undefined;
    if (relay === undefined || relay.exitCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      relay.once('exit', () => resolve());
      relay.stdin.end();
      setTimeout(() => relay.kill(), 1000).unref();
    });
  }
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}
