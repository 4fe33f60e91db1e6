import { MAX_NAME_BYTES } from '../../decode/dns/dns-question.js';

/**
 * The question stage's per-(client address, registered domain) windows:
 * counters over the messages of one client about one registered domain
 * within `windowSec` of packet time, in preallocated typed arrays (no
 * object per window, none per message). A window opens at its first
 * message and closes when a message of the same pair arrives after
 * `windowSec`, when the clock passes its end (expire), when the table is
 * full and it is the oldest (evict: it is scored with what it has, so a
 * flood of names cannot hide a tunnel's window by pushing it out
 * unscored), or at the end of input (flush). Each close hands the slot to
 * `onClose` before the slot is reused.
 *
 * Keys are the client's four address words, its IP version and the
 * registered domain's 32-bit hash and length; two domains of one client
 * that agree on all of these share a window (about 2^-32 per pair).
 */

/** Character classes of the histogram: a-z, 0-9, '-', '_', anything else. */
export const HIST_BINS = 39;
export const HIST_OTHER = 38;
/** Bytes of the registered domain kept for the alert (longer ones are cut; the key uses the whole one's hash). */
export const DOMAIN_BYTES = 64;
/** Bytes of each example name kept for the alert: a whole name (the decoder's at most), so rrname is the name as Suricata writes it. */
export const EXAMPLE_BYTES = MAX_NAME_BYTES;
/**
 * The first bytes of each example, kept beside the registered domain; the
 * rest of a longer name goes to the window's tail bytes. Most names are
 * shorter, so the tail array's pages are touched only by windows with long
 * names: 192 bytes a window instead of 574, 6,300 fewer page faults on the
 * bench capture.
 */
export const EXAMPLE_HEAD = 64;
const EXAMPLE_TAIL = EXAMPLE_BYTES - EXAMPLE_HEAD;

// Int32 words of a window.
export const W_C0 = 0;
export const W_C1 = 1;
export const W_C2 = 2;
export const W_C3 = 3;
export const W_CV = 4; // client's IP version
export const W_DOM_HASH = 5;
export const W_DOM_LEN = 6;
/** The last message's flow key (see FlowKey): A words, B words, ports, proto/VLAN, IP version | clientIsA << 8. */
export const W_KA0 = 7;
export const W_KB0 = 11;
export const W_KPORTS = 15;
export const W_KPV = 16;
export const W_KMETA = 17;
export const W_Q = 18;
export const W_R = 19;
/** Bytes of names below the registered domain, over all queries (dots included). */
export const W_SUB_BYTES = 20;
export const W_MAX_SUB = 21;
export const W_SUB_LABELS = 22;
export const W_MAX_SUB_LABELS = 23;
export const W_MAX_LABEL = 24;
/** Queries with a label of LONG_LABEL bytes or more below the registered domain. */
export const W_LONG_LABEL_Q = 25;
export const W_NON_LDH = 26;
/** Query types: A, AAAA, TXT, NULL, CNAME, MX, PTR, SRV, other (QT_* order). */
export const W_QT = 27; // 9 words
export const QT_KINDS = 9;
export const W_NXDOMAIN = 36;
export const W_RERROR = 37;
export const W_ANSWERS = 38;
export const W_RDATA = 39;
export const W_R_TXTNULL = 40;
export const W_R_CNAME = 41;
/** 128-bit linear-counting bitmap of query-name hashes (distinct names). */
export const W_DISTINCT = 42; // 4 words
export const W_EX_LONG_LEN = 46;
export const W_EX_FIRST_LEN = 47;
export const W_LAST_QTYPE = 48;
export const W_NON_ASCII_Q = 49;
export const W_PREV = 50;
export const W_NEXT = 51;
export const W_SUB_CHARS = 52;
export const W_EX_LONG_FULL = 53; // example name length before it was cut
export const W_EX_FIRST_FULL = 54;
/** Input number (the pipeline's source index) of the window's last message. */
export const W_SOURCE = 55;
/** Longest whole query name (bytes, dots included). */
export const W_MAX_NAME = 56;
/** Nanoseconds of the first and the last message's timestamps (their seconds are F_START_SEC, F_LAST_SEC): records print packet times exactly. */
export const W_START_NSEC = 57;
export const W_LAST_NSEC = 58;
/** Windows the client had opened in the fan-out period when this one opened, itself included (ClientFanOut). */
export const W_FAN_OUT = 59;
const I32_WORDS = 60;

