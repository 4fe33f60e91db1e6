import { copyFlowKey, flowKeyEquals, newFlowKey, type FlowKey } from './flow-key.js';

/**
 * Bounded flow table keyed by FlowKey. The index is an open-addressed hash
 * table (linear probing, backward-shift deletion, no tombstones) in one
 * Int32Array of [hash, entry number] pairs: 2 MiB at the default 100,000
 * flows, so it mostly stays in cache, and a probe reads one line of it and
 * then only the entry whose hash matched (whose key is compared in full).
 * The LRU lists are entry numbers in typed arrays too (see `links`). It used
 * to be bucket chains with the LRU links in the entry objects, where a
 * packet read chained entries' keys on collisions and touching a flow wrote
 * into its two list neighbours: cold objects anywhere in the heap. The slot
 * array doubles when it is half full, so it stays at most half full and
 * grows with the flows actually held, not with --max-flows.
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
  /** Number of the entry in its table (slots and LRU links name entries by it); -1 when not in a table. */
  ref = -1;
  inTable = false;
}

export interface FlowTableOptions {
  maxFlows: number;
  /** Idle timeout in seconds per lane: [udp, tcp]. */
  idleSec: readonly [number, number];
}

export interface FlowTableHooks<E extends FlowEntry> {
  /** Called after the entry left the table (lists and slots). */
  onRemove(entry: E, reason: RemoveReason): void;
}

/** Int32 words per slot: the 30-bit key hash, then entry number + 1 (0: empty slot). */
const STRIDE = 2;
const W_HASH = 0;
const W_REF = 1;
const MIN_SLOTS = 1 << 4;
/** First slot array: up to 2^18 slots (2 MiB, enough for the default 100,000 flows); it doubles from there as flows arrive. */
const INITIAL_SLOTS_MAX = 1 << 18;

/** Slots a table starts with: a power of two at least twice maxFlows, within the bounds above. */
export function initialSlotCount(maxFlows: number): number {
  let n = MIN_SLOTS;
  while (n < 2 * maxFlows && n < INITIAL_SLOTS_MAX) n *= 2;
  return n;
}

