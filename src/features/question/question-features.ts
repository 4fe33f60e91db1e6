import type { DnsQuestion } from '../../decode/dns/dns-question.js';
import { TB_CNAME, TB_NULL, TB_TXT } from '../../decode/dns/rr-type-bits.js';
import {
  F_GAP_SQ,
  F_GAP_SUM,
  F_LAST,
  F_LAST_Q,
  F_START,
  F_DOM_STATS,
  HIST_BINS,
  HIST_OTHER,
  QT_KINDS,
  W_ANSWERS,
  W_DISTINCT,
  W_LONG_LABEL_Q,
  W_MAX_LABEL,
  W_MAX_SUB,
  W_MAX_SUB_LABELS,
  W_NON_ASCII_Q,
  W_NON_LDH,
  W_NXDOMAIN,
  W_Q,
  W_QT,
  W_R,
  W_R_CNAME,
  W_R_TXTNULL,
  W_RDATA,
  W_RERROR,
  W_SUB_BYTES,
  W_SUB_CHARS,
  W_SUB_LABELS,
  W_DOM_LEN,
  W_MAX_NAME,
  W_FAN_OUT,
  WindowTable,
} from './window-table.js';

/**
 * What the question stage's autoencoder reads of a (client, registered
 * domain) window, each scaled to [0, 1] so one sigmoid output layer fits
 * all. Versioned: a model records the version it was trained on, and a
 * model of another version is refused rather than fed features it never saw.
 * Names are the `per_feature_error` keys of tunnel alerts.
 */
export const QUESTION_FEATURE_VERSION = 2;

export const QUESTION_FEATURES = [
  'queries',
  'responses',
  'distinct_ratio',
  'distinct_names',
  'mean_subdomain_length',
  'max_subdomain_length',
  'mean_subdomain_labels',
  'max_subdomain_labels',
  'max_label_length',
  'long_label_share',
  'subdomain_entropy',
  'hex_letter_share',
  'other_letter_share',
  'digit_share',
  'hyphen_underscore_share',
  'non_ldh_share',
  'qtype_a',
  'qtype_aaaa',
  'qtype_txt',
  'qtype_null',
  'qtype_cname',
  'qtype_mx',
  'qtype_ptr',
  'qtype_srv',
  'qtype_other',
  'nxdomain_share',
  'error_share',
  'answers_per_response',
  'rdata_per_response',
  'txt_null_answer_share',
  'cname_answer_share',
  'duration',
  'query_interval_cv',
  'name_bytes_per_second',
  'non_ascii_query_share',
  'response_ratio',
  'domain_length',
  'domain_max_label',
  'domain_digit_share',
  'client_fan_out',
  'non_ldh_bytes',
  'label_fill',
] as const;

export const QUESTION_FEATURE_COUNT = QUESTION_FEATURES.length;

/** A label this long or longer below the registered domain is "long": base32/hex chunks of tunnels are 32-63. */
export const LONG_LABEL = 32;
/** The longest label DNS allows (RFC 1035 2.3.4). */
const MAX_LABEL = 63;

/** Histogram bin of each byte (a-z 0-25, 0-9 26-35, '-' 36, '_' 37, other 38); names are already case-folded. */
export const CHAR_BIN = new Uint8Array(256).fill(HIST_OTHER);
for (let c = 0; c < 26; c++) CHAR_BIN[0x61 + c] = c;
for (let c = 0; c < 10; c++) CHAR_BIN[0x30 + c] = 26 + c;
CHAR_BIN[0x2d] = 36;
CHAR_BIN[0x5f] = 37;

/** Query types counted apart (the rest is "other"), in W_QT order. */
const QTYPE_SLOT = new Int8Array(65536).fill(QT_KINDS - 1);
QTYPE_SLOT[1] = 0; // A
QTYPE_SLOT[28] = 1; // AAAA
QTYPE_SLOT[16] = 2; // TXT
QTYPE_SLOT[10] = 3; // NULL
QTYPE_SLOT[5] = 4; // CNAME
QTYPE_SLOT[15] = 5; // MX
QTYPE_SLOT[12] = 6; // PTR
QTYPE_SLOT[33] = 7; // SRV

const I32 = WindowTable.I32_WORDS;
const F64 = WindowTable.F64_WORDS;

/**
 * Adds a query to window `s`: `q` decoded with status OK, its first
 * `subLabels` labels lie below the registered domain.
 */
