// The question stage's per-message work in the fast lane: each row of the
// sample batch that kept message bytes is decoded (header, QNAME, QTYPE,
// answer summary), its registered domain found through a cache (a miss asks
// the TypeScript side, which asks the Public Suffix List), and the message
// added to its (client, registered domain) window. Compiled into the same
// module as wasm/fast-lane.ts and sharing its memory, so it reads the batch
// rows and the flow records where the lane and the assembler wrote them.
//
// It is the TypeScript path's code (src/decode/dns/dns-question.ts,
// src/features/question/question-extractor.ts, window-table.ts,
// question-features.ts addQuery/addResponse, client-fan-out.ts and
// registered-domain.ts's cache) step for step on the same window layout, so
// a run gives the same windows either way (test/features/question/
// question-lane.test.ts compares them). A window that closes is handed to
// the TypeScript side (windowClosed), which computes its features from the
// same memory and scores it, before its slot is reused.

import { copySmall, zeroWords } from './small-copy';

@external("env", "questionDomainLabels")
declare function domainLabelsOf(name: u32, nameLen: u32, labels: u32): i32;
@external("env", "questionWindowClosed")
declare function windowClosed(slot: u32, reason: u32): void;
/** The question autoencoder's loss for the features at featAt (a miss of the loss cache). */
@external("env", "questionLoss")
declare function lossOfFeatures(): f64;
/** Math.log1p and Math.log2 of the TypeScript side, for arguments past the tables: the same bits as its path. */
@external("env", "questionLog1p")
declare function jsLog1p(x: f64): f64;
@external("env", "questionLog2")
declare function jsLog2(x: f64): f64;
/** Math.exp and Math.tanh, for the autoencoder's activations: V8 binds imported Math functions to the code its JavaScript calls. */
@external("env", "questionExp")
declare function jsExp(x: f64): f64;
@external("env", "questionTanh")
declare function jsTanh(x: f64): f64;

// Flow records (src/flow/flow-table.ts): the words this module reads.
const RECORD_BYTES: u32 = 64;
const R_PORTS: u32 = 4;
const R_PROTO_VLAN: u32 = 8;
const R_META: u32 = 12;
const R_A0: u32 = 16;
const R_B0: u32 = 20;
const U_FLAGS: u32 = 56;
const META_V6: u32 = 1;
const F_CLIENT_IS_A: u32 = 1;
const V6_BYTES: u32 = 32;

// Window words (window-table.ts W_*), as byte offsets into a window's Int32 words.
export const Q_I32_WORDS: u32 = 60;
export const Q_F64_WORDS: u32 = 8;
export const Q_HIST_BINS: u32 = 39;
export const Q_DOMAIN_BYTES: u32 = 64;
export const Q_EXAMPLE_BYTES: u32 = 255;
export const Q_EXAMPLE_HEAD: u32 = 64;
const EXAMPLE_TAIL: u32 = Q_EXAMPLE_BYTES - Q_EXAMPLE_HEAD;
const BYTES_PER: u32 = Q_DOMAIN_BYTES + 2 * Q_EXAMPLE_HEAD;
const TAIL_PER: u32 = 2 * EXAMPLE_TAIL;
const B_EX_LONG: u32 = Q_DOMAIN_BYTES;
const B_EX_FIRST: u32 = Q_DOMAIN_BYTES + Q_EXAMPLE_HEAD;
const T_EX_LONG: u32 = 0;
const T_EX_FIRST: u32 = EXAMPLE_TAIL;
const W_C0: u32 = 0 * 4;
const W_C1: u32 = 1 * 4;
const W_C2: u32 = 2 * 4;
const W_C3: u32 = 3 * 4;
const W_CV: u32 = 4 * 4;
const W_DOM_HASH: u32 = 5 * 4;
const W_DOM_LEN: u32 = 6 * 4;
const W_KA0: u32 = 7 * 4;
const W_KB0: u32 = 11 * 4;
const W_KPORTS: u32 = 15 * 4;
const W_KPV: u32 = 16 * 4;
const W_KMETA: u32 = 17 * 4;
const W_Q: u32 = 18 * 4;
const W_R: u32 = 19 * 4;
const W_SUB_BYTES: u32 = 20 * 4;
const W_MAX_SUB: u32 = 21 * 4;
const W_SUB_LABELS: u32 = 22 * 4;
const W_MAX_SUB_LABELS: u32 = 23 * 4;
const W_MAX_LABEL: u32 = 24 * 4;
const W_LONG_LABEL_Q: u32 = 25 * 4;
const W_NON_LDH: u32 = 26 * 4;
const W_QT: u32 = 27 * 4;
const W_NXDOMAIN: u32 = 36 * 4;
const W_RERROR: u32 = 37 * 4;
const W_ANSWERS: u32 = 38 * 4;
const W_RDATA: u32 = 39 * 4;
const W_R_TXTNULL: u32 = 40 * 4;
const W_R_CNAME: u32 = 41 * 4;
const W_DISTINCT: u32 = 42 * 4;
const W_EX_LONG_LEN: u32 = 46 * 4;
const W_EX_FIRST_LEN: u32 = 47 * 4;
const W_LAST_QTYPE: u32 = 48 * 4;
const W_NON_ASCII_Q: u32 = 49 * 4;
const W_PREV: u32 = 50 * 4;
const W_NEXT: u32 = 51 * 4;
const W_SUB_CHARS: u32 = 52 * 4;
const W_EX_LONG_FULL: u32 = 53 * 4;
const W_EX_FIRST_FULL: u32 = 54 * 4;
const W_SOURCE: u32 = 55 * 4;
const W_MAX_NAME: u32 = 56 * 4;
const W_START_NSEC: u32 = 57 * 4;
const W_LAST_NSEC: u32 = 58 * 4;
const W_FAN_OUT: u32 = 59 * 4;
const F_START: u32 = 0 * 8;
const F_LAST: u32 = 1 * 8;
const F_LAST_Q: u32 = 2 * 8;
const F_GAP_SUM: u32 = 3 * 8;
const F_GAP_SQ: u32 = 4 * 8;
const F_START_SEC: u32 = 5 * 8;
const F_LAST_SEC: u32 = 6 * 8;
const F_DOM_STATS: u32 = 7 * 8;
const LONG_LABEL: i32 = 32;
const NONE: i32 = -1;

// State words (src/features/question/question-lane.ts QL_*), Int32s then the clock as a Float64 at QS_CLOCK.
export const QL_FREE_TOP: u32 = 0;
export const QL_HEAD: u32 = 4;
export const QL_TAIL: u32 = 8;
export const QL_OPENED: u32 = 12;
const QL_CLOSED: u32 = 16;
const QL_EXPIRED: u32 = 20;
const QL_EVICTED: u32 = 24;
const QL_FLUSHED: u32 = 28;
const QL_ACTIVE: u32 = 32;
const QL_MESSAGES: u32 = 36;
const QL_QUERIES: u32 = 40;
const QL_RESPONSES: u32 = 44;
const QL_NOT_KEPT: u32 = 48;
const QL_NO_QUESTION: u32 = 52;
const QL_ROOT: u32 = 56;
const QL_NOT_QUERY: u32 = 60;
export const QL_SOURCE: u32 = 64;
const QL_DOM_HITS: u32 = 68;
const QL_DOM_MISSES: u32 = 72;
const QL_DOM_EVICTIONS: u32 = 76;
const QL_SCORED: u32 = 140;
const QL_CACHE_HITS: u32 = 144;
const QL_CACHE_MISSES: u32 = 148;
/** Hand every scored window to the TypeScript side, not only those over the threshold. */
const QL_EVERY: u32 = 152;
/** The last scored window's loss (Float64), and the threshold. */
export const QL_LOSS: u32 = 160;
const QL_THRESHOLD: u32 = 168;
/** Messages per decode status (11 words), per answer status (3 words), then names with non-ASCII bytes. */
export const QL_STATUS: u32 = 80;
export const QL_ANSWER: u32 = 124;
export const QL_NON_ASCII: u32 = 136;
export const QL_CLOCK: u32 = 176;
export const QL_STATE_BYTES: u32 = 184;
export const Q_FEATURES: u32 = 42;
/** Loss cache entries (direct-mapped): the feature steps (zero-padded to KEY_BYTES), then the loss (negative: empty). */
const KEY_BYTES: u32 = 48;
const LOSS_CACHE_BITS: u32 = 15;
/** An entry per cache line: the key's 48 bytes and the loss. */
const LOSS_ENTRY_BYTES: u32 = 64;
const MAX_LABEL: i32 = 63;
const LOG_TABLE_SIZE: i32 = 4096;

const REASON_WINDOW: u32 = 0;
const REASON_EXPIRED: u32 = 1;
const REASON_EVICTED: u32 = 2;
const REASON_FLUSHED: u32 = 3;

