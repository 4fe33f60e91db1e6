import { COUNT_LANE_BITS, FNV_OFFSET, FNV_PRIME, NAME_BYTE, NON_LDH_SHIFT } from './name-bytes.js';
import {
  AS_MALFORMED,
  AS_OK,
  AS_TRUNCATED,
  QS_FORWARD_POINTER,
  QS_LABEL_TOO_LONG,
  QS_MESSAGE_TOO_SHORT,
  QS_NAME_TOO_LONG,
  QS_NO_QUESTION,
  QS_OK,
  QS_POINTER_LOOP,
  QS_POINTER_OUT_OF_RANGE,
  QS_QUESTION_NOT_KEPT,
  QS_QUESTION_TRUNCATED,
  QS_TOO_MANY_LABELS,
} from './question-status.js';
import { typeBit } from './rr-type-bits.js';

export * from './question-status.js';
export { typeBit } from './rr-type-bits.js';

export const MAX_NAME_BYTES = 255; // RFC 1035 2.3.4, wire form
export const MAX_LABELS = 127;

const HEADER_BYTES = 12;
/** RR fixed part after the owner name: TYPE, CLASS, TTL, RDLENGTH (RFC 1035 4.1.3). */
const RR_FIXED_BYTES = 10;

/** Reused result; decodeQuestion overwrites every field. Name fields are meaningful for QS_OK only. */
export interface DnsQuestion {
  status: number;
  id: number;
  qr: number;
  opcode: number;
  rcode: number;
  /** The 16-bit flags word. */
  flags: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
  /** The QNAME in presentation-like form without escapes: label bytes as on the wire, ASCII A-Z folded to a-z, labels separated by 0x2e, no trailing dot; root = 0 bytes. */
  readonly name: Uint8Array;
  nameLen: number;
  labelCount: number;
  /** Offset of each label in `name`. */
  readonly labelStart: Uint8Array;
  readonly labelLen: Uint8Array;
  /** Bytes the QNAME takes where it is written (a pointer counts 2, what it points to nothing). */
  wireNameLen: number;
  /** Wire-form length of the name as expanded, root byte included (1 for the root, at most MAX_NAME_BYTES). */
  expandedNameLen: number;
  /** Name bytes outside [a-z0-9-_] after folding (non-ASCII, '.', space, ...); separators not counted. */
  nonLdh: number;
  /** Name bytes >= 0x80 or < 0x21; count NON_ASCII_WEIRD once when > 0. */
  nonAscii: number;
  /** Compression pointers followed while reading the QNAME. */
  pointers: number;
  qtype: number;
  qclass: number;
  /** Answer RRs walked whole (fixed part read, RDATA inside the message). */
  answersParsed: number;
  /** Sum of their RDLENGTHs. */
  rdataBytes: number;
  /** OR of typeBit(TYPE) over the walked answers. */
  answerTypeMask: number;
  /** The kept bytes ended before the answer section did, in a message longer than what was kept. */
  answersPartial: boolean;
  /** AS_OK, or why the walk stopped early (AS_TRUNCATED, AS_MALFORMED); the question stays usable. */
  answerStatus: number;
  /** 32-bit FNV-1a of name[0..nameLen). */
  nameHash: number;
}

export function newDnsQuestion(): DnsQuestion {
  return {
    status: QS_MESSAGE_TOO_SHORT,
    id: 0,
    qr: 0,
    opcode: 0,
    rcode: 0,
    flags: 0,
    qdcount: 0,
    ancount: 0,
    nscount: 0,
    arcount: 0,
    name: new Uint8Array(MAX_NAME_BYTES),
    nameLen: 0,
    labelCount: 0,
    labelStart: new Uint8Array(MAX_LABELS),
    labelLen: new Uint8Array(MAX_LABELS),
    wireNameLen: 0,
    expandedNameLen: 0,
    nonLdh: 0,
    nonAscii: 0,
    pointers: 0,
    qtype: 0,
    qclass: 0,
    answersParsed: 0,
    rdataBytes: 0,
    answerTypeMask: 0,
    answersPartial: false,
    answerStatus: AS_OK,
    nameHash: FNV_OFFSET,
  };
}

/**
 * Decodes bytes[off .. off+len) (the kept prefix of a message of msgLen
 * bytes): header, the first question, a summary of the answer section.
 * Reads no byte outside [off, off+len); never throws on content; returns
 * out.status. A msgLen below len is taken as len.
 */