export function addQuery(t: WindowTable, s: number, q: DnsQuestion, subLabels: number, ts: number): void {
  const w = t.i32;
  const b = s * I32;
  w[b + W_Q]!++;
  w[b + W_QT + QTYPE_SLOT[q.qtype & 0xffff]!]!++;
  const starts = q.labelStart;
  const lens = q.labelLen;
  const name = q.name;
  const hist = t.hist;
  const hb = s * HIST_BINS;
  let chars = 0;
  let maxLabel = 0;
  for (let j = 0; j < subLabels; j++) {
    const st = starts[j]!;
    const n = lens[j]!;
    if (n > maxLabel) maxLabel = n;
    for (let k = st; k < st + n; k++) hist[hb + CHAR_BIN[name[k]!]!]!++;
    chars += n;
  }
  const subBytes = subLabels === 0 ? 0 : chars + subLabels - 1;
  w[b + W_SUB_BYTES]! += subBytes;
  w[b + W_SUB_CHARS]! += chars;
  if (subBytes > w[b + W_MAX_SUB]!) w[b + W_MAX_SUB] = subBytes;
  w[b + W_SUB_LABELS]! += subLabels;
  if (subLabels > w[b + W_MAX_SUB_LABELS]!) w[b + W_MAX_SUB_LABELS] = subLabels;
  if (maxLabel > w[b + W_MAX_LABEL]!) w[b + W_MAX_LABEL] = maxLabel;
  if (maxLabel >= LONG_LABEL) w[b + W_LONG_LABEL_Q]!++;
  w[b + W_NON_LDH]! += q.nonLdh;
  if (q.nameLen > w[b + W_MAX_NAME]!) w[b + W_MAX_NAME] = q.nameLen;
  if (q.nonAscii > 0) w[b + W_NON_ASCII_Q]!++;
  const bit = q.nameHash & 127;
  w[b + W_DISTINCT + (bit >>> 5)]! |= 1 << (bit & 31);
  const f = t.f64;
  const fb = s * F64;
  const lastQ = f[fb + F_LAST_Q]!;
  if (lastQ >= 0) {
    const gap = ts > lastQ ? ts - lastQ : 0;
    f[fb + F_GAP_SUM]! += gap;
    f[fb + F_GAP_SQ]! += gap * gap;
  }
  f[fb + F_LAST_Q] = ts;
  if (ts > f[fb + F_LAST]!) f[fb + F_LAST] = ts;
}

/** Adds a response to window `s`. */
export function addResponse(t: WindowTable, s: number, q: DnsQuestion, ts: number): void {
  const w = t.i32;
  const b = s * I32;
  w[b + W_R]!++;
  const rcode = q.rcode;
  if (rcode === 3) w[b + W_NXDOMAIN]!++;
  else if (rcode !== 0) w[b + W_RERROR]!++;
  w[b + W_ANSWERS]! += q.answersParsed;
  w[b + W_RDATA]! += q.rdataBytes;
  const m = q.answerTypeMask;
  if ((m & (TB_TXT | TB_NULL)) !== 0) w[b + W_R_TXTNULL]!++;
  if ((m & TB_CNAME) !== 0) w[b + W_R_CNAME]!++;
  const f = t.f64;
  if (ts > f[s * F64 + F_LAST]!) f[s * F64 + F_LAST] = ts;
}

/**
 * Tables of the logarithms windowFeatures takes of counts, computed here
 * with Math so that the fast lane (wasm/question-lane.ts), which reads
 * copies of them, gives the same feature bits as this code; counts past a
 * table's end fall back to Math (through an import in the lane).
 */
export const LOG_TABLE_SIZE = 4096;
/** Math.log1p(n). */
export const LOG1P_INT = new Float64Array(LOG_TABLE_SIZE);
/** n * Math.log2(n), 0 for 0. */
export const N_LOG2_N = new Float64Array(LOG_TABLE_SIZE);
/** Math.log2(n) (-Infinity for 0, never read). */
export const LOG2_INT = new Float64Array(LOG_TABLE_SIZE);
/** The linear-counting estimate for `set` bits of 128 (index 0..128). */
export const DISTINCT_BY_SET = new Float64Array(129);
for (let n = 0; n < LOG_TABLE_SIZE; n++) {
  LOG1P_INT[n] = Math.log1p(n);
  N_LOG2_N[n] = n === 0 ? 0 : n * Math.log2(n);
  LOG2_INT[n] = Math.log2(n);
}
/** Math.log1p of DISTINCT_BY_SET[set]. */
export const LOG1P_DISTINCT_BY_SET = new Float64Array(129);
for (let set = 0; set <= 128; set++) {
  DISTINCT_BY_SET[set] = set === 128 ? 128 * Math.log(128) : -128 * Math.log((128 - set) / 128);
  LOG1P_DISTINCT_BY_SET[set] = Math.log1p(DISTINCT_BY_SET[set]!);
}