// Decode statuses (question-status.ts).
const QS_OK: i32 = 0;
const QS_MESSAGE_TOO_SHORT: i32 = 1;
const QS_NO_QUESTION: i32 = 2;
const QS_QUESTION_TRUNCATED: i32 = 3;
const QS_QUESTION_NOT_KEPT: i32 = 4;
const QS_POINTER_LOOP: i32 = 5;
const QS_FORWARD_POINTER: i32 = 6;
const QS_POINTER_OUT_OF_RANGE: i32 = 7;
const QS_LABEL_TOO_LONG: i32 = 8;
const QS_NAME_TOO_LONG: i32 = 9;
const QS_TOO_MANY_LABELS: i32 = 10;
const AS_OK: i32 = 0;
const AS_TRUNCATED: i32 = 1;
const AS_MALFORMED: i32 = 2;
const MAX_NAME_BYTES: i32 = 255;
const MAX_LABELS: i32 = 127;
const HEADER_BYTES: i32 = 12;
const RR_FIXED_BYTES: i32 = 10;
const NON_LDH_SHIFT: u32 = 8;
const COUNT_LANE_BITS: u32 = 12;
const FNV_OFFSET: i32 = 0x811c9dc5;
const FNV_PRIME: i32 = 0x01000193;
const TB_CNAME: i32 = 1 << 2;
const TB_TXT: i32 = 1 << 3;
const TB_NULL: i32 = 1 << 4;
const TB_OTHER: i32 = 1 << 13;
const UNREGISTERED: i32 = -1;
/** Bytes of a name kept per registered-domain cache entry (registered-domain.ts SLOT). */
const SLOT: u32 = 64;
const FAN_CELLS: u32 = 1 << 16;

// Where everything is (configureQuestion).
let records: u32 = 0;
let v6Words: u32 = 0;
let colTsSec: u32 = 0;
let colTsNsec: u32 = 0;
let colPayloadLength: u32 = 0;
let colFlowRef: u32 = 0;
let colMsg: u32 = 0;
let colMsgLen: u32 = 0;
let msgBytes: u32 = 0;
let st: u32 = 0;
let wI32: u32 = 0;
let wF64: u32 = 0;
let wHist: u32 = 0;
let wBytes: u32 = 0;
let wTail: u32 = 0;
let wIndex: u32 = 0;
let wFree: u32 = 0;
let wMask: u32 = 0;
let windowSec: f64 = 60;
let dCache: u32 = 0;
let dSetShift: u32 = 0;
let dSetMask: u32 = 0;
let fanCells: u32 = 0;
let nameAt: u32 = 0;
let labelStartAt: u32 = 0;
let labelLenAt: u32 = 0;
// Tables the TypeScript side writes (its own, so both paths read the same): NAME_BYTE (Int32 x 256), CHAR_BIN (256 bytes), RR type bits (Uint16 x 256).
let nameByteAt: u32 = 0;
let charBinAt: u32 = 0;
let typeBitsAt: u32 = 0;
let log1pAt: u32 = 0;
let nLog2nAt: u32 = 0;
let log2At: u32 = 0;
let distinctAt: u32 = 0;
let log1pDistinctAt: u32 = 0;
let stepValueAt: u32 = 0;
let featAt: u32 = 0;
let keyAt: u32 = 0;
let lossCache: u32 = 0;
let LOG2_BINS: f64 = 0;
let INV_LG_1K: f64 = 0;
let INV_LG_16: f64 = 0;
let INV_LG_10K: f64 = 0;
let INV_LG_64K: f64 = 0;
let INV_LG_100K: f64 = 0;
let INV_LG_4: f64 = 0;

export function configureQuestion(
  recordsAt: u32,
  v6At: u32,
  tsSecAt: u32,
  tsNsecAt: u32,
  payloadLengthAt: u32,
  flowRefAt: u32,
  msgAt: u32,
  msgLenAt: u32,
  bytesPerRow: u32,
  stateAt: u32,
  i32At: u32,
  f64At: u32,
  histAt: u32,
  bytesAt: u32,
  tailAt: u32,
  indexAt: u32,
  indexSize: u32,
  freeAt: u32,
  seconds: f64,
  domainCacheAt: u32,
  cacheSize: u32,
  fanCellsAt: u32,
  scratchAt: u32,
  tablesAt: u32,
): void {
  records = recordsAt;
  v6Words = v6At;
  colTsSec = tsSecAt;
  colTsNsec = tsNsecAt;
  colPayloadLength = payloadLengthAt;
  colFlowRef = flowRefAt;
  colMsg = msgAt;
  colMsgLen = msgLenAt;
  msgBytes = bytesPerRow;
  st = stateAt;
  wI32 = i32At;
  wF64 = f64At;
  wHist = histAt;
  wBytes = bytesAt;
  wTail = tailAt;
  wIndex = indexAt;
  wMask = indexSize - 1;
  wFree = freeAt;
  windowSec = seconds;
  dCache = domainCacheAt;
  const sets = cacheSize >>> 1;
  const bits: u32 = 31 - clz<u32>(sets);
  dSetShift = 32 - bits;
  dSetMask = sets - 1;
  fanCells = fanCellsAt;
  nameAt = scratchAt;
  labelStartAt = scratchAt + 256;
  labelLenAt = scratchAt + 384;
  nameByteAt = tablesAt;
  charBinAt = tablesAt + 1024;
  typeBitsAt = tablesAt + 1280;
  log1pAt = tablesAt + 2048;
  nLog2nAt = log1pAt + <u32>LOG_TABLE_SIZE * 8;
  log2At = nLog2nAt + <u32>LOG_TABLE_SIZE * 8;
  distinctAt = log2At + <u32>LOG_TABLE_SIZE * 8;
  log1pDistinctAt = distinctAt + 129 * 8;
  stepValueAt = log1pDistinctAt + 129 * 8;
  featAt = scratchAt + 512;
  keyAt = scratchAt + 704;
  prevNameAt = scratchAt + 768;
  prevNameLen = -1;
  lastSlot = NONE;
  questionOn = true;
}

/** windowFeatures' constants (question-features.ts FEATURE_CONSTANTS) and the loss cache's memory. */
export function configureFeatures(log2Bins: f64, invLg1k: f64, invLg16: f64, invLg10k: f64, invLg64k: f64, invLg100k: f64, invLg4: f64, lossCacheAt: u32): void {
  INV_LG_4 = invLg4;
  LOG2_BINS = log2Bins;
  INV_LG_1K = invLg1k;
  INV_LG_16 = invLg16;
  INV_LG_10K = invLg10k;
  INV_LG_64K = invLg64k;
  INV_LG_100K = invLg100k;
  lossCache = lossCacheAt;
}

/** A new model (or the first): its threshold; every cached loss is forgotten. */
export function questionScoring(threshold: f64, every: bool): void {
  store<f64>(st + QL_THRESHOLD, threshold);
  store<i32>(st + QL_EVERY, every ? 1 : 0);
  const n: u32 = 1 << LOSS_CACHE_BITS;
  for (let e: u32 = 0; e < n; e++) store<f64>(lossCache + e * LOSS_ENTRY_BYTES + KEY_BYTES, -1);
}

@inline function stI(at: u32): i32 {
  return load<i32>(st + at);
}
@inline function setI(at: u32, v: i32): void {
  store<i32>(st + at, v);
}
@inline function incI(at: u32): void {
  store<i32>(st + at, load<i32>(st + at) + 1);
}
@inline function wi(s: i32): u32 {
  return wI32 + <u32>s * (Q_I32_WORDS * 4);
}
@inline function wf(s: i32): u32 {
  return wF64 + <u32>s * (Q_F64_WORDS * 8);
}
@inline function addI(at: u32, by: i32): void {
  store<i32>(at, load<i32>(at) + by);
}

// ---------------------------------------------------------------- decode (dns-question.ts)

let qr: i32 = 0;
let opcode: i32 = 0;
let rcode: i32 = 0;
let ancount: i32 = 0;
let nameLen: i32 = 0;
let labelCount: i32 = 0;
let nonLdh: i32 = 0;
let nonAscii: i32 = 0;
let qtype: i32 = 0;
let answersParsed: i32 = 0;
let rdataBytes: i32 = 0;
let answerTypeMask: i32 = 0;
let answerStatus: i32 = AS_OK;
let nameHash: i32 = FNV_OFFSET;

@inline function byteAt(p: i32): i32 {
  return <i32>load<u8>(<u32>p);
}

@inline function typeBit(t: i32): i32 {
  return t >= 0 && t < 256 ? <i32>load<u16>(typeBitsAt + (<u32>t << 1)) : TB_OTHER;
}