export function decodeQuestion(bytes: Uint8Array, off: number, len: number, msgLen: number, out: DnsQuestion): number {
  if (msgLen < len) msgLen = len;
  out.nameLen = 0;
  out.labelCount = 0;
  out.wireNameLen = 0;
  out.expandedNameLen = 0;
  out.nonLdh = 0;
  out.nonAscii = 0;
  out.pointers = 0;
  out.qtype = 0;
  out.qclass = 0;
  out.answersParsed = 0;
  out.rdataBytes = 0;
  out.answerTypeMask = 0;
  out.answersPartial = false;
  out.answerStatus = AS_OK;
  out.nameHash = FNV_OFFSET;
  if (len < HEADER_BYTES) {
    out.id = out.qr = out.opcode = out.rcode = out.flags = 0;
    out.qdcount = out.ancount = out.nscount = out.arcount = 0;
    return (out.status = msgLen < HEADER_BYTES ? QS_MESSAGE_TOO_SHORT : QS_QUESTION_NOT_KEPT);
  }
  const end = off + len;
  const msgEnd = off + msgLen;
  out.id = (bytes[off]! << 8) | bytes[off + 1]!;
  const flags = (bytes[off + 2]! << 8) | bytes[off + 3]!;
  out.flags = flags;
  out.qr = flags >>> 15;
  out.opcode = (flags >>> 11) & 0xf;
  out.rcode = flags & 0xf;
  const qdcount = (bytes[off + 4]! << 8) | bytes[off + 5]!;
  out.qdcount = qdcount;
  out.ancount = (bytes[off + 6]! << 8) | bytes[off + 7]!;
  out.nscount = (bytes[off + 8]! << 8) | bytes[off + 9]!;
  out.arcount = (bytes[off + 10]! << 8) | bytes[off + 11]!;
  if (qdcount === 0) {
    walkAnswers(bytes, off, end, msgEnd, off + HEADER_BYTES, 0, 0, out);
    return (out.status = QS_NO_QUESTION);
  }

  const name = out.name;
  const labelStart = out.labelStart;
  const labelLen = out.labelLen;
  const start = off + HEADER_BYTES;
  let p = start;
  // Lowest offset read for this name so far: a pointer must land below it,
  // which rules out loops and re-reads and bounds the hops by the offsets.
  // A pointer into [floor, high) (the span read so far) is named a loop,
  // one past everything read a forward pointer.
  let floor = start;
  let high = start;
  let after = -1; // offset after the QNAME as written, set at its first pointer
  let wire = 0; // wire bytes of the labels so far (length bytes included)
  let nameLen = 0;
  let labels = 0;
  let classes = 0; // non-LDH count | non-ASCII count << COUNT_LANE_BITS (see NAME_BYTE)
  let pointers = 0;
  let h = FNV_OFFSET;
  let status = QS_OK;
  for (;;) {
    if (p >= end) {
      status = msgEnd > end ? QS_QUESTION_NOT_KEPT : QS_QUESTION_TRUNCATED;
      break;
    }
    const l = bytes[p]!;
    if (l === 0) {
      p++;
      break;
    }
    if (l < 0x40) {
      if (labels === MAX_LABELS) {
        status = QS_TOO_MANY_LABELS;
        break;
      }
      // This label plus the root byte still to come.
      if (wire + l + 2 > MAX_NAME_BYTES) {
        status = QS_NAME_TOO_LONG;
        break;
      }
      if (p + 1 + l > end) {
        status = msgEnd > end ? QS_QUESTION_NOT_KEPT : QS_QUESTION_TRUNCATED;
        break;
      }
      if (labels > 0) {
        name[nameLen++] = 0x2e;
        h = Math.imul(h ^ 0x2e, FNV_PRIME);
      }
      labelStart[labels] = nameLen;
      labelLen[labels] = l;
      labels++;
      const stop = p + 1 + l;
      for (let i = p + 1; i < stop; i++) {
        const t = NAME_BYTE[bytes[i]!]!;
        const f = t & 0xff;
        name[nameLen++] = f;
        h = Math.imul(h ^ f, FNV_PRIME);
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
    const target = ((l & 0x3f) << 8) | bytes[p + 1]!;
    if (after < 0) after = p + 2;
    pointers++;
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
  out.nameLen = nameLen;
  out.labelCount = labels;
  out.nonLdh = classes & ((1 << COUNT_LANE_BITS) - 1);
  out.nonAscii = classes >>> COUNT_LANE_BITS;
  out.pointers = pointers;
  out.nameHash = h >>> 0;
  if (status !== QS_OK) return (out.status = status);
  const qEnd = after < 0 ? p : after;
  out.wireNameLen = qEnd - start;
  out.expandedNameLen = wire + 1;
  if (qEnd + 4 > end) return (out.status = msgEnd > end && qEnd + 4 <= msgEnd ? QS_QUESTION_NOT_KEPT : QS_QUESTION_TRUNCATED);
  out.qtype = (bytes[qEnd]! << 8) | bytes[qEnd + 1]!;
  out.qclass = (bytes[qEnd + 2]! << 8) | bytes[qEnd + 3]!;
  walkAnswers(bytes, off, end, msgEnd, qEnd + 4, qdcount - 1, wire + 1, out);
  return (out.status = QS_OK);
}

/** skipName results below 0. */
const SKIP_CUT = -1;
const SKIP_BAD = -2;

/**
 * Skips the name at `p` under the QNAME's rules (labels <= 63, pointers
 * strictly below everything read so far and inside the message, expanded
 * length <= 255). Returns the offset after the name as written, SKIP_CUT
 * when the kept bytes end first, SKIP_BAD on a broken rule. `qnameWire` > 0
 * says the QNAME at off+12 was checked: a pointer to it (the usual owner of
 * an answer) ends the walk with that name's length, without a re-read.
 */
function skipName(bytes: Uint8Array, off: number, end: number, msgEnd: number, p: number, qnameWire: number): number {
  let floor = p;
  let after = -1;
  let wire = 1;
  for (;;) {
    if (p >= end) return SKIP_CUT;
    const l = bytes[p]!;
    if (l === 0) return after < 0 ? p + 1 : after;
    if (l < 0x40) {
      wire += l + 1;
      if (wire > MAX_NAME_BYTES) return SKIP_BAD;
      p += l + 1;
      continue;
    }
    if (l < 0xc0) return SKIP_BAD;
    if (p + 1 >= end) return SKIP_CUT;
    const t = off + (((l & 0x3f) << 8) | bytes[p + 1]!);
    if (after < 0) after = p + 2;
    // t < floor <= p < msgEnd, so this also keeps it inside the message.
    if (t >= floor) return SKIP_BAD;
    if (t === off + HEADER_BYTES && qnameWire > 0) return wire - 1 + qnameWire > MAX_NAME_BYTES ? SKIP_BAD : after;
    floor = t;
    p = t;
  }
}

/**
 * Skips `moreQuestions` questions from `p`, then walks the answer RRs,
 * filling the answer summary. Stops at the kept end (answersPartial when
 * the message goes on) or at the first broken RR (answerStatus).
 */
function walkAnswers(bytes: Uint8Array, off: number, end: number, msgEnd: number, p: number, moreQuestions: number, qnameWire: number, out: DnsQuestion): void {
  const cut = msgEnd > end;
  for (let i = 0; i < moreQuestions; i++) {
    const q = skipName(bytes, off, end, msgEnd, p, qnameWire);
    if (q === SKIP_BAD) {
      out.answerStatus = AS_MALFORMED;
      return;
    }
    if (q === SKIP_CUT || q + 4 > end) {
      if (cut && (q === SKIP_CUT || q + 4 <= msgEnd)) out.answersPartial = out.ancount > 0;
      else out.answerStatus = AS_TRUNCATED;
      return;
    }
    p = q + 4;
  }
  const ancount = out.ancount;
  let parsed = 0;
  let rdata = 0;
  let mask = 0;
  for (; parsed < ancount; parsed++) {
    const q = skipName(bytes, off, end, msgEnd, p, qnameWire);
    if (q === SKIP_BAD) {
      out.answerStatus = AS_MALFORMED;
      break;
    }
    if (q === SKIP_CUT || q + RR_FIXED_BYTES > end) {
      if (cut && (q === SKIP_CUT || q + RR_FIXED_BYTES <= msgEnd)) out.answersPartial = true;
      else out.answerStatus = AS_TRUNCATED;
      break;
    }
    const rdlen = (bytes[q + 8]! << 8) | bytes[q + 9]!;
    const next = q + RR_FIXED_BYTES + rdlen;
    if (next > msgEnd) {
      out.answerStatus = AS_TRUNCATED;
      break;
    }
    mask |= typeBit((bytes[q]! << 8) | bytes[q + 1]!);
    rdata += rdlen;
    p = next;
  }
  out.answersParsed = parsed;
  out.rdataBytes = rdata;
  out.answerTypeMask = mask;
}
