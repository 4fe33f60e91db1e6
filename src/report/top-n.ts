/**
 * Bounded heavy-hitter table: the Space-Saving algorithm (Metwally,
 * Agrawal, El Abbadi 2005). Chosen over Misra-Gries because it keeps a
 * count per tracked key that is never below the true count and at most
 * `error` above it, where `error` is the count of the key it replaced; the
 * true count lies in [count - error, count]. Any key seen more than
 * total/capacity times is guaranteed to be in the table.
 *
 * The table is a Map plus a binary min-heap on count, so an update and an
 * eviction are O(log capacity): a month of alerts from fleet-wide scanners
 * can have millions of distinct sources, and a linear scan for the minimum
 * on every new key would be capacity times slower.
 */
export interface TopEntry {
  readonly key: string;
  readonly count: number;
  /** Overestimate bound: the true count is at least count - error. */
  readonly error: number;
  /** First and last time (ms) seen while tracked; first is later than the truth when error > 0. */
  readonly first: number;
  readonly last: number;
}

interface Slot {
  key: string;
  count: number;
  error: number;
  first: number;
  last: number;
  pos: number;
}

export class SpaceSaving {
  private readonly slots = new Map<string, Slot>();
  private readonly heap: Slot[] = [];
  /** Keys dropped to make room: zero means every count is exact. */
  evictions = 0;
  total = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be at least 1');
  }

  add(key: string, tsMs: number): void {
    this.total++;
    let s = this.slots.get(key);
    if (s !== undefined) {
      s.count++;
      if (tsMs < s.first) s.first = tsMs;
      if (tsMs > s.last) s.last = tsMs;
      this.down(s.pos);
      return;
    }
    if (this.heap.length < this.capacity) {
      s = { key, count: 1, error: 0, first: tsMs, last: tsMs, pos: this.heap.length };
      this.heap.push(s);
      this.slots.set(key, s);
      this.up(s.pos);
      return;
    }
    // Replace the minimum: the newcomer inherits its count as the error bound.
    s = this.heap[0]!;
    this.slots.delete(s.key);
    this.evictions++;
    s.key = key;
    s.error = s.count;
    s.count++;
    s.first = tsMs;
    s.last = tsMs;
    this.slots.set(key, s);
    this.down(0);
  }

  get size(): number {
    return this.heap.length;
  }

  /** The n largest counts, ties by key so reports are stable. */
  top(n: number): TopEntry[] {
    return [...this.heap]
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, n)
      .map(({ key, count, error, first, last }) => ({ key, count, error, first, last }));
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.pos = j;
    b.pos = i;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.heap[p]!.count <= this.heap[i]!.count) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.count < h[m]!.count) m = l;
      if (r < h.length && h[r]!.count < h[m]!.count) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
