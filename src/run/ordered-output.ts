import type { WorkerMessage } from './job-protocol.js';

/** A message of one output stream and the worker it came from (whose credit its bytes hold). */
export interface Queued {
  readonly m: WorkerMessage;
  readonly from: number;
}

/**
 * The records of one (input, share) stream as they arrive, for the main
 * thread to take in its fixed order. Its length is bounded by the sender's
 * credit (WORKER_CREDIT_BYTES): a worker stops when what it sent is not
 * yet written.
 */
export class StreamQueue {
  private items: (Queued | undefined)[] = [];
  private head = 0;
  private waiter: { resolve: (q: Queued) => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;

  push(q: Queued): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve(q);
    } else this.items.push(q);
  }

  /** The run has failed: the waiting next() and every later one reject with `e`. */
  fail(e: Error): void {
    this.failed ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }

  next(): Promise<Queued> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    if (this.head < this.items.length) {
      const q = this.items[this.head]!;
      // A taken message is let go at once: a queue that a busy worker keeps from ever emptying would
      // otherwise hold every message it was sent (in one run of extract --jobs 2, 1.5 GiB).
      this.items[this.head++] = undefined;
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(q);
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }
}

/**
 * The output order of a run with job workers, fixed by the inputs and the
 * number of workers alone: input after input, in command-line order; within
 * an input split into shares, share 0's records of the first chunk of
 * input (1 MiB), then share 1's of that chunk, and so on, chunk after
 * chunk; within a share, the order its run wrote them in. A whole input on
 * one worker keeps the order of a one-worker run.
 */
export class OrderedStreams {
  private readonly queues = new Map<string, StreamQueue>();
  private failed: Error | undefined;

  queue(file: number, share: number): StreamQueue {
    const k = `${file}:${share}`;
    let q = this.queues.get(k);
    if (q === undefined) {
      q = new StreamQueue();
      if (this.failed !== undefined) q.fail(this.failed);
      this.queues.set(k, q);
    }
    return q;
  }

  /**
   * The run has failed (a worker's fatal fault): whoever waits on a stream,
   * now or later, gets `e`. A rejection of the waiting promise itself, not a
   * race against one long-lived promise, which would keep every message
   * ever taken reachable through its reactions.
   */
  fail(e: Error): void {
    this.failed ??= e;
    for (const q of this.queues.values()) q.fail(e);
  }

  /** Drops an input's queues once its streams are written. */
  done(file: number, shares: number): void {
    for (let s = 0; s < shares; s++) this.queues.delete(`${file}:${s}`);
  }
}