// Float64 words of a window.
export const F_START = 0;
export const F_LAST = 1;
export const F_LAST_Q = 2;
export const F_GAP_SUM = 3;
export const F_GAP_SQ = 4;
export const F_START_SEC = 5;
export const F_LAST_SEC = 6;
/**
 * The registered domain's own statistics, set when the window opens (its
 * bytes are at hand then; at close they would be one more cold cache line):
 * kept bytes | longest label << 8 | digits << 16, as an integer.
 */
export const F_DOM_STATS = 7;
const F64_WORDS = 8;

const BYTES_PER = DOMAIN_BYTES + 2 * EXAMPLE_HEAD;
const TAIL_PER = 2 * EXAMPLE_TAIL;
export const B_DOMAIN = 0;
export const B_EX_LONG = DOMAIN_BYTES;
export const B_EX_FIRST = DOMAIN_BYTES + EXAMPLE_HEAD;
/** Where the rest of the example at `at` (B_EX_LONG or B_EX_FIRST) starts in a window's tail bytes. */
function tailAt(at: number): number {
  return at === B_EX_LONG ? 0 : EXAMPLE_TAIL;
}

export type CloseReason = 'window' | 'expired' | 'evicted' | 'flushed';

export interface WindowTableStats {
  windows_opened: number;
  windows_closed: number;
  windows_expired: number;
  windows_evicted: number;
  windows_flushed: number;
  windows_active: number;
}

/** Memory of a table of `capacity` windows (typed arrays only), for the docs and the flood test. */
export function windowTableBytes(capacity: number): number {
  return windowTableLayout(capacity).size;
}

/**
 * Where a table of `capacity` windows keeps its arrays in a region of
 * shared memory (the fast lane's, where wasm/question-lane.ts works on the
 * same words): byte offsets from the region's start, each 8-aligned.
 */
export interface WindowTableLayout {
  readonly i32: number;
  readonly f64: number;
  readonly hist: number;
  readonly bytes: number;
  /** The example names' bytes past EXAMPLE_HEAD, TAIL_PER a window. */
  readonly nameTail: number;
  /** Open-addressed index: `indexSize` entries of two Int32s, the key's hash and slot + 1 (0: empty). */
  readonly index: number;
  readonly indexSize: number;
  readonly free: number;
  readonly size: number;
}

/**
 * Hands out consecutive parts of a region, each starting on a cache line
 * (64 bytes), so that no part shares its first line with the one before;
 * `size()` is where the next part would start.
 */
export function lineAlignedRegion(): { take: (bytes: number) => number; size: () => number } {
  let at = 0;
  return {
    take: (bytes) => {
      const start = at;
      at = Math.ceil((at + bytes) / 64) * 64;
      return start;
    },
    size: () => at,
  };
}

export function windowTableLayout(capacity: number): WindowTableLayout {
  const { take, size: end } = lineAlignedRegion();
  const size = indexSize(capacity);
  const f64 = take(capacity * F64_WORDS * 8);
  const i32 = take(capacity * I32_WORDS * 4);
  const hist = take(capacity * HIST_BINS * 4);
  const bytes = take(capacity * BYTES_PER);
  const index = take(size * 8);
  const free = take(capacity * 4);
  const nameTail = take(capacity * TAIL_PER);
  return { i32, f64, hist, bytes, nameTail, index, indexSize: size, free, size: end() };
}

/** A table's arrays in shared memory: `buffer` from `offset` (64-aligned), laid out by windowTableLayout. */
export interface WindowTableStorage {
  readonly buffer: ArrayBuffer;
  readonly offset: number;
}

function indexSize(capacity: number): number {
  let n = 1;
  while (n < capacity * 2) n *= 2;
  return n;
}

const NONE = -1;

export class WindowTable {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly hist: Int32Array;
  readonly bytes: Uint8Array;
  /** The example names' bytes past EXAMPLE_HEAD (see EXAMPLE_HEAD). */
  readonly nameTail: Uint8Array;
  /**
   * Open-addressed index, linear probing, backward-shift deletion: pairs of
   * the key's hash and slot + 1 (0 empty). The hash beside the slot lets a
   * probe pass other keys, and a deletion find their home, without reading
   * their windows.
   */
  private readonly index: Int32Array;
  private readonly mask: number;
  private readonly free: Int32Array;
  private freeTop: number;
  /** Oldest and newest window by opening time (windows open in packet-time order). */
  private head = NONE;
  private tail = NONE;
  readonly stats: WindowTableStats = {
    windows_opened: 0,
    windows_closed: 0,
    windows_expired: 0,
    windows_evicted: 0,
    windows_flushed: 0,
    windows_active: 0,
  };