/** decodeQuestion over the memory at [off, off + len) of a message of msgLen bytes; fills the globals above. */
function decode(off: i32, len: i32, msgLen: i32): i32 {
  if (msgLen < len) msgLen = len;
  nameLen = 0;
  labelCount = 0;
  nonLdh = 0;
  nonAscii = 0;
  qtype = 0;
  answersParsed = 0;
  rdataBytes = 0;
  answerTypeMask = 0;
  answerStatus = AS_OK;
  nameHash = FNV_OFFSET;
  if (len < HEADER_BYTES) {
    qr = opcode = rcode = ancount = 0;
    return msgLen < HEADER_BYTES ? QS_MESSAGE_TOO_SHORT : QS_QUESTION_NOT_KEPT;
  }
  const end = off + len;
  const msgEnd = off + msgLen;
  const flags = (byteAt(off + 2) << 8) | byteAt(off + 3);
  qr = flags >>> 15;
  opcode = (flags >>> 11) & 0xf;
  rcode = flags & 0xf;
  const qdcount = (byteAt(off + 4) << 8) | byteAt(off + 5);
  ancount = (byteAt(off + 6) << 8) | byteAt(off + 7);
  if (qdcount == 0) {
    walkAnswers(off, end, msgEnd, off + HEADER_BYTES, 0, 0);
    return QS_NO_QUESTION;
  }
  const start = off + HEADER_BYTES;
  let p = start;
  let floor = start;
  let high = start;
  let after = -1;
  let wire = 0;
  let n = 0;
  let labels = 0;
  let classes = 0;
  let h = FNV_OFFSET;
  let status = QS_OK;
  for (;;) {
    if (p >= end) {
      status = msgEnd > end ? QS_QUESTION_NOT_KEPT : QS_QUESTION_TRUNCATED;
      break;
    }
    const l = byteAt(p);
    if (l == 0) {
      p++;
      break;
    }
    if (l < 0x40) {
      if (labels == MAX_LABELS) {
        status = QS_TOO_MANY_LABELS;
        break;
      }
      if (wire + l + 2 > MAX_NAME_BYTES) {
        status = QS_NAME_TOO_LONG;
        break;
      }
      if (p + 1 + l > end) {
        status = msgEnd > end ? QS_QUESTION_NOT_KEPT : QS_QUESTION_TRUNCATED;
        break;
      }
      if (labels > 0) {
        store<u8>(nameAt + <u32>n, 0x2e);
        n++;
        h = (h ^ 0x2e) * FNV_PRIME;
      }
      store<u8>(labelStartAt + <u32>labels, <u8>n);
      store<u8>(labelLenAt + <u32>labels, <u8>l);
      labels++;
      const stop = p + 1 + l;
      for (let i = p + 1; i < stop; i++) {
        const t = load<i32>(nameByteAt + (<u32>byteAt(i) << 2));
        const f = t & 0xff;
        store<u8>(nameAt + <u32>n, <u8>f);
        n++;
        h = (h ^ f) * FNV_PRIME;
        classes += t >>> NON_LDH_SHIFT;
      }
      wire += l + 1;
      p = stop;
      continue;
    }
    if (l < 0xc0) {
      status = QS_LABEL_TOO_LONG;
      break;
    }
    if (p + 1 >= end) {
      status = msgEnd > end ? QS_QUESTION_NOT_KEPT : QS_QUESTION_TRUNCATED;
      break;
    }
    const target = ((l & 0x3f) << 8) | byteAt(p + 1);
    if (after < 0) after = p + 2;
    if (target >= msgLen) {
      status = QS_POINTER_OUT_OF_RANGE;
      break;
    }
    const t = off + target;
    if (p + 2 > high) high = p + 2;
    if (t >= floor) {
      status = t >= high ? QS_FORWARD_POINTER : QS_POINTER_LOOP;
      break;
    }
    floor = t;
    p = t;
  }
  nameLen = n;
  labelCount = labels;
  nonLdh = classes & ((1 << COUNT_LANE_BITS) - 1);
  nonAscii = classes >>> COUNT_LANE_BITS;
  nameHash = h;
  if (status != QS_OK) return status;
  const qEnd = after < 0 ? p : after;
  if (qEnd + 4 > end) return msgEnd > end && qEnd + 4 <= msgEnd ? QS_QUESTION_NOT_KEPT : QS_QUESTION_TRUNCATED;
  qtype = (byteAt(qEnd) << 8) | byteAt(qEnd + 1);
  walkAnswers(off, end, msgEnd, qEnd + 4, qdcount - 1, wire + 1);
  return QS_OK;
}

const SKIP_CUT: i32 = -1;
const SKIP_BAD: i32 = -2;

function skipName(off: i32, end: i32, p: i32, qnameWire: i32): i32 {
  let floor = p;
  let after = -1;
  let wire = 1;
  for (;;) {
    if (p >= end) return SKIP_CUT;
    const l = byteAt(p);
    if (l == 0) return after < 0 ? p + 1 : after;
    if (l < 0x40) {
      wire += l + 1;
      if (wire > MAX_NAME_BYTES) return SKIP_BAD;
      p += l + 1;
      continue;
    }
    if (l < 0xc0) return SKIP_BAD;
    if (p + 1 >= end) return SKIP_CUT;
    const t = off + (((l & 0x3f) << 8) | byteAt(p + 1));
    if (after < 0) after = p + 2;
    if (t >= floor) return SKIP_BAD;
    if (t == off + HEADER_BYTES && qnameWire > 0) return wire - 1 + qnameWire > MAX_NAME_BYTES ? SKIP_BAD : after;
    floor = t;
    p = t;
  }
  return SKIP_BAD; // not reached: the loop only returns
}

function walkAnswers(off: i32, end: i32, msgEnd: i32, p: i32, moreQuestions: i32, qnameWire: i32): void {
  const cut = msgEnd > end;
  for (let i = 0; i < moreQuestions; i++) {
    const q = skipName(off, end, p, qnameWire);
    if (q == SKIP_BAD) {
      answerStatus = AS_MALFORMED;
      return;
    }
    if (q == SKIP_CUT || q + 4 > end) {
      if (!(cut && (q == SKIP_CUT || q + 4 <= msgEnd))) answerStatus = AS_TRUNCATED;
      return;
    }
    p = q + 4;
  }
  let parsed = 0;
  let rdata = 0;
  let mask = 0;
  for (; parsed < ancount; parsed++) {
    const q = skipName(off, end, p, qnameWire);
    if (q == SKIP_BAD) {
      answerStatus = AS_MALFORMED;
      break;
    }
    if (q == SKIP_CUT || q + RR_FIXED_BYTES > end) {
      if (!(cut && (q == SKIP_CUT || q + RR_FIXED_BYTES <= msgEnd))) answerStatus = AS_TRUNCATED;
      break;
    }
    const rdlen = (byteAt(q + 8) << 8) | byteAt(q + 9);
    const next = q + RR_FIXED_BYTES + rdlen;
    if (next > msgEnd) {
      answerStatus = AS_TRUNCATED;
      break;
    }
    mask |= typeBit((byteAt(q) << 8) | byteAt(q + 1));
    rdata += rdlen;
    p = next;
  }
  answersParsed = parsed;
  rdataBytes = rdata;
  answerTypeMask = mask;
}

// A measuring build stops every row after step QUESTION_STOP (1: counted, 2: decoded, 3: its registered
// domain found, 4: in its window, windows closed unscored), so that the time of each step can be told
// apart (scripts/bench/measure-question-steps.mjs compiles with --use QUESTION_STOP_AT=N). Unset, it is 0:
// every step runs, and the checks fold away at compile time.
// @ts-ignore: defined by asc --use only
const QUESTION_STOP: i32 = isDefined(QUESTION_STOP_AT) ? QUESTION_STOP_AT : 0;

// ---------------------------------------------------------------- registered domain cache (registered-domain.ts labels)

