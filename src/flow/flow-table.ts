import { portsWord, protoVlanWord, type FlowKey } from './flow-key.js';

/**
 * Bounded flow table keyed by FlowKey, holding no object per flow. Each flow
 * is a record of RECORD_WORDS 32-bit words, numbered, in one typed array:
 * the key, the LRU links, the time of the last packet, and words left to the
 * table's user (the flow assembler's per-flow counters). A lookup reads one
 * slot of the index and then one record (one 64-byte line), which holds
 * all an IPv4 flow needs per packet; the assembler updates the same line.
 * Per-flow objects (key, state, links) used to be several cold objects per
 * packet, and 100,000 of them for the garbage collector to copy while the
 * table filled.
 *
 * The index is an open-addressed hash table (linear probing, backward-shift
 * deletion, no tombstones) of [hash, record number + 1] pairs in an
 * Int32Array: 2 MiB at the default 100,000 flows. It doubles when half full.
 *
 * Time is packet time: the table keeps a clock that only moves forward (the
 * largest timestamp seen), and a flow's last-seen time is that clock at its
 * last packet. Each lane (UDP, TCP) keeps its flows in one intrusive list
 * ordered by last-seen, oldest first, so idle expiry only ever looks at list
 * heads and costs O(1) per packet; capacity eviction removes the older of
 * the two heads (least recently used). A capture whose timestamps step
 * backwards cannot reorder the lists because last-seen comes from the clock.
 * The lists are circular through a sentinel record per lane (record number =
 * lane), so linking and unlinking have no branch for an end of the list: a
 * branch first taken mid-capture (the last flow of a lane removed) would
 * deoptimize every function the unlink is inlined into.
 *
 * A removed flow's record number can be held back from reuse (see
 * FlowTableHooks.onRemove), so rows that still name it resolve to the right
 * flow until the consumer has seen them.
 */
export const LANE_UDP = 0;
export const LANE_TCP = 1;
export type Lane = typeof LANE_UDP | typeof LANE_TCP;

export type RemoveReason = 'expired' | 'evicted' | 'closed' | 'flushed';

/**
 * Int32 words per record: one 64-byte line. IPv6 flows keep their other six
 * address words in a side array (V6_WORDS per record), read only on a hash
 * match: a second line in every record, used only by IPv6 flows, doubled the
 * records' memory (16 MiB at 100,000 flows) for no gain in time.
 */
export const RECORD_WORDS = 16;
const R_HASH = 0;
const R_PORTS = 1;
const R_PROTO_VLAN = 2;
const R_META = 3;
const R_A0 = 4;
const R_B0 = 5;
const R_PREV = 6;
const R_NEXT = 7;
/** Records 0 and 1 are the lanes' list sentinels; flows start at 2. */
const LANES = 2;
/** Float64 index of the last-seen time within a record (words 8 and 9). */
const F_SEEN = 4;
/** First of the record words that belong to the table's user, in the first line with the key. */
export const RECORD_USER = 10;
export const RECORD_USER_WORDS = 6;
const F64_PER_RECORD = RECORD_WORDS / 2;
/** Int32 words per record in the IPv6 side array: a1..a3, b1..b3 and two unused, so a record's words share one half line. */
const V6_WORDS = 8;
const V_A1 = 0;
const V_A2 = 1;
const V_A3 = 2;
const V_B1 = 3;
const V_B2 = 4;
const V_B3 = 5;

const META_V6 = 1;
const META_TCP = 2;
const META_IN_TABLE = 4;

export interface FlowTableOptions {
  maxFlows: number;
  /** Idle timeout in seconds per lane: [udp, tcp]. */
  idleSec: readonly [number, number];
}

/**
 * Where a table keeps its state when it shares memory with the fast lane
 * (src/flow/fast-lane.ts): byte offsets into one buffer, sized so the
 * table never grows (slots for 2 x maxFlows, records for every flow, held
 * record and sentinel). Without it the table allocates its own arrays and
 * grows them as flows arrive.
 */
export interface FlowTableStorage {
  readonly buffer: ArrayBuffer;
  readonly state: number;
  readonly slots: number;
  readonly slotCount: number;
  readonly records: number;
  readonly v6: number;
  readonly free: number;
  readonly held: number;
  /** Records, free-list and held-list entries the regions above have room for. */
  readonly capacity: number;
}

