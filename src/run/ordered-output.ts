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
  private readonly items: Queued[] = [];
  private head = 0;
  private waiter: ((q: Queued) => void) | undefined;

  push(q: Queued): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w(q);
    } else this.items.push(q);
  }

  next(): Promise<Queued> {
    if (this.head < this.items.length) {
      const q = this.items[this.head++]!;
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      }
      return Promise.resolve(q);
    }
    return new Promise((r) => (this.waiter = r));
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

  queue(file: number, share: number): StreamQueue {
    const k = `${file}:${share}`;
    let q = this.queues.get(k);
    if (q === undefined) {
      q = new StreamQueue();
      this.queues.set(k, q);
    }
    return q;
  }

  /** Drops an input's queues once its streams are written. */
  done(file: number, shares: number): void {
    for (let s = 0; s < shares; s++) this.queues.delete(`${file}:${s}`);
  }
}