function longNameHash(len: i32): i32 {
  let h: i32 = 0x2f6b7a1d ^ len;
  for (let i = 0; i < len; i++) {
    let k: i32 = <i32>load<u8>(nameAt + <u32>i) * 0xcc9e2d51;
    k = ((k << 15) | (k >>> 17)) * 0x1b873593;
    h ^= k;
    h = ((h << 13) | (h >>> 19)) * 5 + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = h * 0x85ebca6b;
  h ^= h >>> 13;
  return h;
}

// Cache entries of D_ENTRY bytes, two per set side by side: the length, the
// name's hash, the long-name hash and the label count, then the name's last
// SLOT bytes; way 0 also holds the set's most recent way. An entry's words
// and its bytes share a pair of cache lines, so a hit costs one miss at most.
const D_ENTRY: u32 = 128;
const D_NAME: u32 = 16;
const D_RECENT: u32 = D_NAME + SLOT;

@inline function dEntry(entry: u32): u32 {
  return dCache + entry * D_ENTRY;
}

function sameName(e: u32, len: i32, h2: i32): bool {
  let a = e + D_NAME;
  let i = 0;
  if (len > <i32>SLOT) {
    if (load<i32>(e + 8) != h2) return false;
    i = len - <i32>SLOT;
  }
  // Eight bytes at a time, then the rest one by one.
  for (; i + 8 <= len; i += 8, a += 8) {
    if (load<u64>(a) != load<u64>(nameAt + <u32>i)) return false;
  }
  for (; i < len; i++, a++) {
    if (load<u8>(a) != load<u8>(nameAt + <u32>i)) return false;
  }
  return true;
}

function domainLabels(len: i32, labels: i32, h: i32): i32 {
  if (len <= 0 || labels <= 0) return 0;
  const set = (<u32>(h * 0x9e3779b1) >>> dSetShift) & dSetMask;
  const e0 = dEntry(set << 1);
  const e1 = e0 + D_ENTRY;
  let h2 = 0;
  if (len > <i32>SLOT) h2 = longNameHash(len);
  if (load<i32>(e0) == len && load<i32>(e0 + 4) == h && sameName(e0, len, h2)) {
    store<u8>(e0 + D_RECENT, 0);
    incI(QL_DOM_HITS);
    return load<i32>(e0 + 12);
  }
  if (load<i32>(e1) == len && load<i32>(e1 + 4) == h && sameName(e1, len, h2)) {
    store<u8>(e0 + D_RECENT, 1);
    incI(QL_DOM_HITS);
    return load<i32>(e1 + 12);
  }
  incI(QL_DOM_MISSES);
  const count = domainLabelsOf(nameAt, len, labels);
  const recent = <u32>load<u8>(e0 + D_RECENT);
  let way: u32;
  if (load<i32>(e0) == 0) way = 0;
  else if (load<i32>(e1) == 0) way = 1;
  else {
    way = recent ^ 1;
    incI(QL_DOM_EVICTIONS);
  }
  store<u8>(e0 + D_RECENT, <u8>way);
  const em = way == 0 ? e0 : e1;
  store<i32>(em, len);
  store<i32>(em + 4, h);
  store<i32>(em + 8, h2);
  store<i32>(em + 12, count);
  const from = len > <i32>SLOT ? len - <i32>SLOT : 0;
  copySmall(em + D_NAME, nameAt + <u32>from, <u32>(len - from));
  return count;
}

// ---------------------------------------------------------------- client fan-out (client-fan-out.ts)

let cellA: u32 = 0;
let cellB: u32 = 0;

function pickCells(c0: i32, c1: i32, c2: i32, c3: i32): void {
  let h: i32 = (c0 ^ 0x7f4a7c15) * 0x9e3779b1;
  h = (h ^ c1) * 0x85ebca77;
  h = (h ^ c2) * 0xc2b2ae3d;
  h = (h ^ c3) * 0x27d4eb2f;
  h ^= h >>> 15;
  let g: i32 = (c3 ^ 0x1b873593) * 0xcc9e2d51;
  g = (g ^ c2) * 0x27d4eb2f;
  g = (g ^ c1) * 0x165667b1;
  g = (g ^ c0) * 0x85ebca77;
  g ^= g >>> 13;
  cellA = <u32>h & (FAN_CELLS - 1);
  cellB = FAN_CELLS + (<u32>g >>> 16);
}

/** Cells: the period number (-1: none yet) and the count, side by side. */
function fanBump(cell: u32, p: i32): i32 {
  const pa = fanCells + (cell << 3);
  if (load<i32>(pa) != p) {
    store<i32>(pa, p);
    store<i32>(pa + 4, 0);
  }
  const c = load<i32>(pa + 4) + 1;
  store<i32>(pa + 4, c);
  return c;
}

function fanOpened(c0: i32, c1: i32, c2: i32, c3: i32, ts: f64): i32 {
  const p = <i32>Math.floor(ts / windowSec);
  pickCells(c0, c1, c2, c3);
  const a = fanBump(cellA, p);
  const b = fanBump(cellB, p);
  return a < b ? a : b;
}

function fanPeek(c0: i32, c1: i32, c2: i32, c3: i32, ts: f64): i32 {
  const p = <i32>Math.floor(ts / windowSec);
  pickCells(c0, c1, c2, c3);
  const a = load<i32>(fanCells + (cellA << 3)) == p ? load<i32>(fanCells + (cellA << 3) + 4) : 0;
  const b = load<i32>(fanCells + (cellB << 3)) == p ? load<i32>(fanCells + (cellB << 3) + 4) : 0;
  return a < b ? a : b;
}

// ---------------------------------------------------------------- window table (window-table.ts)

function keyHash(c0: i32, c1: i32, c2: i32, c3: i32, cv: i32, domHash: i32): i32 {
  let h: i32 = (c0 ^ 0x2c1b3c6d) * 0x9e3779b1;
  h = (h ^ c1) * 0x85ebca77;
  h = (h ^ c2) * 0xc2b2ae3d;
  h = (h ^ c3) * 0x27d4eb2f;
  h = (h ^ domHash ^ (cv << 24)) * 0x9e3779b1;
  h ^= h >>> 15;
  h = h * 0x85ebca77;
  h ^= h >>> 13;
  return h;
}

/** Index entries: the key's hash, then slot + 1 (0: empty). */
@inline function ix(i: u32): u32 {
  return wIndex + (i << 3);
}

function find(h: i32, c0: i32, c1: i32, c2: i32, c3: i32, cv: i32, domHash: i32, domLen: i32): i32 {
  for (let i = <u32>h & wMask; ; i = (i + 1) & wMask) {
    const e = load<i32>(ix(i) + 4);
    if (e == 0) return NONE;
    if (load<i32>(ix(i)) != h) continue;
    const s = e - 1;
    const b = wi(s);
    if (
      load<i32>(b + W_DOM_HASH) == domHash &&
      load<i32>(b + W_C0) == c0 &&
      load<i32>(b + W_C1) == c1 &&
      load<i32>(b + W_C2) == c2 &&
      load<i32>(b + W_C3) == c3 &&
      load<i32>(b + W_CV) == cv &&
      load<i32>(b + W_DOM_LEN) == domLen
    ) {
      return s;
    }
  }
  return NONE; // not reached: the probe ends at an empty index entry
}

function open(h: i32, c0: i32, c1: i32, c2: i32, c3: i32, cv: i32, domHash: i32, domOff: u32, domLen: i32, ts: f64): i32 {
  if (stI(QL_FREE_TOP) == 0) close(stI(QL_HEAD), REASON_EVICTED);
  const top = stI(QL_FREE_TOP) - 1;
  setI(QL_FREE_TOP, top);
  const s = load<i32>(wFree + (<u32>top << 2));
  const b = wi(s);
  zeroWords(b, Q_I32_WORDS * 4);
  zeroWords(wHist + <u32>s * (Q_HIST_BINS * 4), Q_HIST_BINS * 4);
  const f = wf(s);
  store<f64>(f + F_START, ts);
  store<f64>(f + F_LAST, ts);
  store<f64>(f + F_LAST_Q, -1);
  store<f64>(f + F_GAP_SUM, 0);
  store<f64>(f + F_GAP_SQ, 0);
  store<i32>(b + W_C0, c0);
  store<i32>(b + W_C1, c1);
  store<i32>(b + W_C2, c2);
  store<i32>(b + W_C3, c3);
  store<i32>(b + W_CV, cv);
  store<i32>(b + W_DOM_HASH, domHash);
  store<i32>(b + W_DOM_LEN, domLen);
  const keep = domLen < <i32>Q_DOMAIN_BYTES ? domLen : <i32>Q_DOMAIN_BYTES;
  copySmall(wBytes + <u32>s * BYTES_PER, domOff, <u32>keep);
  let run = 0;
  let longest = 0;
  let digits = 0;
  for (let k = 0; k < keep; k++) {
    const c = <i32>load<u8>(domOff + <u32>k);
    if (c == 0x2e) run = 0;
    else if (++run > longest) longest = run;
    if (c >= 0x30 && c <= 0x39) digits++;
  }
  store<f64>(f + F_DOM_STATS, <f64>(keep | (longest << 8) | (digits << 16)));
  let i = <u32>h & wMask;
  while (load<i32>(ix(i) + 4) != 0) i = (i + 1) & wMask;
  store<i32>(ix(i), h);
  store<i32>(ix(i) + 4, s + 1);
  const tail = stI(QL_TAIL);
  store<i32>(b + W_PREV, tail);
  store<i32>(b + W_NEXT, NONE);
  if (tail == NONE) setI(QL_HEAD, s);
  else store<i32>(wi(tail) + W_NEXT, s);
  setI(QL_TAIL, s);
  incI(QL_OPENED);
  incI(QL_ACTIVE);
  return s;
}

@inline function ended(s: i32, ts: f64): bool {
  return ts - load<f64>(wf(s) + F_START) >= windowSec;
}

function close(s: i32, reason: u32): void {
  if (s == lastSlot) lastSlot = NONE;
  const b = wi(s);
  // The client's fan-out as the window closes (QuestionExtractor's onClose).
  const now = fanPeek(load<i32>(b + W_C0), load<i32>(b + W_C1), load<i32>(b + W_C2), load<i32>(b + W_C3), load<f64>(wf(s) + F_LAST));
  if (now > load<i32>(b + W_FAN_OUT)) store<i32>(b + W_FAN_OUT, now);
  scoreWindow(s, reason);
  incI(QL_CLOSED);
  setI(QL_ACTIVE, stI(QL_ACTIVE) - 1);
  if (reason == REASON_EXPIRED) incI(QL_EXPIRED);
  else if (reason == REASON_EVICTED) incI(QL_EVICTED);
  else if (reason == REASON_FLUSHED) incI(QL_FLUSHED);
  const prev = load<i32>(b + W_PREV);
  const next = load<i32>(b + W_NEXT);
  if (prev == NONE) setI(QL_HEAD, next);
  else store<i32>(wi(prev) + W_NEXT, next);
  if (next == NONE) setI(QL_TAIL, prev);
  else store<i32>(wi(next) + W_PREV, prev);
  unindex(s);
  const top = stI(QL_FREE_TOP);
  store<i32>(wFree + (<u32>top << 2), s);
  setI(QL_FREE_TOP, top + 1);
}

function unindex(s: i32): void {
  const b = wi(s);
  const h = keyHash(load<i32>(b + W_C0), load<i32>(b + W_C1), load<i32>(b + W_C2), load<i32>(b + W_C3), load<i32>(b + W_CV), load<i32>(b + W_DOM_HASH));
  let i = <u32>h & wMask;
  while (load<i32>(ix(i) + 4) != s + 1) i = (i + 1) & wMask;
  let hole = i;
  for (let j = (i + 1) & wMask; load<i32>(ix(j) + 4) != 0; j = (j + 1) & wMask) {
    const home = <u32>load<i32>(ix(j)) & wMask;
    const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
    if (!between) {
      store<u64>(ix(hole), load<u64>(ix(j)));
      hole = j;
    }
  }
  store<u64>(ix(hole), 0);
}

/** Closes every window whose time is up at `now` (table.expire). */
export function questionExpire(now: f64): void {
  for (;;) {
    const h = stI(QL_HEAD);
    if (h == NONE || !ended(h, now)) return;
    close(h, REASON_EXPIRED);
  }
}

/** Closes every window (end of an input). */
export function questionFlush(): void {
  for (;;) {
    const h = stI(QL_HEAD);
    if (h == NONE) return;
    close(h, REASON_FLUSHED);
  }
}

// ---------------------------------------------------------------- per message (question-extractor.ts, question-features.ts)

function addQuery(s: i32, sub: i32, ts: f64): void {
  const b = wi(s);
  addI(b + W_Q, 1);
  addI(b + W_QT + (qtypeSlot(qtype) << 2), 1);
  const hb = wHist + <u32>s * (Q_HIST_BINS * 4);
  let chars = 0;
  let maxLabel = 0;
  for (let j = 0; j < sub; j++) {
    const start = <u32>load<u8>(labelStartAt + <u32>j);
    const n = <u32>load<u8>(labelLenAt + <u32>j);
    if (<i32>n > maxLabel) maxLabel = <i32>n;
    for (let k = start; k < start + n; k++) addI(hb + (<u32>load<u8>(charBinAt + <u32>load<u8>(nameAt + k)) << 2), 1);
    chars += <i32>n;
  }
  const subBytes = sub == 0 ? 0 : chars + sub - 1;
  addI(b + W_SUB_BYTES, subBytes);
  addI(b + W_SUB_CHARS, chars);
  if (subBytes > load<i32>(b + W_MAX_SUB)) store<i32>(b + W_MAX_SUB, subBytes);
  addI(b + W_SUB_LABELS, sub);
  if (sub > load<i32>(b + W_MAX_SUB_LABELS)) store<i32>(b + W_MAX_SUB_LABELS, sub);
  if (maxLabel > load<i32>(b + W_MAX_LABEL)) store<i32>(b + W_MAX_LABEL, maxLabel);
  if (maxLabel >= LONG_LABEL) addI(b + W_LONG_LABEL_Q, 1);
  addI(b + W_NON_LDH, nonLdh);
  if (nameLen > load<i32>(b + W_MAX_NAME)) store<i32>(b + W_MAX_NAME, nameLen);
  if (nonAscii > 0) addI(b + W_NON_ASCII_Q, 1);
  const bit = nameHash & 127;
  const dw = b + W_DISTINCT + (<u32>(bit >>> 5) << 2);
  store<i32>(dw, load<i32>(dw) | (1 << (bit & 31)));
  const f = wf(s);
  const lastQ = load<f64>(f + F_LAST_Q);
  if (lastQ >= 0) {
    const gap = ts > lastQ ? ts - lastQ : 0;
    store<f64>(f + F_GAP_SUM, load<f64>(f + F_GAP_SUM) + gap);
    store<f64>(f + F_GAP_SQ, load<f64>(f + F_GAP_SQ) + gap * gap);
  }
  store<f64>(f + F_LAST_Q, ts);
  if (ts > load<f64>(f + F_LAST)) store<f64>(f + F_LAST, ts);
}

@inline function qtypeSlot(t: i32): u32 {
  switch (t) {
    case 1: return 0;
    case 28: return 1;
    case 16: return 2;
    case 10: return 3;
    case 5: return 4;
    case 15: return 5;
    case 12: return 6;
    case 33: return 7;
    default: return 8;
  }
}

function addResponse(s: i32, ts: f64): void {
  const b = wi(s);
  addI(b + W_R, 1);
  if (rcode == 3) addI(b + W_NXDOMAIN, 1);
  else if (rcode != 0) addI(b + W_RERROR, 1);
  addI(b + W_ANSWERS, answersParsed);
  addI(b + W_RDATA, rdataBytes);
  const m = answerTypeMask;
  if ((m & (TB_TXT | TB_NULL)) != 0) addI(b + W_R_TXTNULL, 1);
  if ((m & TB_CNAME) != 0) addI(b + W_R_CNAME, 1);
  const f = wf(s);
  if (ts > load<f64>(f + F_LAST)) store<f64>(f + F_LAST, ts);
}

function keepExample(s: i32, at: u32, tailAt: u32, lenWord: u32, fullWord: u32): void {
  const n = nameLen < <i32>Q_EXAMPLE_BYTES ? nameLen : <i32>Q_EXAMPLE_BYTES;
  const head = n < <i32>Q_EXAMPLE_HEAD ? n : <i32>Q_EXAMPLE_HEAD;
  copySmall(wBytes + <u32>s * BYTES_PER + at, nameAt, <u32>head);
  if (n > head) copySmall(wTail + <u32>s * TAIL_PER + tailAt, nameAt + <u32>head, <u32>(n - head));
  const b = wi(s);
  store<i32>(b + lenWord, n);
  store<i32>(b + fullWord, nameLen);
}

// The previous message's name and what the cache and the hash made of it, and its window (NONE once closed).
let prevNameAt: u32 = 0;
let prevNameLen: i32 = -1;
let prevNameHash: i32 = 0;
let prevDomLabels: i32 = 0;
let prevDomHash: i32 = 0;
let lastSlot: i32 = NONE;
let lastC0: i32 = 0;
let lastC1: i32 = 0;
let lastC2: i32 = 0;
let lastC3: i32 = 0;
let lastCv: i32 = 0;
let lastDomHash: i32 = 0;
let lastDomLen: i32 = 0;

function sameBytes(a: u32, b: u32, n: i32): bool {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    if (load<u64>(a + <u32>i) != load<u64>(b + <u32>i)) return false;
  }
  for (; i < n; i++) {
    if (load<u8>(a + <u32>i) != load<u8>(b + <u32>i)) return false;
  }
  return true;
}