/**
 * The table's scalars, in a small region of their own so that the fast
 * lane reads and updates the same values: Int32 words first, then Float64s
 * (counters as doubles: a sensor running for weeks may create more than
 * 2^31 flows).
 */
export const TABLE_STATE_BYTES = 128;
export const T_SIZE = 0;
export const T_ALLOCATED = 1;
export const T_FREE_TOP = 2;
export const T_HELD_TOP = 3;
export const T_CLOCK = 4;
export const T_CREATED = 5;
export const T_EXPIRED = 6;
export const T_EVICTED = 7;
export const T_CLOSED = 8;
export const T_FLUSHED = 9;

/** Bytes of each region for a table of `capacity` records and `slotCount` slots (see FlowTableStorage). */
export function tableRegionBytes(capacity: number, slotCount: number): { slots: number; records: number; v6: number; free: number; held: number } {
  return { slots: slotCount * STRIDE * 4, records: capacity * RECORD_WORDS * 4, v6: capacity * V6_WORDS * 4, free: capacity * 4, held: capacity * 4 };
}

/** Slots for a table that never grows: a power of two above twice maxFlows + 1 (see insert). */
export function fixedSlotCount(maxFlows: number): number {
  let n = MIN_SLOTS;
  while (n < 2 * (maxFlows + 1)) n *= 2;
  return n;
}

/** Records a table that never grows needs: every flow, every record held back (at most one per batch row), the sentinels. */
export function fixedRecordCount(maxFlows: number, batchSize: number): number {
  return maxFlows + batchSize + LANES;
}

export interface FlowTableHooks {
  /**
   * Called after the flow left the index and its list; its record is still
   * intact. Return true to hold the record number back from reuse until
   * releaseHeld(): something still names the flow by it.
   */
  onRemove(ref: number, reason: RemoveReason): boolean;
}

/** Int32 words per slot: the 30-bit key hash, then record number + 1 (0: empty slot). */
const STRIDE = 2;
const W_HASH = 0;
const W_REF = 1;
const MIN_SLOTS = 1 << 4;
/** First slot array: up to 2^18 slots (2 MiB, enough for the default 100,000 flows); it doubles from there as flows arrive. */
const INITIAL_SLOTS_MAX = 1 << 18;
/** Records allocated up front: enough for the default 100,000 flows (8 MiB of address space, touched as flows arrive). */
const INITIAL_RECORDS_MAX = 1 << 17;

/** Slots a table starts with: a power of two at least twice maxFlows, within the bounds above. */
export function initialSlotCount(maxFlows: number): number {
  let n = MIN_SLOTS;
  while (n < 2 * maxFlows && n < INITIAL_SLOTS_MAX) n *= 2;
  return n;
}

export class FlowTable {
  private slots: Int32Array;
  private mask: number;
  /**
   * The records (RECORD_WORDS each, by record number). Replaced by a larger
   * copy when more records are needed, which only insert() does: read it
   * again after an insert.
   */
  words: Int32Array;
  /** The same memory as `words`, for the last-seen times. */
  private f64: Float64Array;
  /** IPv6 flows' address words after the first of each address (V6_WORDS per record). */
  private v6: Int32Array;
  private capacity: number;
  /** Freed record numbers (reused first), then those held back: stacks whose tops are in the state. */
  private free: Int32Array;
  private held: Int32Array;
  /** The scalars (T_*), as Int32 words and as Float64s over the same bytes. */
  private readonly st: Int32Array;
  private readonly stf: Float64Array;
  /** Set when the table lives in shared memory: its arrays may not be replaced. */
  private readonly fixed: boolean;
  /** See markIndexStale. */
  private indexStale = false;
  private readonly idleUdp: number;
  private readonly idleTcp: number;

