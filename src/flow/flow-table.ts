import { copyFlowKey, flowKeyEquals, newFlowKey, type FlowKey } from './flow-key.js';

/**
 * Bounded flow table keyed by FlowKey. Buckets are a preallocated array
 * indexed by the low bits of the 30-bit key hash, each the head of a chain
 * of entries (collisions resolved by comparing key bytes). The array has
 * about two buckets per flow the table may hold, so chains stay short; it
 * used to be a Map from hash to chain, whose lookups, inserts, deletes and
 * rehashing cost more than the rest of the table per packet.
 *
 * Time is packet time: the table keeps a clock that only moves forward (the
 * largest timestamp seen), and `lastSeen` is that clock at the flow's last
 * packet. Each lane (UDP, TCP) keeps its flows in one intrusive list ordered
 * by lastSeen, oldest first, so idle expiry only ever looks at list heads and
 * costs O(1) per packet; capacity eviction removes the older of the two heads
 * (least recently used). A capture whose timestamps step backwards cannot
 * reorder the lists because lastSeen comes from the clock.
 */
export const LANE_UDP = 0;
export const LANE_TCP = 1;
export type Lane = typeof LANE_UDP | typeof LANE_TCP;

export type RemoveReason = 'expired' | 'evicted' | 'closed' | 'flushed';

export class FlowEntry {
  readonly key: FlowKey = newFlowKey();
  lane: Lane = LANE_UDP;
  lastSeen = 0;
  /** Next entry in the same hash bucket. */
  chainNext: FlowEntry | null = null;
  lruPrev: FlowEntry | null = null;
  lruNext: FlowEntry | null = null;
  inTable = false;
}

export interface FlowTableOptions {
  maxFlows: number;
  /** Idle timeout in seconds per lane: [udp, tcp]. */
  idleSec: readonly [number, number];
}

export interface FlowTableHooks<E extends FlowEntry> {
  /** Called after the entry left the table (lists and buckets). */
  onRemove(entry: E, reason: RemoveReason): void;
}

/** Bucket count: a power of two near twice maxFlows, within these bounds (2^22 buckets = 32 MiB of pointers). */
const MIN_BUCKETS = 1 << 4;
const MAX_BUCKETS = 1 << 22;

export function bucketCount(maxFlows: number): number {
  let n = MIN_BUCKETS;
  while (n < 2 * maxFlows && n < MAX_BUCKETS) n *= 2;
  return n;
}

export class FlowTable<E extends FlowEntry> {
  private readonly buckets: Array<E | null>;
  private readonly mask: number;
  private readonly heads: [E | null, E | null] = [null, null];
  private readonly tails: [E | null, E | null] = [null, null];
  size = 0;
  clock = -Infinity;
  created = 0;
  expired = 0;
  evicted = 0;
  closed = 0;
  flushed = 0;

  constructor(
    readonly options: FlowTableOptions,
    private readonly hooks: FlowTableHooks<E>,
  ) {
    if (!(options.maxFlows >= 1)) throw new RangeError('maxFlows must be at least 1');
    const n = bucketCount(options.maxFlows);
    // Filled by push: `new Array(n)` above ~100k elements starts in dictionary mode.
    const buckets: Array<E | null> = [];
    for (let i = 0; i < n; i++) buckets.push(null);
    this.buckets = buckets;
    this.mask = n - 1;
  }

  /** Moves the clock forward to `now` (never back) and expires idle flows. */
  advance(now: number): void {
    if (now > this.clock) this.clock = now;
    this.expireLane(LANE_UDP);
    this.expireLane(LANE_TCP);
  }

  private expireLane(lane: Lane): void {
    const limit = this.clock - this.options.idleSec[lane];
    let e = this.heads[lane];
    while (e !== null && e.lastSeen < limit) {
      this.remove(e, 'expired');
      e = this.heads[lane];
    }
  }

  lookup(key: FlowKey): E | null {
    let e = this.buckets[key.hash & this.mask];
    while (e !== null) {
      if (flowKeyEquals(e.key, key)) return e;
      e = e.chainNext as E | null;
    }
    return null;
  }