/** Whether the rows are the lane's (configureQuestion ran): each is then added to its window as the row is added. */
let questionOn: bool = false;

@inline export function questionInline(): bool {
  return questionOn;
}

/**
 * A batch row added by the TypeScript side (a packet the lane left to it):
 * its kept message bytes are in the batch's message column. Rows the lane
 * adds itself go to questionRow from addRow, their bytes read where the
 * frame has them, not copied.
 */
export function questionRowAt(i: i32): void {
  if (!questionOn) return;
  questionRow(i, colMsg + <u32>i * msgBytes, <i32>load<u16>(colMsgLen + (<u32>i << 1)));
}

/**
 * QuestionExtractor.onBatch's work for row i, whose first `kept` message
 * bytes are at `msgAt`, when the row is added: rows go through in the order
 * the TypeScript path takes them, and windows close only by the key's own
 * next message or by eviction until the batch is delivered
 * (questionDeliver), so the windows are the same either way.
 */
export function questionRow(i: i32, msgAt: u32, kept: i32): void {
  if (!decodeRow(i, msgAt, kept)) return;
  if (packing) packRow(i);
  else if (domainRow()) windowRow(i);
}

// What decodeRow made of a row that goes to its window, beside the decode globals, for windowRow.
let rowSec: f64 = 0;
let rowNsec: i32 = 0;
let rowDomLabels: i32 = 0;
let rowDomHash: i32 = 0;

/**
 * The first step of questionRow: the row counted and its message decoded.
 * Returns whether it goes on to its registered domain and window
 * (domainRow, windowRow); the counters and weirds of rows that do not are
 * counted here.
 */
function decodeRow(i: i32, msgAt: u32, kept: i32): bool {
  {
    incI(QL_MESSAGES);
    if (QUESTION_STOP == 1) return false;
    if (kept == 0) {
      incI(QL_NOT_KEPT);
      return false;
    }
    const status = decode(<i32>msgAt, kept, load<i32>(colPayloadLength + (<u32>i << 2)));
    if (status != QS_OK) {
      incI(QL_NO_QUESTION);
      incI(QL_STATUS + (<u32>status << 2));
      return false;
    }
    if (QUESTION_STOP == 2) return false;
    if (nonAscii > 0) incI(QL_NON_ASCII);
    if (answerStatus != AS_OK) incI(QL_ANSWER + (<u32>answerStatus << 2));
    if (opcode != 0) {
      incI(QL_NOT_QUERY);
      return false;
    }
    const labels = labelCount;
    if (labels == 0) {
      incI(QL_ROOT);
      return false;
    }
    rowSec = load<f64>(colTsSec + (<u32>i << 3));
    rowNsec = load<i32>(colTsNsec + (<u32>i << 2));
    return true;
  }
}

/**
 * The decoded row's registered domain (decodeRow's globals): through the
 * lane's cache, or the previous message's when the name is the same.
 * Returns whether the row goes on to its window (windowRow).
 */