  constructor(
    readonly options: FlowTableOptions,
    private readonly hooks: FlowTableHooks,
    storage?: FlowTableStorage,
  ) {
    if (!(options.maxFlows >= 1)) throw new RangeError('maxFlows must be at least 1');
    if (storage === undefined) {
      const n = initialSlotCount(options.maxFlows);
      this.slots = new Int32Array(n * STRIDE);
      this.mask = n - 1;
      this.capacity = Math.max(16, Math.min(options.maxFlows + LANES, INITIAL_RECORDS_MAX));
      const buf = new ArrayBuffer(this.capacity * RECORD_WORDS * 4);
      this.words = new Int32Array(buf);
      this.f64 = new Float64Array(buf);
      this.v6 = new Int32Array(this.capacity * V6_WORDS);
      this.free = new Int32Array(this.capacity);
      this.held = new Int32Array(this.capacity);
      const state = new ArrayBuffer(TABLE_STATE_BYTES);
      this.st = new Int32Array(state);
      this.stf = new Float64Array(state);
      this.fixed = false;
    } else {
      const b = storage.buffer;
      const c = storage.capacity;
      if (storage.slotCount < fixedSlotCount(options.maxFlows) || c < options.maxFlows + LANES) throw new RangeError('flow table storage too small for maxFlows');
      this.slots = new Int32Array(b, storage.slots, storage.slotCount * STRIDE);
      this.mask = storage.slotCount - 1;
      this.capacity = c;
      this.words = new Int32Array(b, storage.records, c * RECORD_WORDS);
      this.f64 = new Float64Array(b, storage.records, c * F64_PER_RECORD);
      this.v6 = new Int32Array(b, storage.v6, c * V6_WORDS);
      this.free = new Int32Array(b, storage.free, c);
      this.held = new Int32Array(b, storage.held, c);
      this.st = new Int32Array(b, storage.state, TABLE_STATE_BYTES / 4);
      this.stf = new Float64Array(b, storage.state, TABLE_STATE_BYTES / 8);
      this.fixed = true;
    }
    for (let lane = 0; lane < LANES; lane++) {
      this.words[lane * RECORD_WORDS + R_PREV] = lane;
      this.words[lane * RECORD_WORDS + R_NEXT] = lane;
    }
    this.st[T_ALLOCATED] = LANES;
    this.stf[T_CLOCK] = -Infinity;
    this.idleUdp = options.idleSec[LANE_UDP];
    this.idleTcp = options.idleSec[LANE_TCP];
  }

  get size(): number {
    return this.st[T_SIZE]!;
  }

  /** The largest packet time seen (-Infinity before the first). */
  get clock(): number {
    return this.stf[T_CLOCK]!;
  }

  get created(): number {
    return this.stf[T_CREATED]!;
  }

  get expired(): number {
    return this.stf[T_EXPIRED]!;
  }

  get evicted(): number {
    return this.stf[T_EVICTED]!;
  }

  get closed(): number {
    return this.stf[T_CLOSED]!;
  }

  get flushed(): number {
    return this.stf[T_FLUSHED]!;
  }

  /** Moves the clock forward to `now` (never back) and expires idle flows. */
  advance(now: number): void {
    const st = this.stf;
    if (now > st[T_CLOCK]!) st[T_CLOCK] = now;
    const clock = st[T_CLOCK]!;
    this.expireLane(LANE_UDP, clock - this.idleUdp);
    this.expireLane(LANE_TCP, clock - this.idleTcp);
  }

  private expireLane(lane: Lane, limit: number): void {
    const w = this.words;
    let r = w[lane * RECORD_WORDS + R_NEXT]!;
    while (r !== lane && this.f64[r * F64_PER_RECORD + F_SEEN]! < limit) {
      this.remove(r, 'expired');
      r = w[lane * RECORD_WORDS + R_NEXT]!;
    }
  }

  /** The number of the flow with this key, or -1. */
  lookup(key: FlowKey): number {
    const slots = this.slots;
    const mask = this.mask;
    const w = this.words;
    const hash = key.hash;
    const ports = portsWord(key);
    const pv = protoVlanWord(key);
    const v6 = key.ipVersion === 6 ? META_V6 : 0;
    // The probe starts one slot before home and steps first, so the step runs
    // in every lookup: run only on collisions, it would have no type feedback
    // when the lookup is optimized, and the first collision would deoptimize
    // the lookup and every function it is inlined into.
    let i = (hash - 1) & mask;
    for (;;) {
      i = (i + 1) & mask;
      const o = i * STRIDE;
      const ref1 = slots[o + W_REF]!;
      if (ref1 === 0) return -1;
      if (slots[o + W_HASH] === hash) {
        const b = (ref1 - 1) * RECORD_WORDS;
        if (
          w[b + R_PORTS] === ports &&
          w[b + R_PROTO_VLAN] === pv &&
          w[b + R_A0] === key.a0 &&
          w[b + R_B0] === key.b0 &&
          (w[b + R_META]! & META_V6) === v6 &&
          (v6 === 0 || this.sameV6Words(ref1 - 1, key))
        ) {
          return ref1 - 1;
        }
      }
    }
  }