  /**
   * Adds a new entry for `key` (copied into the entry), evicting the least
   * recently used flow first if the table is full.
   */
  insert(entry: E, key: FlowKey, lane: Lane): void {
    while (this.size >= this.options.maxFlows) this.evictOldest();
    copyFlowKey(key, entry.key);
    entry.lane = lane;
    entry.lastSeen = this.clock;
    entry.inTable = true;
    const b = key.hash & this.mask;
    entry.chainNext = this.buckets[b];
    this.buckets[b] = entry;
    this.append(entry);
    this.size++;
    this.created++;
  }

  /** Marks the entry as used now (moves it to the young end of its lane). */
  touch(entry: E): void {
    entry.lastSeen = this.clock;
    if (this.tails[entry.lane] === entry) return;
    this.unlink(entry);
    this.append(entry);
  }

  remove(entry: E, reason: RemoveReason): void {
    if (!entry.inTable) return;
    entry.inTable = false;
    const b = entry.key.hash & this.mask;
    let e = this.buckets[b];
    if (e === entry) {
      this.buckets[b] = entry.chainNext as E | null;
    } else {
      while (e !== null && e.chainNext !== entry) e = e.chainNext as E | null;
      if (e !== null) e.chainNext = entry.chainNext;
    }
    entry.chainNext = null;
    this.unlink(entry);
    this.size--;
    this[reason]++;
    this.hooks.onRemove(entry, reason);
  }

  /**
   * Removes every flow (end of input), oldest first. Entries leave their
   * LRU list at the head and the buckets are emptied at once afterwards,
   * instead of walking each entry's bucket chain: at the end of a capture
   * that is up to --max-flows chains, each a cache miss. If a hook throws,
   * the buckets are rebuilt from the flows still listed, so the table stays
   * usable for the next input.
   */
  removeAll(reason: RemoveReason): void {
    try {
      for (;;) {
        const u = this.heads[LANE_UDP];
        const t = this.heads[LANE_TCP];
        if (u === null && t === null) break;
        const e = u === null ? t! : t === null ? u : u.lastSeen <= t.lastSeen ? u : t;
        const lane = e.lane;
        const next = e.lruNext as E | null;
        this.heads[lane] = next;
        if (next === null) this.tails[lane] = null;
        else next.lruPrev = null;
        e.lruNext = null;
        e.chainNext = null;
        e.inTable = false;
        this.size--;
        this[reason]++;
        this.hooks.onRemove(e, reason);
      }
    } finally {
      this.rebuildBuckets();
    }
  }

  /** Buckets from the flows in the LRU lists (none after a complete removeAll). */
  private rebuildBuckets(): void {
    const buckets = this.buckets;
    buckets.fill(null);
    for (const head of this.heads) {
      for (let e = head; e !== null; e = e.lruNext as E | null) {
        const b = e.key.hash & this.mask;
        e.chainNext = buckets[b];
        buckets[b] = e;
      }
    }
  }

  /** Forgets the clock so the next input may start at any time. Only valid on an empty table. */
  resetClock(): void {
    if (this.size === 0) this.clock = -Infinity;
  }

  private evictOldest(): void {
    const u = this.heads[LANE_UDP];
    const t = this.heads[LANE_TCP];
    const e = u === null ? t : t === null ? u : u.lastSeen <= t.lastSeen ? u : t;
    if (e !== null) this.remove(e, 'evicted');
  }

  private append(e: E): void {
    const lane = e.lane;
    const tail = this.tails[lane];
    e.lruPrev = tail;
    e.lruNext = null;
    if (tail === null) this.heads[lane] = e;
    else tail.lruNext = e;
    this.tails[lane] = e;
  }

  private unlink(e: E): void {
    const lane = e.lane;
    if (e.lruPrev === null) this.heads[lane] = e.lruNext as E | null;
    else e.lruPrev.lruNext = e.lruNext;
    if (e.lruNext === null) this.tails[lane] = e.lruPrev as E | null;
    else e.lruNext.lruPrev = e.lruPrev;
    e.lruPrev = null;
    e.lruNext = null;
  }
}
