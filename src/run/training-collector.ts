import { HEAD_BYTES, type SampleBatch } from '../flow/sample.js';
import { createRng } from '../model/rng.js';
import type { TrainingSet } from '../model/train.js';
import type { BatchConsumer } from '../pipeline.js';

/**
 * Collects benign samples for training into a growable struct-of-arrays set.
 * Past `maxSamples` it keeps a uniform reservoir sample (seeded), so a huge
 * corpus costs bounded memory and still represents all of its files.
 */
export class TrainingCollector implements BatchConsumer {
  private cap: number;
  private head: Uint8Array;
  private headLen: Uint8Array;
  private payloadLength: Int32Array;
  private transport: Uint8Array;
  private direction: Uint8Array;
  count = 0;
  seen = 0;
  private readonly rng: () => number;

  constructor(
    readonly maxSamples: number,
    seed: number,
  ) {
    this.cap = Math.min(maxSamples, 65_536);
    this.head = new Uint8Array(this.cap * HEAD_BYTES);
    this.headLen = new Uint8Array(this.cap);
    this.payloadLength = new Int32Array(this.cap);
    this.transport = new Uint8Array(this.cap);
    this.direction = new Uint8Array(this.cap);
    this.rng = createRng(seed ^ 0x5eed);
  }

  private grow(): void {
    const cap = Math.min(this.maxSamples, this.cap * 2);
    const g = <T extends Uint8Array | Int32Array>(a: T, per: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.head = g(this.head, HEAD_BYTES);
    this.headLen = g(this.headLen, 1);
    this.payloadLength = g(this.payloadLength, 1);
    this.transport = g(this.transport, 1);
    this.direction = g(this.direction, 1);
    this.cap = cap;
  }

  onBatch(batch: SampleBatch): void {
    for (let i = 0; i < batch.count; i++) {
      this.seen++;
      let slot: number;
      if (this.count < this.maxSamples) {
        if (this.count === this.cap) this.grow();
        slot = this.count++;
      } else {
        const j = Math.floor(this.rng() * this.seen);
        if (j >= this.maxSamples) continue;
        slot = j;
      }
      this.head.set(batch.head.subarray(i * HEAD_BYTES, (i + 1) * HEAD_BYTES), slot * HEAD_BYTES);
      this.headLen[slot] = batch.headLen[i]!;
      this.payloadLength[slot] = batch.payloadLength[i]!;
      this.transport[slot] = batch.flows[i]!.transport === 'udp' ? 0 : 1;
      this.direction[slot] = batch.direction[i]!;
    }
  }

  /** Samples seen but not kept (past maxSamples, the reservoir's replacements aside). */
  get dropped(): number {
    return this.seen - this.count;
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  toTrainingSet(): TrainingSet {
    const n = this.count;
    return {
      count: n,
      head: this.head.subarray(0, n * HEAD_BYTES),
      headLen: this.headLen.subarray(0, n),
      payloadLength: this.payloadLength.subarray(0, n),
      transport: this.transport.subarray(0, n),
      direction: this.direction.subarray(0, n),
    };
  }
}