function domainRow(): bool {
  {
    const labels = labelCount;
    const end = nameLen;
    let domLabels: i32;
    let dh: i32;
    if (end == prevNameLen && nameHash == prevNameHash && sameBytes(prevNameAt, nameAt, end)) {
      // The previous message's name (a query and its answer, A then AAAA): the cache would hit the same entry,
      // whose set already has it as its most recent way, so only the hit is counted.
      incI(QL_DOM_HITS);
      domLabels = prevDomLabels;
      dh = prevDomHash;
    } else {
      domLabels = domainLabels(nameLen, labels, nameHash);
      const sub0 = domLabels == UNREGISTERED ? labels : labels - domLabels;
      const domStart0 = domLabels == UNREGISTERED ? end : <i32>load<u8>(labelStartAt + <u32>sub0);
      dh = FNV_OFFSET;
      for (let k = domStart0; k < end; k++) dh = (dh ^ <i32>load<u8>(nameAt + <u32>k)) * FNV_PRIME;
      copySmall(prevNameAt, nameAt, <u32>end);
      prevNameLen = end;
      prevNameHash = nameHash;
      prevDomLabels = domLabels;
      prevDomHash = dh;
    }
    rowDomLabels = domLabels;
    rowDomHash = dh;
    if (QUESTION_STOP == 3) return false;
    return true;
  }
}

/** The last step of questionRow: the decoded row (decodeRow's and domainRow's globals) added to its window. */
function windowRow(i: i32): void {
  {
    const sec = rowSec;
    const nsec = rowNsec;
    const ts = sec + <f64>nsec / 1e9;
    if (ts > load<f64>(st + QL_CLOCK)) store<f64>(st + QL_CLOCK, ts);
    const labels = labelCount;
    const end = nameLen;
    const domLabels = rowDomLabels;
    const dh = rowDomHash;
    const sub = domLabels == UNREGISTERED ? labels : labels - domLabels;
    const domStart = domLabels == UNREGISTERED ? end : <i32>load<u8>(labelStartAt + <u32>sub);
    // The row's flow key (FlowAssembler.readFlowKey).
    const ref = load<i32>(colFlowRef + (<u32>i << 2));
    const r = records + <u32>ref * RECORD_BYTES;
    const meta = load<u32>(r + R_META);
    const v6 = (meta & META_V6) != 0;
    const clientIsA = (load<u32>(r + U_FLAGS) & F_CLIENT_IS_A) != 0;
    const a0 = load<i32>(r + R_A0);
    const b0 = load<i32>(r + R_B0);
    let a1 = 0, a2 = 0, a3 = 0, b1 = 0, b2 = 0, b3 = 0;
    if (v6) {
      const x = v6Words + <u32>ref * V6_BYTES;
      a1 = load<i32>(x);
      a2 = load<i32>(x + 4);
      a3 = load<i32>(x + 8);
      b1 = load<i32>(x + 12);
      b2 = load<i32>(x + 16);
      b3 = load<i32>(x + 20);
    }
    const c0 = clientIsA ? a0 : b0;
    const c1 = clientIsA ? a1 : b1;
    const c2 = clientIsA ? a2 : b2;
    const c3 = clientIsA ? a3 : b3;
    const cv = v6 ? 6 : 4;
    const domLen = end - domStart;
    let s: i32;
    let kh: i32 = 0;
    let hashed = false;
    // Most messages belong to the previous message's window (the same client asking on about the same domain).
    if (lastSlot != NONE && c0 == lastC0 && c1 == lastC1 && c2 == lastC2 && c3 == lastC3 && cv == lastCv && dh == lastDomHash && domLen == lastDomLen) {
      s = lastSlot;
    } else {
      kh = keyHash(c0, c1, c2, c3, cv, dh);
      hashed = true;
      s = find(kh, c0, c1, c2, c3, cv, dh, domLen);
    }
    if (s >= 0 && ended(s, ts)) {
      close(s, REASON_WINDOW);
      s = -1;
    }
    if (s < 0) {
      const fanOut = fanOpened(c0, c1, c2, c3, ts);
      s = open(hashed ? kh : keyHash(c0, c1, c2, c3, cv, dh), c0, c1, c2, c3, cv, dh, nameAt + <u32>domStart, domLen, ts);
      const ob = wi(s);
      store<i32>(ob + W_FAN_OUT, fanOut);
      store<i32>(ob + W_SOURCE, stI(QL_SOURCE));
      store<f64>(wf(s) + F_START_SEC, sec);
      store<f64>(wf(s) + F_LAST_SEC, sec);
      store<i32>(ob + W_START_NSEC, nsec);
      store<i32>(ob + W_LAST_NSEC, nsec);
    }
    lastSlot = s;
    lastC0 = c0;
    lastC1 = c1;
    lastC2 = c2;
    lastC3 = c3;
    lastCv = cv;
    lastDomHash = dh;
    lastDomLen = domLen;
    const fb = wf(s);
    const lastBefore = load<f64>(fb + F_LAST);
    const b = wi(s);
    if (qr == 0) {
      incI(QL_QUERIES);
      addQuery(s, sub, ts);
      store<i32>(b + W_KA0, a0);
      store<i32>(b + W_KA0 + 4, a1);
      store<i32>(b + W_KA0 + 8, a2);
      store<i32>(b + W_KA0 + 12, a3);
      store<i32>(b + W_KB0, b0);
      store<i32>(b + W_KB0 + 4, b1);
      store<i32>(b + W_KB0 + 8, b2);
      store<i32>(b + W_KB0 + 12, b3);
      store<i32>(b + W_KPORTS, load<i32>(r + R_PORTS));
      store<i32>(b + W_KPV, load<i32>(r + R_PROTO_VLAN));
      store<i32>(b + W_KMETA, cv | (clientIsA ? 0x100 : 0));
      store<i32>(b + W_LAST_QTYPE, qtype);
      if (load<i32>(b + W_Q) == 1) keepExample(s, B_EX_FIRST, T_EX_FIRST, W_EX_FIRST_LEN, W_EX_FIRST_FULL);
      if (end > load<i32>(b + W_EX_LONG_FULL)) keepExample(s, B_EX_LONG, T_EX_LONG, W_EX_LONG_LEN, W_EX_LONG_FULL);
    } else {
      incI(QL_RESPONSES);
      addResponse(s, ts);
    }
    if (load<f64>(fb + F_LAST) != lastBefore) {
      store<f64>(fb + F_LAST_SEC, sec);
      store<i32>(b + W_LAST_NSEC, nsec);
    }
  }
}

// ---------------------------------------------------------------- decoded rows between threads
// With `score --jobs 2` on one capture (src/run/stage-split.ts) the reading thread's lane decodes
// each row as it is added (decodeRow, counting the rows that join no window and their weirds) and
// packs what the later steps read of it (packRow); the question thread's lane replays the packed
// rows in order through domainRow and windowRow, so its registered domains and windows are one run's.

/**
 * Bytes of a packed decoded row before its IPv6 address words (24, an IPv6
 * flow's only), label starts, label lengths and name bytes; a row is
 * 8-aligned in all. Narrow fields hold what fits: a name's 255 bytes and
 * 127 labels, a message's 16-bit counts.
 */
export const PD_FIXED_BYTES: u32 = 50;
const PD_SEC: u32 = 0;
const PD_NSEC: u32 = 8;
const PD_A0: u32 = 12;
const PD_B0: u32 = 16;
const PD_PORTS: u32 = 20;
const PD_PROTO_VLAN: u32 = 24;
const PD_NAME_HASH: u32 = 28;
const PD_RDATA: u32 = 32;
const PD_ANSWER_TYPES: u32 = 36;
const PD_ANSWERS: u32 = 38;
const PD_QTYPE: u32 = 40;
const PD_NON_LDH: u32 = 42;
const PD_NON_ASCII: u32 = 44;
const PD_BITS: u32 = 46;
const PD_RCODE: u32 = 47;
const PD_LABELS: u32 = 48;
const PD_NAME_LEN: u32 = 49;
const PD_V6_BYTES: u32 = 24;
const PB_QR: u32 = 1;
const PB_V6: u32 = 2;
const PB_CLIENT_IS_A: u32 = 4;

// Where decoded rows are packed, when they are (questionPackInto): the batch's row count at packBase, then the rows.
let packing: bool = false;
let packBase: u32 = 0;
let packCursor: u32 = 0;
let packRows: u32 = 0;

/**
 * From now on each row is decoded as it is added (as questionRow does) and,
 * instead of joining its window, packed at `at` for another lane
 * (replayDecodedRows): the reading thread's lane of a split run, after
 * configureQuestion.
 */
export function questionPackInto(at: u32): void {
  packing = true;
  packBase = at;
  packCursor = at + 8;
  packRows = 0;
}

/** The delivered batch's packed rows: their count written at the start; returns their bytes. The next row starts a new pack. */
export function questionPackTake(): u32 {
  store<u32>(packBase, packRows);
  const n = packCursor - packBase;
  packCursor = packBase + 8;
  packRows = 0;
  return n;
}