  private sameV6Words(ref: number, key: FlowKey): boolean {
    const x = this.v6;
    const v = ref * V6_WORDS;
    return (
      x[v + V_A1] === key.a1 &&
      x[v + V_A2] === key.a2 &&
      x[v + V_A3] === key.a3 &&
      x[v + V_B1] === key.b1 &&
      x[v + V_B2] === key.b2 &&
      x[v + V_B3] === key.b3
    );
  }

  /**
   * Adds a flow for `key`, evicting the least recently used flow first if
   * the table is full, and returns its record number. The user words of the
   * record hold whatever its last flow left there.
   */
  insert(key: FlowKey, lane: Lane): number {
    const st = this.st;
    while (st[T_SIZE]! >= this.options.maxFlows) this.evictOldest();
    if (2 * (st[T_SIZE]! + 1) > this.mask + 1) this.grow();
    const r = this.allocate();
    const w = this.words;
    const b = r * RECORD_WORDS;
    const v6 = key.ipVersion === 6;
    w[b + R_HASH] = key.hash;
    w[b + R_PORTS] = portsWord(key);
    w[b + R_PROTO_VLAN] = protoVlanWord(key);
    w[b + R_META] = (v6 ? META_V6 : 0) | (lane === LANE_TCP ? META_TCP : 0) | META_IN_TABLE;
    w[b + R_A0] = key.a0;
    w[b + R_B0] = key.b0;
    if (v6) {
      const x = this.v6;
      const v = r * V6_WORDS;
      x[v + V_A1] = key.a1;
      x[v + V_A2] = key.a2;
      x[v + V_A3] = key.a3;
      x[v + V_B1] = key.b1;
      x[v + V_B2] = key.b2;
      x[v + V_B3] = key.b3;
    }
    this.f64[r * F64_PER_RECORD + F_SEEN] = this.stf[T_CLOCK]!;
    this.place(key.hash, r);
    this.append(r, lane);
    st[T_SIZE] = st[T_SIZE]! + 1;
    this.stf[T_CREATED] = this.stf[T_CREATED]! + 1;
    return r;
  }

  laneOf(ref: number): Lane {
    return (this.words[ref * RECORD_WORDS + R_META]! & META_TCP) !== 0 ? LANE_TCP : LANE_UDP;
  }

  /** True while the flow is in the table (false once removed, even while its number is held). */
  has(ref: number): boolean {
    return ref >= LANES && ref < this.st[T_ALLOCATED]! && (this.words[ref * RECORD_WORDS + R_META]! & META_IN_TABLE) !== 0;
  }

  /** Fills `out` with the key of record `ref` (in the table or held); `srcIsA` is left as it was. */
  readKey(ref: number, out: FlowKey): void {
    const w = this.words;
    const b = ref * RECORD_WORDS;
    const v6 = (w[b + R_META]! & META_V6) !== 0;
    const ports = w[b + R_PORTS]!;
    const pv = w[b + R_PROTO_VLAN]!;
    out.hash = w[b + R_HASH]!;
    out.ipVersion = v6 ? 6 : 4;
    out.proto = pv >>> 24;
    out.vlan0 = (pv >>> 12) & 0xfff;
    out.vlan1 = pv & 0xfff;
    out.portA = ports >>> 16;
    out.portB = ports & 0xffff;
    out.a0 = w[b + R_A0]!;
    out.b0 = w[b + R_B0]!;
    const x = this.v6;
    const v = ref * V6_WORDS;
    out.a1 = v6 ? x[v + V_A1]! : 0;
    out.a2 = v6 ? x[v + V_A2]! : 0;
    out.a3 = v6 ? x[v + V_A3]! : 0;
    out.b1 = v6 ? x[v + V_B1]! : 0;
    out.b2 = v6 ? x[v + V_B2]! : 0;
    out.b3 = v6 ? x[v + V_B3]! : 0;
  }