  constructor(
    readonly capacity: number,
    readonly windowSec: number,
    private readonly onClose: (slot: number, reason: CloseReason) => void,
    storage?: WindowTableStorage,
  ) {
    if (!(capacity >= 1)) throw new RangeError('window table capacity must be at least 1');
    const l = windowTableLayout(capacity);
    const buf = storage?.buffer ?? new ArrayBuffer(l.size);
    const o = storage?.offset ?? 0;
    this.i32 = new Int32Array(buf, o + l.i32, capacity * I32_WORDS);
    this.f64 = new Float64Array(buf, o + l.f64, capacity * F64_WORDS);
    this.hist = new Int32Array(buf, o + l.hist, capacity * HIST_BINS);
    this.bytes = new Uint8Array(buf, o + l.bytes, capacity * BYTES_PER);
    this.nameTail = new Uint8Array(buf, o + l.nameTail, capacity * TAIL_PER);
    this.index = new Int32Array(buf, o + l.index, 2 * l.indexSize);
    this.mask = l.indexSize - 1;
    this.free = new Int32Array(buf, o + l.free, capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeTop = capacity;
  }

  static readonly I32_WORDS = I32_WORDS;
  static readonly F64_WORDS = F64_WORDS;
  static readonly BYTES_PER = BYTES_PER;
  static readonly TAIL_PER = TAIL_PER;

  /** A whole example name of at most EXAMPLE_BYTES, for example() to give back. */
  private readonly exampleScratch = new Uint8Array(EXAMPLE_BYTES);

  /** Keeps name[0 .. n) (n at most EXAMPLE_BYTES) as window s's example at `at` (B_EX_LONG, B_EX_FIRST). */
  putExample(s: number, at: number, name: Uint8Array, n: number): void {
    const head = n < EXAMPLE_HEAD ? n : EXAMPLE_HEAD;
    const bytes = this.bytes;
    const o = s * BYTES_PER + at;
    for (let k = 0; k < head; k++) bytes[o + k] = name[k]!;
    const tail = this.nameTail;
    const t = s * TAIL_PER + tailAt(at) - head;
    for (let k = head; k < n; k++) tail[t + k] = name[k]!;
  }

  /** Window s's example at `at`, its first n bytes in one array: the table's own bytes, or a copy valid until the next call. */
  example(s: number, at: number, n: number): { bytes: Uint8Array; offset: number } {
    const o = s * BYTES_PER + at;
    if (n <= EXAMPLE_HEAD) return { bytes: this.bytes, offset: o };
    const out = this.exampleScratch;
    out.set(this.bytes.subarray(o, o + EXAMPLE_HEAD), 0);
    const t = s * TAIL_PER + tailAt(at);
    out.set(this.nameTail.subarray(t, t + n - EXAMPLE_HEAD), EXAMPLE_HEAD);
    return { bytes: out, offset: 0 };
  }

  /** The open window of this key, or -1. */
  find(c0: number, c1: number, c2: number, c3: number, cv: number, domHash: number, domLen: number): number {
    const h = keyHash(c0, c1, c2, c3, cv, domHash);
    const idx = this.index;
    const w = this.i32;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const e = idx[2 * i + 1]!;
      if (e === 0) return NONE;
      if (idx[2 * i] !== h) continue;
      const s = e - 1;
      const b = s * I32_WORDS;
      if (
        w[b + W_DOM_HASH] === domHash &&
        w[b + W_C0] === c0 &&
        w[b + W_C1] === c1 &&
        w[b + W_C2] === c2 &&
        w[b + W_C3] === c3 &&
        w[b + W_CV] === cv &&
        w[b + W_DOM_LEN] === domLen
      ) {
        return s;
      }
    }
  }

