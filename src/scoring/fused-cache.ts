import { FIRST_BYTES } from '../flow/sample.js';

const PROBES = 8;

/**
 * Bounded open-addressing cache of scores keyed by three 32-bit words (the
 * model's input bits without the ID, plus transport/direction/length). On a
 * full probe window the home slot is overwritten: no allocation, no eviction
 * bookkeeping, and a hostile stream of distinct inputs only costs misses.
 */
export class ScoreCache {
  readonly capacity: number;
  readonly loss: Float32Array;
  hits = 0;
  misses = 0;
  private readonly keys: Uint32Array;
  private readonly used: Uint8Array;
  private readonly perByte: Float32Array;
  private readonly mask: number;

  constructor(capacity: number) {
    let c = 16;
    while (c < capacity) c <<= 1;
    this.capacity = c;
    this.mask = c - 1;
    this.keys = new Uint32Array(c * 3);
    this.used = new Uint8Array(c);
    this.loss = new Float32Array(c);
    this.perByte = new Float32Array(c * FIRST_BYTES);
  }

  private home(k0: number, k1: number, k2: number): number {
    let h = Math.imul(k0 ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ k1, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ k2, 0x27d4eb2f);
    return (h ^ (h >>> 15)) & this.mask;
  }

  /** Slot holding the key, or -1 (counts a hit or a miss). */
  find(k0: number, k1: number, k2: number): number {
    let s = this.home(k0, k1, k2);
    for (let p = 0; p < PROBES; p++) {
      if (this.used[s] === 0) break;
      const b = s * 3;
      if (this.keys[b] === k0 && this.keys[b + 1] === k1 && this.keys[b + 2] === k2) {
        this.hits++;
        return s;
      }
      s = (s + 1) & this.mask;
    }
    this.misses++;
    return -1;
  }

  /** Slot to store the key in: the first free one in the window, else home. */
  claim(k0: number, k1: number, k2: number): number {
    const h = this.home(k0, k1, k2);
    let s = h;
    for (let p = 0; p < PROBES; p++) {
      const c = (h + p) & this.mask;
      if (this.used[c] === 0) {
        s = c;
        break;
      }
    }
    const b = s * 3;
    this.keys[b] = k0;
    this.keys[b + 1] = k1;
    this.keys[b + 2] = k2;
    this.used[s] = 0; // stays invalid until store()
    return s;
  }

  store(slot: number, loss: number, perByte: Float32Array): void {
    this.loss[slot] = loss;
    const b = slot * FIRST_BYTES;
    for (let k = 0; k < FIRST_BYTES; k++) this.perByte[b + k] = perByte[k]!;
    this.used[slot] = 1;
  }

  readPerByte(slot: number, out: Float32Array, off: number): void {
    const b = slot * FIRST_BYTES;
    for (let k = 0; k < FIRST_BYTES; k++) out[off + k] = this.perByte[b + k]!;
  }

  get hitRate(): number {
    const n = this.hits + this.misses;
    return n === 0 ? 0 : this.hits / n;
  }

  clear(): void {
    this.used.fill(0);
    this.hits = 0;
    this.misses = 0;
  }
}