export class FlowTable<E extends FlowEntry> {
  private slots: Int32Array;
  private mask: number;
  /** Entries by number; freed numbers are reused (freeRefs) so the array stays at most maxFlows long. */
  private readonly entries: Array<E | null> = [];
  private readonly freeRefs: number[] = [];
  /**
   * LRU lists as entry numbers: [prev, next] per entry (-1: none) and the
   * time of its last packet. Compact arrays (12 bytes per flow, ~1.2 MB at
   * 100,000 flows) rather than links between entry objects, so moving a
   * flow to the young end reads its neighbours from cache instead of two
   * cold objects anywhere in a heap of 100,000 flows.
   */
  private links = new Int32Array(2 * MIN_SLOTS);
  private seen = new Float64Array(MIN_SLOTS);
  private readonly heads = new Int32Array([-1, -1]);
  private readonly tails = new Int32Array([-1, -1]);
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
    const n = initialSlotCount(options.maxFlows);
    this.slots = new Int32Array(n * STRIDE);
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
    let r = this.heads[lane]!;
    while (r >= 0 && this.seen[r]! < limit) {
      this.remove(this.entries[r]!, 'expired');
      r = this.heads[lane]!;
    }
  }

  lookup(key: FlowKey): E | null {
    const slots = this.slots;
    const mask = this.mask;
    const hash = key.hash;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const o = i * STRIDE;
      const ref = slots[o + W_REF]!;
      if (ref === 0) return null;
      if (slots[o + W_HASH] === hash) {
        const e = this.entries[ref - 1]!;
        if (flowKeyEquals(e.key, key)) return e;
      }
    }
  }

  /**
   * Adds a new entry for `key` (copied into the entry), evicting the least
   * recently used flow first if the table is full.
   */
  insert(entry: E, key: FlowKey, lane: Lane): void {
    while (this.size >= this.options.maxFlows) this.evictOldest();
    if (2 * (this.size + 1) > this.mask + 1) this.grow();
    copyFlowKey(key, entry.key);
    entry.lane = lane;
    entry.inTable = true;
    const free = this.freeRefs.pop();
    let ref: number;
    if (free === undefined) {
      ref = this.entries.length;
      this.entries.push(entry);
      if (ref >= this.seen.length) this.growLinks();
    } else {
      ref = free;
      this.entries[ref] = entry;
    }
    entry.ref = ref;
    this.seen[ref] = this.clock;
    this.place(key, ref);
    this.append(ref, lane);
    this.size++;
    this.created++;
  }

  /** Marks the entry as used now (moves it to the young end of its lane). */
  touch(entry: E): void {
    const ref = entry.ref;
    this.seen[ref] = this.clock;
    const lane = entry.lane;
    if (this.tails[lane] === ref) return;
    this.unlink(ref, lane);
    this.append(ref, lane);
  }

  remove(entry: E, reason: RemoveReason): void {
    if (!entry.inTable) return;
    entry.inTable = false;
    this.unplace(entry);
    this.unlink(entry.ref, entry.lane);
    this.release(entry);
    this.size--;
    this[reason]++;
    this.hooks.onRemove(entry, reason);
  }

  /**
   * Removes every flow (end of input), oldest first. Entries leave their
   * LRU list at the head and the slots are emptied at once afterwards,
   * instead of deleting each entry's slot: at the end of a capture that is
   * up to --max-flows probes, each a cache miss. If a hook throws, the slots
   * are rebuilt from the flows still listed, so the table stays usable for
   * the next input.
   */
  removeAll(reason: RemoveReason): void {
    try {
      const links = this.links;
      for (;;) {
        const r = this.oldest();
        if (r < 0) break;
        const e = this.entries[r]!;
        const lane = e.lane;
        const next = links[2 * r + 1]!;
        this.heads[lane] = next;
        if (next < 0) this.tails[lane] = -1;
        else links[2 * next] = -1;
        e.inTable = false;
        this.release(e);
        this.size--;
        this[reason]++;
        this.hooks.onRemove(e, reason);
      }
    } finally {
      this.rebuildSlots();
    }
  }

  /** Slots from the flows in the LRU lists (none after a complete removeAll). */
  private rebuildSlots(): void {
    this.slots.fill(0);
    for (const head of this.heads) {
      for (let r = head; r >= 0; r = this.links[2 * r + 1]!) this.place(this.entries[r]!.key, r);
    }
  }

  /** Forgets the clock so the next input may start at any time. Only valid on an empty table. */
  resetClock(): void {
    if (this.size === 0) this.clock = -Infinity;
  }

  private evictOldest(): void {
    const r = this.oldest();
    if (r >= 0) this.remove(this.entries[r]!, 'evicted');
  }

  /** The least recently used entry of both lanes (UDP on a tie), or -1. */
  private oldest(): number {
    const u = this.heads[LANE_UDP]!;
    const t = this.heads[LANE_TCP]!;
    return u < 0 ? t : t < 0 ? u : this.seen[u]! <= this.seen[t]! ? u : t;
  }

  private growLinks(): void {
    const links = new Int32Array(this.links.length * 2);
    links.set(this.links);
    this.links = links;
    const seen = new Float64Array(this.seen.length * 2);
    seen.set(this.seen);
    this.seen = seen;
  }

  private release(e: E): void {
    this.entries[e.ref] = null;
    this.freeRefs.push(e.ref);
    e.ref = -1;
  }

  /** Writes `key` for entry `ref` into the first empty slot of its probe sequence. */
  private place(key: FlowKey, ref: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = key.hash & mask;
    while (slots[i * STRIDE + W_REF] !== 0) i = (i + 1) & mask;
    slots[i * STRIDE + W_HASH] = key.hash;
    slots[i * STRIDE + W_REF] = ref + 1;
  }

  /**
   * Empties the entry's slot and shifts later slots of the same probe run
   * back over it (backward-shift deletion), so lookups never need
   * tombstones and probe runs stay as short as the load allows.
   */
  private unplace(entry: E): void {
    const slots = this.slots;
    const mask = this.mask;
    const want = entry.ref + 1;
    let i = entry.key.hash & mask;
    while (slots[i * STRIDE + W_REF] !== want) {
      if (slots[i * STRIDE + W_REF] === 0) return;
      i = (i + 1) & mask;
    }
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const o = j * STRIDE;
      if (slots[o + W_REF] === 0) break;
      const home = slots[o + W_HASH]! & mask;
      // Slot j may move to the hole at i only if its home is not cyclically within (i, j].
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (!stays) {
        slots[i * STRIDE + W_HASH] = slots[o + W_HASH]!;
        slots[i * STRIDE + W_REF] = slots[o + W_REF]!;
        i = j;
      }
    }
    slots[i * STRIDE + W_REF] = 0;
  }

  /** Doubles the slot array and re-places every flow. */
  private grow(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    const slots = new Int32Array(n * STRIDE);
    const mask = n - 1;
    for (let o = 0; o < old.length; o += STRIDE) {
      if (old[o + W_REF] === 0) continue;
      let i = old[o + W_HASH]! & mask;
      while (slots[i * STRIDE + W_REF] !== 0) i = (i + 1) & mask;
      slots[i * STRIDE + W_HASH] = old[o + W_HASH]!;
      slots[i * STRIDE + W_REF] = old[o + W_REF]!;
    }
    this.slots = slots;
    this.mask = mask;
  }

  private append(ref: number, lane: Lane): void {
    const links = this.links;
    const tail = this.tails[lane]!;
    links[2 * ref] = tail;
    links[2 * ref + 1] = -1;
    if (tail < 0) this.heads[lane] = ref;
    else links[2 * tail + 1] = ref;
    this.tails[lane] = ref;
  }

  private unlink(ref: number, lane: Lane): void {
    const links = this.links;
    const prev = links[2 * ref]!;
    const next = links[2 * ref + 1]!;
    if (prev < 0) this.heads[lane] = next;
    else links[2 * prev + 1] = next;
    if (next < 0) this.tails[lane] = prev;
    else links[2 * next] = prev;
  }
}