  /**
   * Opens a window for the key at time `ts` (the caller found none open),
   * its registered domain's text from `dom[domOff .. domOff + domLen)`.
   * A full table closes its oldest window first.
   */
  open(c0: number, c1: number, c2: number, c3: number, cv: number, domHash: number, dom: Uint8Array, domOff: number, domLen: number, ts: number): number {
    if (this.freeTop === 0) this.close(this.head, 'evicted');
    const s = this.free[--this.freeTop]!;
    const w = this.i32;
    const b = s * I32_WORDS;
    w.fill(0, b, b + I32_WORDS);
    this.hist.fill(0, s * HIST_BINS, (s + 1) * HIST_BINS);
    const f = s * F64_WORDS;
    this.f64[f + F_START] = ts;
    this.f64[f + F_LAST] = ts;
    this.f64[f + F_LAST_Q] = -1;
    this.f64[f + F_GAP_SUM] = 0;
    this.f64[f + F_GAP_SQ] = 0;
    w[b + W_C0] = c0;
    w[b + W_C1] = c1;
    w[b + W_C2] = c2;
    w[b + W_C3] = c3;
    w[b + W_CV] = cv;
    w[b + W_DOM_HASH] = domHash;
    w[b + W_DOM_LEN] = domLen;
    const keep = domLen < DOMAIN_BYTES ? domLen : DOMAIN_BYTES;
    const o = s * BYTES_PER + B_DOMAIN;
    const bytes = this.bytes;
    let run = 0;
    let longest = 0;
    let digits = 0;
    for (let k = 0; k < keep; k++) {
      const c = dom[domOff + k]!;
      bytes[o + k] = c;
      if (c === 0x2e) run = 0;
      else if (++run > longest) longest = run;
      if (c >= 0x30 && c <= 0x39) digits++;
    }
    this.f64[f + F_DOM_STATS] = keep | (longest << 8) | (digits << 16);
    const h = keyHash(c0, c1, c2, c3, cv, domHash);
    const idx = this.index;
    let i = h & this.mask;
    while (idx[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    idx[2 * i] = h;
    idx[2 * i + 1] = s + 1;
    // Append to the opening-time list.
    w[b + W_PREV] = this.tail;
    w[b + W_NEXT] = NONE;
    if (this.tail === NONE) this.head = s;
    else w[this.tail * I32_WORDS + W_NEXT] = s;
    this.tail = s;
    this.stats.windows_opened++;
    this.stats.windows_active++;
    return s;
  }

  /** Whether window `s` has ended by time `ts`. */
  ended(s: number, ts: number): boolean {
    return ts - this.f64[s * F64_WORDS + F_START]! >= this.windowSec;
  }

  /** Closes every window whose time is up at `now` (they are the oldest). */
  expire(now: number): void {
    while (this.head !== NONE && this.ended(this.head, now)) this.close(this.head, 'expired');
  }

  /** Closes every window (end of input). */
  flush(): void {
    while (this.head !== NONE) this.close(this.head, 'flushed');
  }

  close(s: number, reason: CloseReason): void {
    this.onClose(s, reason);
    const st = this.stats;
    st.windows_closed++;
    st.windows_active--;
    if (reason === 'expired') st.windows_expired++;
    else if (reason === 'evicted') st.windows_evicted++;
    else if (reason === 'flushed') st.windows_flushed++;
    const w = this.i32;
    const b = s * I32_WORDS;
    const prev = w[b + W_PREV]!;
    const next = w[b + W_NEXT]!;
    if (prev === NONE) this.head = next;
    else w[prev * I32_WORDS + W_NEXT] = next;
    if (next === NONE) this.tail = prev;
    else w[next * I32_WORDS + W_PREV] = prev;
    this.unindex(s);
    this.free[this.freeTop++] = s;
  }

  /** Backward-shift deletion: later entries of the probe run move into the hole, so lookups never need tombstones. */
  private unindex(s: number): void {
    const idx = this.index;
    const mask = this.mask;
    const w = this.i32;
    const b = s * I32_WORDS;
    let i = keyHash(w[b + W_C0]!, w[b + W_C1]!, w[b + W_C2]!, w[b + W_C3]!, w[b + W_CV]!, w[b + W_DOM_HASH]!) & mask;
    while (idx[2 * i + 1] !== s + 1) i = (i + 1) & mask;
    let hole = i;
    for (let j = (i + 1) & mask; idx[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = idx[2 * j]! & mask;
      // Entry j may move to the hole when its home is not in (hole, j] cyclically.
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        idx[2 * hole] = idx[2 * j]!;
        idx[2 * hole + 1] = idx[2 * j + 1]!;
        hole = j;
      }
    }
    idx[2 * hole] = 0;
    idx[2 * hole + 1] = 0;
  }
}

function keyHash(c0: number, c1: number, c2: number, c3: number, cv: number, domHash: number): number {
  let h = Math.imul(c0 ^ 0x2c1b3c6d, 0x9e3779b1);
  h = Math.imul(h ^ c1, 0x85ebca77);
  h = Math.imul(h ^ c2, 0xc2b2ae3d);
  h = Math.imul(h ^ c3, 0x27d4eb2f);
  h = Math.imul(h ^ domHash ^ (cv << 24), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  return h;
}