  /** Marks the flow as used now (moves it to the young end of its lane). */
  touch(ref: number): void {
    this.f64[ref * F64_PER_RECORD + F_SEEN] = this.stf[T_CLOCK]!;
    const lane = this.laneOf(ref);
    if (this.words[lane * RECORD_WORDS + R_PREV] === ref) return;
    this.unlink(ref);
    this.append(ref, lane);
  }

  remove(ref: number, reason: RemoveReason): void {
    const w = this.words;
    const m = ref * RECORD_WORDS + R_META;
    if ((w[m]! & META_IN_TABLE) === 0) return;
    w[m] = w[m]! & ~META_IN_TABLE;
    this.unplace(ref);
    this.unlink(ref);
    this.st[T_SIZE] = this.st[T_SIZE]! - 1;
    this.count(reason);
    this.retire(ref, reason);
  }

  /**
   * Removes every flow (end of input), oldest first. With many flows they
   * leave their LRU list at the head and the slots are emptied at once
   * afterwards, instead of deleting each flow's slot: at the end of a
   * capture that is up to --max-flows probes, each a cache miss. With few
   * flows for the slots (under one per 8) each flow's slot is deleted
   * instead, so that emptying the whole index does not touch every page of
   * a large one (the fast lane's is sized for --max-flows from the start:
   * 128 MiB at 8,000,000). If a hook throws, the slots are rebuilt from the
   * flows still listed, so the table stays usable for the next input.
   */
  removeAll(reason: RemoveReason): void {
    if (!this.indexStale && 8 * this.st[T_SIZE]! < this.mask + 1) {
      for (let r = this.oldest(); r >= 0; r = this.oldest()) this.remove(r, reason);
      return;
    }
    try {
      for (;;) {
        const r = this.oldest();
        if (r < 0) break;
        const w = this.words;
        const b = r * RECORD_WORDS;
        this.unlink(r);
        w[b + R_META] = w[b + R_META]! & ~META_IN_TABLE;
        this.st[T_SIZE] = this.st[T_SIZE]! - 1;
        this.count(reason);
        this.retire(r, reason);
      }
    } finally {
      this.rebuildSlots();
      this.indexStale = false;
    }
  }

  /** Whether removeAll would delete flow by flow (few flows for the slots). */
  get sparse(): boolean {
    return 8 * this.st[T_SIZE]! < this.mask + 1;
  }

  /**
   * Flows have left the lists without leaving the index (the fast lane's
   * flushUdp, which counts on it): the next removeAll rebuilds the index.
   */
  markIndexStale(): void {
    this.indexStale = true;
  }

  /** Record numbers held back by onRemove become reusable. */
  releaseHeld(): void {
    const st = this.st;
    const held = this.held;
    const free = this.free;
    let f = st[T_FREE_TOP]!;
    for (let h = st[T_HELD_TOP]! - 1; h >= 0; h--) free[f++] = held[h]!;
    st[T_FREE_TOP] = f;
    st[T_HELD_TOP] = 0;
  }

  /** Forgets the clock so the next input may start at any time. Only valid on an empty table. */
  resetClock(): void {
    if (this.st[T_SIZE] === 0) this.stf[T_CLOCK] = -Infinity;
  }

  /** A switch, not this[reason]++: a keyed access by a string that varies is a generic property lookup per removal. */
  private count(reason: RemoveReason): void {
    switch (reason) {
      case 'evicted':
        this.stf[T_EVICTED] = this.stf[T_EVICTED]! + 1;
        break;
      case 'expired':
        this.stf[T_EXPIRED] = this.stf[T_EXPIRED]! + 1;
        break;
      case 'closed':
        this.stf[T_CLOSED] = this.stf[T_CLOSED]! + 1;
        break;
      case 'flushed':
        this.stf[T_FLUSHED] = this.stf[T_FLUSHED]! + 1;
        break;
    }
  }

  private retire(ref: number, reason: RemoveReason): void {
    let hold = false;
    try {
      hold = this.hooks.onRemove(ref, reason);
    } finally {
      // Both stacks loaded and one store for either: a store to held of its
      // own would first run at the end of a capture, inside an optimized
      // removeAll, and deoptimize it.
      const st = this.st;
      const held = this.held;
      const free = this.free;
      const top = hold ? T_HELD_TOP : T_FREE_TOP;
      const t = st[top]!;
      (hold ? held : free)[t] = ref;
      st[top] = t + 1;
    }
  }

