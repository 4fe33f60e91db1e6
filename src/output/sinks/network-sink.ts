import { Writable } from 'node:stream';
import type { Logger } from '../../logger.js';
import { RecordQueue } from './record-queue.js';
import { PartialSendError, type Transport } from './transport.js';

export interface NetworkSinkOptions {
  /** Records held while the peer is away or slow; past it, new records are dropped and counted. */
  readonly bufferRecords: number;
  /** The same bound in bytes of record text. */
  readonly bufferBytes: number;
  /** Records handed to the transport at once (one Redis pipeline, one socket write). */
  readonly batchRecords?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /**
   * While connected, a writer waits for room in a half-full buffer, as it
   * waits for a slow file; but never longer than this without the peer
   * taking a batch, so a stalled peer cannot stop capture.
   */
  readonly stallMs?: number;
  readonly log?: Logger;
}

export interface SinkStats {
  /** Records dropped: buffer full, refused by the peer (too large, error reply), or still held when close() gave up. */
  readonly dropped: number;
  /** Connections made after the first one. */
  readonly reconnects: number;
  /** Records held now, not yet taken by the peer. */
  readonly buffered: number;
  /** Records the peer (or the kernel, for a socket) has taken. */
  readonly sent: number;
}

type State = 'connecting' | 'up' | 'down' | 'closed';

export const SINK_DEFAULTS = {
  bufferRecords: 10_000,
  bufferBytes: 64 * 1024 * 1024,
  batchRecords: 256,
  backoffMinMs: 100,
  backoffMaxMs: 5_000,
  stallMs: 2_000,
  closeTimeoutMs: 5_000,
} as const;

/**
 * A record sink in front of a transport that can go away. LineSink writes
 * its batched chunks into `stream`; each chunk holds whole lines, split
 * here into records and queued. A pump hands the queue's front to the
 * transport batch by batch and removes a batch only once it was taken, so
 * a batch cut short by a lost connection is sent again after reconnection
 * (at least once; see docs/outputs.md). Reconnection is by itself, with
 * exponential backoff. Nothing here throws into the capture loop: a lost
 * peer is a state and counters.
 */
export class NetworkSink {
  readonly stream: Writable;
  private readonly queue: RecordQueue;
  private state: State = 'connecting';
  private connectedOnce = false;
  private pumping = false;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Pending while a chunk waits for room; null once that wait has run out (the peer stalled) until a batch is taken. */
  private stallTimer: NodeJS.Timeout | null | undefined;
  private idle: (() => void)[] = [];
  private readonly batch: number;
  private readonly stallMs: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private refusedByPeer = 0;
  private givenUp = 0;
  reconnects = 0;
  sent = 0;
  /** Connection failures and lost connections seen (each one logged once per outage). */
  failures = 0;

  constructor(
    private readonly transport: Transport,
    o: NetworkSinkOptions,
  ) {
    this.queue = new RecordQueue(o.bufferRecords, o.bufferBytes);
    this.batch = o.batchRecords ?? SINK_DEFAULTS.batchRecords;
    this.stallMs = o.stallMs ?? SINK_DEFAULTS.stallMs;
    this.minMs = o.backoffMinMs ?? SINK_DEFAULTS.backoffMinMs;
    this.maxMs = o.backoffMaxMs ?? SINK_DEFAULTS.backoffMaxMs;
    this.backoffMs = this.minMs;
    this.log = o.log;
    this.stream = new Writable({
      highWaterMark: 64 * 1024,
      write: (chunk: Buffer, _enc, done) => this.accept(chunk, done),
    });
  }

  private readonly log: Logger | undefined;

  get name(): string {
    return this.transport.name;
  }

  /** Read through a getter so that TypeScript does not narrow the state across an await. */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  get connected(): boolean {
    return this.state === 'up';
  }

  get stats(): SinkStats {
    return { dropped: this.queue.refused + this.refusedByPeer + this.givenUp, reconnects: this.reconnects, buffered: this.queue.length, sent: this.sent };
  }

  /** Starts connecting; records written before the connection is up are buffered. */
  start(): void {
    void this.connect();
  }

  /** Appends one record (no newline), as a line written through `stream` would be. */
  writeRecord(record: Buffer): void {
    this.queue.push(record);
    this.kick();
  }

  /**
   * Takes a chunk's records into the queue. While the peer is connected and
   * taking batches, a chunk that does not fit waits, the rest of it kept
   * here, until there is room, as a write to a slow file waits: no record is
   * dropped for a peer that keeps up. Once the peer is away (or has taken
   * nothing for stallMs), the rest goes in at once and what does not fit is
   * dropped and counted.
   */
  private accept(chunk: Buffer, done: (err?: Error | null) => void): void {
    this.held = { chunk, at: 0, done };
    this.fill();
  }