const log1pInt = (n: number): number => (n < LOG_TABLE_SIZE ? LOG1P_INT[n]! : Math.log1p(n));
const nLog2N = (n: number): number => (n < LOG_TABLE_SIZE ? N_LOG2_N[n]! : n * Math.log2(n));
const log2Int = (n: number): number => (n < LOG_TABLE_SIZE ? LOG2_INT[n]! : Math.log2(n));

/** Linear counting (Whang et al. 1990) over the 128-bit map: distinct query names, exact while few, saturating near 600. */
export function distinctNames(t: WindowTable, s: number): number {
  return DISTINCT_BY_SET[distinctBits(t, s)]!;
}

function distinctBits(t: WindowTable, s: number): number {
  const w = t.i32;
  const b = s * I32 + W_DISTINCT;
  let set = 0;
  for (let k = 0; k < 4; k++) set += popcount(w[b + k]!);
  return set;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

const lg = Math.log1p;
const clip = (x: number): number => (x > 1 ? 1 : x < 0 ? 0 : x);
const LOG2_BINS = Math.log2(HIST_BINS);
const INV_LG_1K = 1 / lg(1_000);
const INV_LG_4 = 1 / lg(4);
const INV_LG_16 = 1 / lg(16);
const INV_LG_10K = 1 / lg(10_000);
const INV_LG_64K = 1 / lg(65_536);
const INV_LG_100K = 1 / lg(100_000);

/** Constants of windowFeatures, in the order the fast lane takes them (QuestionLane). */
export const FEATURE_CONSTANTS = [LOG2_BINS, INV_LG_1K, INV_LG_16, INV_LG_10K, INV_LG_64K, INV_LG_100K, INV_LG_4] as const;

/** Window `s`'s feature vector (QUESTION_FEATURES order) into out[off ..]. */
export function windowFeatures(t: WindowTable, s: number, windowSec: number, out: Float32Array, off: number): void {
  const w = t.i32;
  const b = s * I32;
  const f = t.f64;
  const fb = s * F64;
  const q = w[b + W_Q]!;
  const r = w[b + W_R]!;
  const set = distinctBits(t, s);
  const distinct = DISTINCT_BY_SET[set]!;
  const chars = w[b + W_SUB_CHARS]!;
  const hist = t.hist;
  const hb = s * HIST_BINS;
  // Shannon entropy of the byte classes as log2(N) - sum(c log2 c) / N: a table lookup per class, no division or log per class.
  let sumCLogC = 0;
  let hexLetters = 0;
  let otherLetters = 0;
  let digits = 0;
  for (let k = 0; k < HIST_BINS; k++) {
    const c = hist[hb + k]!;
    if (c === 0) continue;
    sumCLogC += nLog2N(c);
    if (k < 6) hexLetters += c;
    else if (k < 26) otherLetters += c;
    else if (k < 36) digits += c;
  }
  const entropy = chars > 0 ? log2Int(chars) - sumCLogC / chars : 0;
  const hyphens = hist[hb + 36]! + hist[hb + 37]!;
  const other = hist[hb + HIST_OTHER]!;
  const duration = f[fb + F_LAST]! - f[fb + F_START]!;
  let cv = 0;
  if (q >= 3) {
    const n = q - 1;
    const mean = f[fb + F_GAP_SUM]! / n;
    const variance = f[fb + F_GAP_SQ]! / n - mean * mean;
    cv = mean > 0 ? Math.sqrt(variance > 0 ? variance : 0) / mean : 0;
  }
  // Reciprocals, not closures: a closure per call was an allocation per window.
  const perChar = chars > 0 ? 1 / chars : 0;
  const perQ = q > 0 ? 1 / q : 0;
  const perR = r > 0 ? 1 / r : 0;
  let o = off;
  out[o++] = clip(log1pInt(q) * INV_LG_10K);
  out[o++] = clip(log1pInt(r) * INV_LG_10K);
  out[o++] = clip((distinct) * perQ);
  out[o++] = clip(LOG1P_DISTINCT_BY_SET[set]! * INV_LG_1K);
  out[o++] = clip((w[b + W_SUB_BYTES]!) * perQ / 128);
  out[o++] = clip(w[b + W_MAX_SUB]! / 255);
  out[o++] = clip((w[b + W_SUB_LABELS]!) * perQ / 8);
  out[o++] = clip(w[b + W_MAX_SUB_LABELS]! / 32);
  out[o++] = clip(w[b + W_MAX_LABEL]! / 63);
  out[o++] = clip((w[b + W_LONG_LABEL_Q]!) * perQ);
  out[o++] = clip(entropy / LOG2_BINS);
  out[o++] = hexLetters * perChar;
  out[o++] = otherLetters * perChar;
  out[o++] = digits * perChar;
  out[o++] = hyphens * perChar;
  out[o++] = other * perChar;
  // Query and answer types as shares weighted by how many messages show them (full weight from 16 on):
  // one MX lookup is an ordinary event, a window of MX queries is not, and a share alone says the same for both.
  const qWeight = q >= 16 ? 1 : log1pInt(q) * INV_LG_16;
  const rWeight = r >= 16 ? 1 : log1pInt(r) * INV_LG_16;
  for (let k = 0; k < QT_KINDS; k++) out[o++] = w[b + W_QT + k]! * perQ * qWeight;
  out[o++] = w[b + W_NXDOMAIN]! * perR * rWeight;
  out[o++] = w[b + W_RERROR]! * perR * rWeight;
  out[o++] = clip((w[b + W_ANSWERS]!) * perR / 16);
  // Whole bytes and bytes per second: a count, so its logarithm comes from the table (the lane's too).
  out[o++] = clip(log1pInt(Math.floor(w[b + W_RDATA]! * perR)) * INV_LG_64K);
  out[o++] = w[b + W_R_TXTNULL]! * perR * rWeight;
  out[o++] = w[b + W_R_CNAME]! * perR * rWeight;
  out[o++] = clip(duration / windowSec);
  out[o++] = clip(cv / 3);
  out[o++] = clip(log1pInt(Math.floor(w[b + W_SUB_BYTES]! / (duration > 1 ? duration : 1))) * INV_LG_100K);
  out[o++] = clip((w[b + W_NON_ASCII_Q]!) * perQ);
  out[o++] = clip((q > 0 ? r / q : r > 0 ? 2 : 0) / 2);
  // The registered domain itself: a tunnel without a domain of its own (dnscat2 straight to an IP) or a
  // generated one has long, digit-heavy labels there, which the subdomain features never see.
  const domLen = w[b + W_DOM_LEN]!;
  const stats = f[fb + F_DOM_STATS]!;
  const kept = stats & 0xff;
  const longest = (stats >>> 8) & 0xff;
  const domDigits = stats >>> 16;
  out[o++] = clip(domLen / 128);
  out[o++] = clip(longest / 63);
  out[o++] = kept > 0 ? domDigits / kept : 0;
  out[o++] = clip(log1pInt(w[b + W_FAN_OUT]!) * INV_LG_1K);
  // A count, not a share: a base64 encoder's '=', '/' or '+' is a few bytes among hundreds (dns2tcp, a one-query
  // exfiltration), which as non_ldh_share is within rounding of 0 and costs the model nothing to get wrong.
  // Host names are letters, digits and hyphens (RFC 1123 2.1), service labels add '_': full from four bytes on.
  out[o++] = clip(log1pInt(w[b + W_NON_LDH]!) * INV_LG_4);
  // How far the longest label goes past LONG_LABEL towards the protocol's limit: encoders fill labels to carry
  // the most per query (56-63 bytes), hash and UUID labels stop at 32-40, where this is still near 0.
  const maxLabel = w[b + W_MAX_LABEL]!;
  out[o++] = maxLabel > LONG_LABEL ? clip((maxLabel - LONG_LABEL) / (MAX_LABEL - LONG_LABEL)) : 0;
  // Eight bits per feature: finer steps say nothing the model can use, and windows that agree at this
  // precision (most of a network's) then share one cached loss (WindowScorer).
  // floor(x + 0.5), not Math.round, which the lane would have to mirror at its one odd input (0.49999999999999994).
  for (let k = off; k < o; k++) out[k] = Math.floor(out[k]! * QUANT_STEPS + 0.5) / QUANT_STEPS;
}

/** Steps of a feature's eight bits. */
export const QUANT_STEPS = 255;
/** Each step's value as the Float32Array of features holds it (the lane reads it instead of dividing). */
export const QUANT_STEP_VALUE = new Float32Array(QUANT_STEPS + 1);
for (let k = 0; k <= QUANT_STEPS; k++) QUANT_STEP_VALUE[k] = k / QUANT_STEPS;