  private allocate(): number {
    const st = this.st;
    const f = st[T_FREE_TOP]!;
    if (f > 0) {
      st[T_FREE_TOP] = f - 1;
      return this.free[f - 1]!;
    }
    const r = st[T_ALLOCATED]!;
    if (r >= this.capacity) this.growRecords();
    st[T_ALLOCATED] = r + 1;
    return r;
  }

  private growRecords(): void {
    if (this.fixed) throw new Error('flow table storage is full');
    const n = this.capacity * 2;
    const buf = new ArrayBuffer(n * RECORD_WORDS * 4);
    const w = new Int32Array(buf);
    w.set(this.words);
    this.words = w;
    this.f64 = new Float64Array(buf);
    const x = new Int32Array(n * V6_WORDS);
    x.set(this.v6);
    this.v6 = x;
    const free = new Int32Array(n);
    free.set(this.free);
    this.free = free;
    const held = new Int32Array(n);
    held.set(this.held);
    this.held = held;
    this.capacity = n;
  }

  /** Slots from the flows in the LRU lists (none after a complete removeAll). */
  private rebuildSlots(): void {
    this.slots.fill(0);
    const w = this.words;
    for (let lane = 0; lane < LANES; lane++) {
      for (let r = w[lane * RECORD_WORDS + R_NEXT]!; r !== lane; r = w[r * RECORD_WORDS + R_NEXT]!) this.place(w[r * RECORD_WORDS + R_HASH]!, r);
    }
  }

  private evictOldest(): void {
    const r = this.oldest();
    if (r >= 0) this.remove(r, 'evicted');
  }

  /** The least recently used flow of both lanes (UDP on a tie), or -1. */
  private oldest(): number {
    const w = this.words;
    const u = w[LANE_UDP * RECORD_WORDS + R_NEXT]!;
    const t = w[LANE_TCP * RECORD_WORDS + R_NEXT]!;
    // Both compared up front: a compare first run when one lane empties (at
    // the end of a capture) would have no feedback and deoptimize removeAll.
    const noUdp = u === LANE_UDP;
    const noTcp = t === LANE_TCP;
    if (noUdp) return noTcp ? -1 : t;
    if (noTcp) return u;
    const f = this.f64;
    return f[u * F64_PER_RECORD + F_SEEN]! <= f[t * F64_PER_RECORD + F_SEEN]! ? u : t;
  }

  /** Writes record `ref` into the first empty slot of its probe sequence. */
  private place(hash: number, ref: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    while (slots[i * STRIDE + W_REF] !== 0) i = (i + 1) & mask;
    slots[i * STRIDE + W_HASH] = hash;
    slots[i * STRIDE + W_REF] = ref + 1;
  }

  /**
   * Empties the flow's slot and shifts later slots of the same probe run
   * back over it (backward-shift deletion), so lookups never need
   * tombstones and probe runs stay as short as the load allows.
   */
  private unplace(ref: number): void {
    const slots = this.slots;
    const mask = this.mask;
    const want = ref + 1;
    let i = this.words[ref * RECORD_WORDS + R_HASH]! & mask;
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
    if (this.fixed) throw new Error('flow table storage is full');
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

  /** Links the flow in as the lane's youngest: before the sentinel, after the old tail. */
  private append(ref: number, lane: Lane): void {
    const w = this.words;
    const s = lane * RECORD_WORDS;
    const tail = w[s + R_PREV]!;
    w[ref * RECORD_WORDS + R_PREV] = tail;
    w[ref * RECORD_WORDS + R_NEXT] = lane;
    w[tail * RECORD_WORDS + R_NEXT] = ref;
    w[s + R_PREV] = ref;
  }

  private unlink(ref: number): void {
    const w = this.words;
    const prev = w[ref * RECORD_WORDS + R_PREV]!;
    const next = w[ref * RECORD_WORDS + R_NEXT]!;
    w[prev * RECORD_WORDS + R_NEXT] = next;
    w[next * RECORD_WORDS + R_PREV] = prev;
  }
}