  private held: { chunk: Buffer; at: number; done: (err?: Error | null) => void } | undefined;

  private fill(): void {
    const h = this.held;
    if (h === undefined) return;
    const { chunk } = h;
    // Connecting counts as up: a first connection takes a few milliseconds, and the stall bound caps one that never comes.
    const wait = (this.state === 'up' || this.state === 'connecting') && this.stallTimer !== null;
    while (h.at < chunk.length) {
      let nl = chunk.indexOf(10, h.at);
      if (nl < 0) nl = chunk.length;
      if (nl > h.at) {
        if (wait && !this.queue.hasRoom(nl - h.at)) break;
        // A view, not a copy: the chunk is this stream's alone (LineSink recycles only file and stdio chunks).
        this.queue.push(chunk.subarray(h.at, nl));
      }
      h.at = nl + 1;
    }
    this.kick();
    if (h.at < chunk.length) {
      this.stallTimer ??= setTimeout(() => {
        this.log?.warn({ sink: this.name, buffered: this.queue.length }, 'output sink is not taking records: writing on into the buffer');
        this.stallTimer = null;
        this.fill();
      }, this.stallMs);
      return;
    }
    this.held = undefined;
    // A stall (null) lasts until the peer takes a batch; only a wait still running is cancelled.
    if (this.stallTimer) {
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    }
    h.done();
  }

  /** Drops the connection and connects again at once (SIGHUP); the buffer is kept. */
  reconnect(): void {
    if (this.state !== 'up' && this.state !== 'down') return;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.backoffMs = this.minMs;
    const t = this.transport;
    this.state = 'connecting';
    void t.close().finally(() => void this.connect());
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    try {
      await this.transport.connect((err) => this.lost(err));
    } catch (err) {
      if (this.closed) return;
      this.down(err as Error, 'cannot connect to output sink');
      return;
    }
    if (this.closed) {
      await this.transport.close();
      return;
    }
    if (this.connectedOnce) this.reconnects++;
    this.connectedOnce = true;
    this.state = 'up';
    this.backoffMs = this.minMs;
    this.log?.info({ sink: this.name, buffered: this.queue.length, sink_reconnects: this.reconnects }, 'output sink connected');
    this.kick();
  }

  private lost(err: Error): void {
    if (this.state !== 'up') return;
    this.down(err, 'output sink connection lost');
  }

  private down(err: Error, msg: string): void {
    const first = this.state === 'up' || !this.connectedOnce || this.failures === 0;
    this.failures++;
    this.state = 'down';
    if (first) this.log?.warn({ sink: this.name, error: err.message, buffered: this.queue.length, retry_ms: this.backoffMs }, `${msg}; buffering and retrying`);
    // A chunk waiting for room would wait for a peer that is gone: from now on records are buffered or dropped.
    this.fill();
    void this.transport.close().catch(() => undefined);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.backoffMs);
    // A retry pending must not keep a finished process alive; close() bounds its own wait.
    this.retryTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxMs);
  }

  private kick(): void {
    if (this.state === 'up' && !this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.state === 'up' && this.queue.length > 0) {
        const batch = this.queue.peek(this.batch);
        let refused: number;
        try {
          refused = await this.transport.send(batch);
        } catch (err) {
          if (err instanceof PartialSendError && !this.closed) {
            this.queue.shift(err.taken);
            this.sent += err.taken - err.refused;
            this.refusedByPeer += err.refused;
          }
          this.lost(err as Error);
          break;
        }
        // close() has counted this batch as given up already.
        if (this.closed) break;
        this.queue.shift(batch.length);
        this.sent += batch.length - refused;
        this.refusedByPeer += refused;
        // The peer took a batch: it is not stalled, and a waiting chunk may fit now.
        if (this.stallTimer === null) this.stallTimer = undefined;
        this.fill();
      }
    } finally {
      this.pumping = false;
    }
    if (this.queue.length === 0) {
      const w = this.idle;
      this.idle = [];
      for (const f of w) f();
    } else if (this.state === 'up') this.kick();
  }

  /** Resolves when the buffer is empty, or after `timeoutMs`; returns whether it emptied. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const emptied = await Promise.race([
      new Promise<boolean>((resolve) => this.idle.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return emptied;
  }

  /**
   * Waits up to `timeoutMs` for the buffer to empty, then counts what is
   * still held as dropped and closes the connection. Never throws.
   */
  async close(timeoutMs: number = SINK_DEFAULTS.closeTimeoutMs): Promise<SinkStats> {
    await this.flush(timeoutMs);
    this.state = 'closed';
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.fill();
    this.givenUp += this.queue.length;
    this.queue.shift(this.queue.length);
    await this.transport.close().catch(() => undefined);
    await this.transport.dispose?.().catch(() => undefined);
    return this.stats;
  }
}