/** Row i, decoded (decodeRow's globals), packed as windowRow reads it. */
function packRow(i: i32): void {
  const p = packCursor;
  const ref = load<i32>(colFlowRef + (<u32>i << 2));
  const r = records + <u32>ref * RECORD_BYTES;
  const v6 = (load<u32>(r + R_META) & META_V6) != 0;
  const clientIsA = (load<u32>(r + U_FLAGS) & F_CLIENT_IS_A) != 0;
  const labels = <u32>labelCount;
  store<f64>(p + PD_SEC, rowSec);
  store<i32>(p + PD_NSEC, rowNsec);
  store<i32>(p + PD_A0, load<i32>(r + R_A0));
  store<i32>(p + PD_B0, load<i32>(r + R_B0));
  store<i32>(p + PD_PORTS, load<i32>(r + R_PORTS));
  store<i32>(p + PD_PROTO_VLAN, load<i32>(r + R_PROTO_VLAN));
  store<i32>(p + PD_NAME_HASH, nameHash);
  store<i32>(p + PD_RDATA, rdataBytes);
  store<u16>(p + PD_ANSWER_TYPES, <u16>answerTypeMask);
  store<u16>(p + PD_ANSWERS, <u16>answersParsed);
  store<u16>(p + PD_QTYPE, <u16>qtype);
  store<u16>(p + PD_NON_LDH, <u16>nonLdh);
  store<u16>(p + PD_NON_ASCII, <u16>nonAscii);
  store<u8>(p + PD_BITS, <u8>((qr != 0 ? PB_QR : 0) | (v6 ? PB_V6 : 0) | (clientIsA ? PB_CLIENT_IS_A : 0)));
  store<u8>(p + PD_RCODE, <u8>rcode);
  store<u8>(p + PD_LABELS, <u8>labels);
  store<u8>(p + PD_NAME_LEN, <u8>nameLen);
  let q = p + PD_FIXED_BYTES;
  if (v6) {
    const x = v6Words + <u32>ref * V6_BYTES;
    store<u64>(q, load<u64>(x));
    store<u64>(q + 8, load<u64>(x + 8));
    store<u64>(q + 16, load<u64>(x + 16));
    q += PD_V6_BYTES;
  }
  copySmall(q, labelStartAt, labels);
  q += labels;
  copySmall(q, labelLenAt, labels);
  q += labels;
  copySmall(q, nameAt, <u32>nameLen);
  q += <u32>nameLen;
  packCursor = (q + 7) & ~7;
  packRows++;
}

/**
 * Rows packed by packRow, each added to its window through
 * windowRow as in the packing run (row k takes record k of this lane,
 * which assembles no flows of its own). The caller then delivers the batch.
 */
export function replayDecodedRows(src: u32): void {
  const n = load<u32>(src);
  let p = src + 8;
  for (let k: u32 = 0; k < n; k++) {
    const r = records + k * RECORD_BYTES;
    const bits = <u32>load<u8>(p + PD_BITS);
    const v6 = (bits & PB_V6) != 0;
    store<i32>(colFlowRef + (k << 2), <i32>k);
    store<i32>(r + R_PORTS, load<i32>(p + PD_PORTS));
    store<i32>(r + R_PROTO_VLAN, load<i32>(p + PD_PROTO_VLAN));
    store<u32>(r + R_META, v6 ? META_V6 : 0);
    store<i32>(r + R_A0, load<i32>(p + PD_A0));
    store<i32>(r + R_B0, load<i32>(p + PD_B0));
    store<u32>(r + U_FLAGS, (bits & PB_CLIENT_IS_A) != 0 ? F_CLIENT_IS_A : 0);
    rowSec = load<f64>(p + PD_SEC);
    rowNsec = load<i32>(p + PD_NSEC);
    nameHash = load<i32>(p + PD_NAME_HASH);
    rdataBytes = load<i32>(p + PD_RDATA);
    answerTypeMask = <i32>load<u16>(p + PD_ANSWER_TYPES);
    answersParsed = <i32>load<u16>(p + PD_ANSWERS);
    qtype = <i32>load<u16>(p + PD_QTYPE);
    nonLdh = <i32>load<u16>(p + PD_NON_LDH);
    nonAscii = <i32>load<u16>(p + PD_NON_ASCII);
    qr = (bits & PB_QR) != 0 ? 1 : 0;
    rcode = <i32>load<u8>(p + PD_RCODE);
    const labels = <u32>load<u8>(p + PD_LABELS);
    labelCount = <i32>labels;
    nameLen = <i32>load<u8>(p + PD_NAME_LEN);
    let q = p + PD_FIXED_BYTES;
    if (v6) {
      const x = v6Words + k * V6_BYTES;
      store<u64>(x, load<u64>(q));
      store<u64>(x + 8, load<u64>(q + 8));
      store<u64>(x + 16, load<u64>(q + 16));
      q += PD_V6_BYTES;
    }
    copySmall(labelStartAt, q, labels);
    q += labels;
    copySmall(labelLenAt, q, labels);
    q += labels;
    copySmall(nameAt, q, <u32>nameLen);
    q += <u32>nameLen;
    p = (q + 7) & ~7;
    if (questionOn && domainRow()) windowRow(<i32>k);
  }
}

/** The batch is delivered (the end of QuestionExtractor.onBatch): windows whose time is up close. */
export function questionDeliver(): void {
  questionExpire(load<f64>(st + QL_CLOCK));
}

// ---------------------------------------------------------------- features and score (question-features.ts windowFeatures, WindowScorer.loss)

@inline function clip(x: f64): f64 {
  return x > 1 ? 1 : x < 0 ? 0 : x;
}

@inline function log1pInt(n: i32): f64 {
  return n < LOG_TABLE_SIZE ? load<f64>(log1pAt + (<u32>n << 3)) : jsLog1p(<f64>n);
}

@inline function nLog2N(n: i32): f64 {
  return n < LOG_TABLE_SIZE ? load<f64>(nLog2nAt + (<u32>n << 3)) : <f64>n * jsLog2(<f64>n);
}

@inline function log2Int(n: i32): f64 {
  return n < LOG_TABLE_SIZE ? load<f64>(log2At + (<u32>n << 3)) : jsLog2(<f64>n);
}

/** Feature k: what the TypeScript side's Float32Array holds after `out[k] = x` and the 8-bit rounding. */
@inline function put(k: u32, x: f64): void {
  const f = <f64><f32>x;
  const step = <i32>Math.floor(f * 255 + 0.5);
  // The step's value from the TypeScript side's table (Math.fround(step / 255)): a load, not a division.
  store<f32>(featAt + (k << 2), load<f32>(stepValueAt + (<u32>step << 2)));
  store<u8>(keyAt + k, <u8>step);
}

function features(s: i32): void {
  const b = wi(s);
  const fb = wf(s);
  const q = load<i32>(b + W_Q);
  const r = load<i32>(b + W_R);
  const set = <i32>(popcnt<u32>(load<u32>(b + W_DISTINCT)) + popcnt<u32>(load<u32>(b + W_DISTINCT + 4)) + popcnt<u32>(load<u32>(b + W_DISTINCT + 8)) + popcnt<u32>(load<u32>(b + W_DISTINCT + 12)));
  const distinct = load<f64>(distinctAt + (<u32>set << 3));
  const chars = load<i32>(b + W_SUB_CHARS);
  const hb = wHist + <u32>s * (Q_HIST_BINS * 4);
  let sumCLogC: f64 = 0;
  let hexLetters = 0;
  let otherLetters = 0;
  let digits = 0;
  // Without a branch per class: nLog2N(0) is 0, and adding 0 leaves the sum's bits as the TypeScript loop has them.
  // A window of fewer than LOG_TABLE_SIZE characters has every bin in the table: that loop calls out nowhere,
  // so its sum stays in a register.
  if (chars < LOG_TABLE_SIZE) {
    for (let k: u32 = 0; k < Q_HIST_BINS; k++) sumCLogC += load<f64>(nLog2nAt + (<u32>load<i32>(hb + (k << 2)) << 3));
  } else {
    for (let k: u32 = 0; k < Q_HIST_BINS; k++) sumCLogC += nLog2N(load<i32>(hb + (k << 2)));
  }
  for (let k: u32 = 0; k < 6; k++) hexLetters += load<i32>(hb + (k << 2));
  for (let k: u32 = 6; k < 26; k++) otherLetters += load<i32>(hb + (k << 2));
  for (let k: u32 = 26; k < 36; k++) digits += load<i32>(hb + (k << 2));
  const entropy = chars > 0 ? log2Int(chars) - sumCLogC / <f64>chars : 0;
  const hyphens = load<i32>(hb + 36 * 4) + load<i32>(hb + 37 * 4);
  const other = load<i32>(hb + 38 * 4);
  const duration = load<f64>(fb + F_LAST) - load<f64>(fb + F_START);
  let cv: f64 = 0;
  if (q >= 3) {
    const n = <f64>(q - 1);
    const mean = load<f64>(fb + F_GAP_SUM) / n;
    const variance = load<f64>(fb + F_GAP_SQ) / n - mean * mean;
    cv = mean > 0 ? Math.sqrt(variance > 0 ? variance : 0) / mean : 0;
  }
  const perChar: f64 = chars > 0 ? 1 / <f64>chars : 0;
  const perQ: f64 = q > 0 ? 1 / <f64>q : 0;
  const perR: f64 = r > 0 ? 1 / <f64>r : 0;
  put(0, clip(log1pInt(q) * INV_LG_10K));
  put(1, clip(log1pInt(r) * INV_LG_10K));
  put(2, clip(distinct * perQ));
  put(3, clip(load<f64>(log1pDistinctAt + (<u32>set << 3)) * INV_LG_1K));
  put(4, clip((<f64>load<i32>(b + W_SUB_BYTES) * perQ) / 128));
  put(5, clip(<f64>load<i32>(b + W_MAX_SUB) / 255));
  put(6, clip((<f64>load<i32>(b + W_SUB_LABELS) * perQ) / 8));
  put(7, clip(<f64>load<i32>(b + W_MAX_SUB_LABELS) / 32));
  put(8, clip(<f64>load<i32>(b + W_MAX_LABEL) / 63));
  put(9, clip(<f64>load<i32>(b + W_LONG_LABEL_Q) * perQ));
  put(10, clip(entropy / LOG2_BINS));
  put(11, <f64>hexLetters * perChar);
  put(12, <f64>otherLetters * perChar);
  put(13, <f64>digits * perChar);
  put(14, <f64>hyphens * perChar);
  put(15, <f64>other * perChar);
  const qWeight: f64 = q >= 16 ? 1 : log1pInt(q) * INV_LG_16;
  const rWeight: f64 = r >= 16 ? 1 : log1pInt(r) * INV_LG_16;
  for (let k: u32 = 0; k < 9; k++) put(16 + k, <f64>load<i32>(b + W_QT + (k << 2)) * perQ * qWeight);
  put(25, <f64>load<i32>(b + W_NXDOMAIN) * perR * rWeight);
  put(26, <f64>load<i32>(b + W_RERROR) * perR * rWeight);
  put(27, clip((<f64>load<i32>(b + W_ANSWERS) * perR) / 16));
  put(28, clip(log1pInt(<i32>Math.floor(<f64>load<i32>(b + W_RDATA) * perR)) * INV_LG_64K));
  put(29, <f64>load<i32>(b + W_R_TXTNULL) * perR * rWeight);
  put(30, <f64>load<i32>(b + W_R_CNAME) * perR * rWeight);
  put(31, clip(duration / windowSec));
  put(32, clip(cv / 3));
  put(33, clip(log1pInt(<i32>Math.floor(<f64>load<i32>(b + W_SUB_BYTES) / (duration > 1 ? duration : 1))) * INV_LG_100K));
  put(34, clip(<f64>load<i32>(b + W_NON_ASCII_Q) * perQ));
  put(35, clip((q > 0 ? <f64>r / <f64>q : r > 0 ? 2 : 0) / 2));
  const domLen = load<i32>(b + W_DOM_LEN);
  const stats = <i32>load<f64>(fb + F_DOM_STATS);
  const kept = stats & 0xff;
  const longest = (stats >>> 8) & 0xff;
  const domDigits = stats >>> 16;
  put(36, clip(<f64>domLen / 128));
  put(37, clip(<f64>longest / 63));
  put(38, kept > 0 ? <f64>domDigits / <f64>kept : 0);
  put(39, clip(log1pInt(load<i32>(b + W_FAN_OUT)) * INV_LG_1K));
  put(40, clip(log1pInt(load<i32>(b + W_NON_LDH)) * INV_LG_4));
  const maxLabel = load<i32>(b + W_MAX_LABEL);
  put(41, maxLabel > LONG_LABEL ? clip(<f64>(maxLabel - LONG_LABEL) / <f64>(MAX_LABEL - LONG_LABEL)) : 0);
}

