/**
 * How many (client, registered domain) windows each client has opened in
 * the current period of `periodSec` (packet time): a client that suddenly
 * talks to hundreds of registered domains (dnscat2 without a domain of its
 * own, where every query is its own "domain"; DGA lookups) is a signal no
 * single window shows. Kept as a count-min style sketch: one counter and its
 * period number per cell, cells chosen by two hashes of the client's
 * address, the smaller count taken. Bounded (2 x 2^16 cells, 1 MiB); two
 * clients that share both cells make each other's count larger, never
 * smaller. A cell is its period number and its count side by side, one
 * cache line for both.
 */
const CELL_BITS = 16;
const CELLS = 1 << CELL_BITS;

export class ClientFanOut {
  /** Per cell: the period number (-1: none yet), the count. */
  private readonly cell = new Int32Array(4 * CELLS).fill(-1);
  /** The two cells of the last client asked about (no array per call). */
  private readonly pair: [number, number] = [0, 0];

  constructor(private readonly periodSec: number) {}

  /** Counts one more window of this client at time `ts`; returns the client's windows in ts's period. */
  opened(c0: number, c1: number, c2: number, c3: number, ts: number): number {
    const p = Math.floor(ts / this.periodSec);
    const [a, b] = this.cells(c0, c1, c2, c3);
    const ca = this.bump(a, p);
    const cb = this.bump(b, p);
    return ca < cb ? ca : cb;
  }

  /** The client's windows in ts's period so far, without counting one more. */
  peek(c0: number, c1: number, c2: number, c3: number, ts: number): number {
    const p = Math.floor(ts / this.periodSec);
    const [a, b] = this.cells(c0, c1, c2, c3);
    const c = this.cell;
    const ca = c[2 * a] === p ? c[2 * a + 1]! : 0;
    const cb = c[2 * b] === p ? c[2 * b + 1]! : 0;
    return ca < cb ? ca : cb;
  }

  private cells(c0: number, c1: number, c2: number, c3: number): [number, number] {
    let h = Math.imul(c0 ^ 0x7f4a7c15, 0x9e3779b1);
    h = Math.imul(h ^ c1, 0x85ebca77);
    h = Math.imul(h ^ c2, 0xc2b2ae3d);
    h = Math.imul(h ^ c3, 0x27d4eb2f);
    h ^= h >>> 15;
    // A second hash from other constants: cells derived from one hash collide together.
    let g = Math.imul(c3 ^ 0x1b873593, 0xcc9e2d51);
    g = Math.imul(g ^ c2, 0x27d4eb2f);
    g = Math.imul(g ^ c1, 0x165667b1);
    g = Math.imul(g ^ c0, 0x85ebca77);
    g ^= g >>> 13;
    this.pair[0] = h & (CELLS - 1);
    this.pair[1] = CELLS + (g >>> (32 - CELL_BITS));
    return this.pair;
  }

  private bump(cell: number, p: number): number {
    const c = this.cell;
    if (c[2 * cell] !== p) {
      c[2 * cell] = p;
      c[2 * cell + 1] = 0;
    }
    return ++c[2 * cell + 1]!;
  }
}