/** The window's features, its loss (from the cache when the same steps were scored before), and the TypeScript side's verdict when it is over the threshold. */
function scoreWindow(s: i32, reason: u32): void {
  if (QUESTION_STOP == 4) {
    incI(QL_SCORED);
    return;
  }
  features(s);
  let h: i32 = FNV_OFFSET;
  for (let k: u32 = 0; k < KEY_BYTES; k += 4) h = (h ^ load<i32>(keyAt + k)) * FNV_PRIME;
  const slot = (<u32>(h ^ (h >>> 15))) & ((1 << LOSS_CACHE_BITS) - 1);
  const e = lossCache + slot * LOSS_ENTRY_BYTES;
  let loss = load<f64>(e + KEY_BYTES);
  let same = loss >= 0;
  if (same) {
    for (let k: u32 = 0; k < KEY_BYTES; k += 8) {
      if (load<u64>(e + k) != load<u64>(keyAt + k)) {
        same = false;
        break;
      }
    }
  }
  if (same) incI(QL_CACHE_HITS);
  else {
    incI(QL_CACHE_MISSES);
    loss = netLayers > 0 ? netLoss() : lossOfFeatures();
    copySmall(e, keyAt, KEY_BYTES);
    store<f64>(e + KEY_BYTES, loss);
  }
  incI(QL_SCORED);
  store<f64>(st + QL_LOSS, loss);
  if (loss > load<f64>(st + QL_THRESHOLD) || stI(QL_EVERY) != 0) windowClosed(<u32>s, reason);
}

// ---------------------------------------------------------------- the autoencoder (window-scorer.ts WindowScorer.forward)

// Layer descriptors of NET_WORDS Int32s each at netAt (QuestionLane.score writes them, with the weights as
// Float64s): inputs, outputs, activation, then the addresses of the kernel (input-major: the outputs of one
// input side by side), the biases and the outputs. netIn holds the features as Float64s. 0 layers: the loss
// comes from the TypeScript side (lossOfFeatures).
const NET_WORDS: u32 = 6;
const ACT_RELU: i32 = 1;
const ACT_SIGMOID: i32 = 2;
const ACT_TANH: i32 = 3;
let netAt: u32 = 0;
let netLayers: i32 = 0;
let netIn: u32 = 0;

/** The autoencoder to score with (layers 0: none, the TypeScript side scores); its descriptors at `at`, its input buffer at `input`. */
export function questionNet(at: u32, layers: i32, input: u32): void {
  netAt = at;
  netLayers = layers;
  netIn = input;
}

@inline function activate(x: f64, act: i32): f64 {
  if (act == ACT_RELU) return x > 0 ? x : 0;
  if (act == ACT_SIGMOID) return 1 / (1 + jsExp(-x));
  if (act == ACT_TANH) return jsTanh(x);
  return x;
}

/**
 * WindowScorer.forward's mean squared reconstruction error of the features
 * at featAt, to the bit: each output is its bias plus the products in input
 * order, in Float64s, as there; two outputs share a SIMD register (their
 * sums stay apart, so no sum's order changes) and four registers run side
 * by side, so the adds' latencies overlap.
 */
function netLoss(): f64 {
  const width = load<i32>(netAt);
  for (let j = 0; j < width; j++) store<f64>(netIn + (<u32>j << 3), <f64>load<f32>(featAt + (<u32>j << 2)));
  let input = netIn;
  for (let li = 0; li < netLayers; li++) {
    const d = netAt + <u32>li * NET_WORDS * 4;
    const inDim = load<i32>(d);
    const outDim = load<i32>(d + 4);
    const act = load<i32>(d + 8);
    const k = load<u32>(d + 12);
    const bias = load<u32>(d + 16);
    const out = load<u32>(d + 20);
    const row = <u32>outDim << 3;
    let j = 0;
    for (; j + 8 <= outDim; j += 8) {
      const o = <u32>j << 3;
      let a0 = v128.load(bias + o);
      let a1 = v128.load(bias + o + 16);
      let a2 = v128.load(bias + o + 32);
      let a3 = v128.load(bias + o + 48);
      let kr = k + o;
      for (let i = 0; i < inDim; i++) {
        const x = f64x2.splat(load<f64>(input + (<u32>i << 3)));
        a0 = f64x2.add(a0, f64x2.mul(v128.load(kr), x));
        a1 = f64x2.add(a1, f64x2.mul(v128.load(kr + 16), x));
        a2 = f64x2.add(a2, f64x2.mul(v128.load(kr + 32), x));
        a3 = f64x2.add(a3, f64x2.mul(v128.load(kr + 48), x));
        kr += row;
      }
      store<f64>(out + o, activate(f64x2.extract_lane(a0, 0), act));
      store<f64>(out + o + 8, activate(f64x2.extract_lane(a0, 1), act));
      store<f64>(out + o + 16, activate(f64x2.extract_lane(a1, 0), act));
      store<f64>(out + o + 24, activate(f64x2.extract_lane(a1, 1), act));
      store<f64>(out + o + 32, activate(f64x2.extract_lane(a2, 0), act));
      store<f64>(out + o + 40, activate(f64x2.extract_lane(a2, 1), act));
      store<f64>(out + o + 48, activate(f64x2.extract_lane(a3, 0), act));
      store<f64>(out + o + 56, activate(f64x2.extract_lane(a3, 1), act));
    }
    for (; j + 2 <= outDim; j += 2) {
      const o = <u32>j << 3;
      let a = v128.load(bias + o);
      let kr = k + o;
      for (let i = 0; i < inDim; i++) {
        a = f64x2.add(a, f64x2.mul(v128.load(kr), f64x2.splat(load<f64>(input + (<u32>i << 3)))));
        kr += row;
      }
      store<f64>(out + o, activate(f64x2.extract_lane(a, 0), act));
      store<f64>(out + o + 8, activate(f64x2.extract_lane(a, 1), act));
    }
    for (; j < outDim; j++) {
      const o = <u32>j << 3;
      let sum = load<f64>(bias + o);
      let kr = k + o;
      for (let i = 0; i < inDim; i++) {
        sum += load<f64>(kr) * load<f64>(input + (<u32>i << 3));
        kr += row;
      }
      store<f64>(out + o, activate(sum, act));
    }
    input = out;
  }
  let total: f64 = 0;
  for (let j = 0; j < width; j++) {
    const e = load<f64>(input + (<u32>j << 3)) - load<f64>(netIn + (<u32>j << 3));
    total += e * e;
  }
  return total / <f64>width;
}

/** netLoss of the features at featAt, for tests (a model set with questionNet). */
export function questionNetLoss(): f64 {
  return netLoss();
}
