import { UsageError } from '../errors.js';

/**
 * Structural checks of the 12-byte DNS header against the message length.
 * They run beside the autoencoder so dnsae never accepts a port-53 payload
 * that Suricata's DNS probe, Zeek's DNS analyzer or nDPI's DNS dissector
 * would already reject on header grounds. docs/rules.md lists each rule with
 * its source and the corpus measurement behind the default set.
 *
 * Every rule reads only the header bytes that are present (`headLen`) and is
 * skipped when a field it needs is missing, so a sample cut by the snaplen is
 * never failed for what it does not show. A message length below 0 means
 * "unknown": rules that compare against the length are then skipped too.
 */

export const TRANSPORT_UDP = 0;
export const TRANSPORT_TCP = 1;
export const DIRECTION_TO_SERVER = 0;
export const DIRECTION_TO_CLIENT = 1;

const HEADER_LEN = 12;
/** Smallest question: root name (1 byte) + QTYPE + QCLASS (RFC 1035 4.1.2). */
const MIN_QUESTION = 5;
/** Smallest resource record: root name (1) + TYPE, CLASS, TTL, RDLENGTH (10) (RFC 1035 4.1.3). */
const MIN_RR = 11;
/** Zeek's default `dns_max_queries`. */
const MAX_QUESTIONS = 25;
/** RFC 1035 4.2.1: UDP messages are limited to 512 bytes unless EDNS(0) says otherwise. */
const UDP_CLASSIC_MAX = 512;

const OP_QUERY = 0;
const OP_IQUERY = 1;
const OP_STATUS = 2;
const OP_DSO = 6;

export interface HeaderRule {
  readonly name: string;
  readonly bit: number;
  readonly description: string;
  readonly source: string;
  readonly defaultOn: boolean;
  /** Header bytes the rule reads (it is skipped when fewer are present). */
  readonly needsBytes: number;
  /** Whether the rule compares against the message length. */
  readonly needsLength: boolean;
}

function rule(
  name: string,
  bit: number,
  defaultOn: boolean,
  needsBytes: number,
  needsLength: boolean,
  description: string,
  source: string,
): HeaderRule {
  return Object.freeze({ name, bit, description, source, defaultOn, needsBytes, needsLength });
}

/**
 * Bit positions are part of the output format (evaluation tables store masks):
 * append new rules, never renumber. Defaults are chosen from the corpus
 * measurement in docs/rules.md: a default rule fails no benign message.
 */
export const RULES: readonly HeaderRule[] = Object.freeze([
  rule('short_header', 0, true, 0, true,
    'message is shorter than the 12-byte DNS header',
    'RFC 1035 4.1.1; Zeek DNS.cc weird DNS_truncated_len_lt_hdr_len; Suricata rust/src/dns/dns.rs probe minimum length'),
  rule('bad_opcode', 1, true, 3, false,
    'OPCODE is unassigned (3 or 7-15)',
    'RFC 6895 2.2 and the IANA DNS OpCodes registry; Suricata rust/src/dns/dns.rs event INVALID_OPCODE (opcode >= 7)'),
  rule('obsolete_opcode', 2, true, 3, false,
    'OPCODE is IQUERY (1, retired) or STATUS (2, never specified)',
    'RFC 3425 (IQUERY obsolete); RFC 6895 2.2 (STATUS unspecified)'),
  rule('dso_over_udp', 3, true, 3, false,
    'OPCODE is DSO (6) on UDP, where DSO is not allowed',
    'RFC 8490 5.1 (DSO only over connection-oriented transports)'),
  rule('counts_exceed_length', 4, true, 12, true,
    'header + 2 bytes per counted record exceeds the message length',
    'Suricata rust/src/dns/dns.rs probe_header_validity (2 bytes per record)'),
  rule('counts_exceed_min_record_size', 5, true, 12, true,
    'header + 5 bytes per question + 11 bytes per resource record exceeds the message length',
    'RFC 1035 4.1.2 and 4.1.3 (smallest question and RR with a root or compressed name)'),
  rule('empty_header_with_body', 6, true, 12, true,
    'all four counts are zero but the message is longer than the header (DSO excepted)',
    'Suricata rust/src/dns/dns.rs probe_header_validity; RFC 8490 5.4 for the DSO exception'),
  rule('query_without_question', 7, true, 6, false,
    'a query (QR=0, not DSO) has QDCOUNT 0',
    'Suricata rust/src/dns/dns.rs probe_header_validity; nDPI src/lib/protocols/dns.c search_valid_dns'),
  rule('too_many_questions', 8, true, 6, false,
    'QDCOUNT is above 25',
    "Zeek DNS.cc DNS_Conn_count_too_large with init-bare.zeek dns_max_queries = 25; nDPI dns.c caps at NDPI_MAX_DNS_REQUESTS (16)"),
  rule('multiple_questions', 9, false, 6, false,
    'QDCOUNT is above 1',
    'RFC 9619 (QDCOUNT is at most one for QUERY); RFC 2136 2.3 (one zone in UPDATE); RFC 1996 3.7 (NOTIFY)'),
  rule('query_with_answers', 10, false, 8, false,
    'a standard query (QR=0, OPCODE 0) carries answer or authority records',
    'nDPI src/lib/protocols/dns.c search_valid_dns (query needs ANCOUNT = NSCOUNT = 0 unless UPDATE)'),
  rule('z_bit_set', 11, true, 4, false,
    'the reserved Z flag is set',
    'RFC 1035 4.1.1 (Z must be zero); RFC 6895 2.1; Suricata rust/src/dns/dns.rs event Z_FLAG_SET'),
  rule('reserved_rcode', 12, true, 4, false,
    'header RCODE is unassigned (11-15)',
    'RFC 6895 2.3 and the IANA DNS RCODEs registry'),
  rule('query_with_rcode', 13, false, 4, false,
    'a query (QR=0) has a non-zero RCODE',
    'RFC 1035 4.1.1 (RCODE is set as part of responses)'),
  rule('response_flags_in_query', 14, false, 4, false,
    'a query (QR=0) has AA or RA set',
    'RFC 1035 4.1.1 (AA and RA are meaningful only in responses)'),
  rule('qr_direction_mismatch', 15, false, 3, false,
    'QR disagrees with the direction (response towards the server or query towards the client)',
    'Suricata rust/src/dns/dns.rs events NOT_A_REQUEST and NOT_A_RESPONSE'),
  rule('udp_over_512_without_additional', 16, false, 12, true,
    'a UDP message over 512 bytes has ARCOUNT 0, so it cannot carry the EDNS(0) OPT record',
    'RFC 1035 4.2.1 (512-byte UDP limit); RFC 6891 6.1.1 and 7 (OPT record in the additional section)'),
]);

export const RULE_COUNT = RULES.length;
export const ALL_RULES_MASK = RULES.reduce((m, r) => (m | (1 << r.bit)) >>> 0, 0);
export const DEFAULT_RULES_MASK = RULES.reduce((m, r) => (r.defaultOn ? (m | (1 << r.bit)) >>> 0 : m), 0);

const B_SHORT = 1 << 0;
const B_BAD_OPCODE = 1 << 1;
const B_OBSOLETE_OPCODE = 1 << 2;
const B_DSO_UDP = 1 << 3;
const B_COUNTS_LEN = 1 << 4;
const B_COUNTS_MIN = 1 << 5;
const B_EMPTY_BODY = 1 << 6;
const B_QUERY_NO_Q = 1 << 7;
const B_TOO_MANY_Q = 1 << 8;
const B_MULTI_Q = 1 << 9;
const B_QUERY_ANSWERS = 1 << 10;
const B_Z = 1 << 11;
const B_RCODE_RESERVED = 1 << 12;
const B_QUERY_RCODE = 1 << 13;
const B_QUERY_RESP_FLAGS = 1 << 14;
const B_QR_DIRECTION = 1 << 15;
const B_UDP_512 = 1 << 16;

/**
 * Returns the bitmask of failed rules (0 = passes), restricted to
 * `enabledMask`. Reads `headLen` bytes of `head` from `off`; `messageLength`
 * is the full DNS message length (UDP payload length, or the TCP message
 * length after the 2-byte prefix), or -1 when unknown. Allocation-free.
 */
export function checkHeader(
  head: Uint8Array,
  off: number,
  headLen: number,
  messageLength: number,
  transport: 0 | 1,
  direction: 0 | 1,
  enabledMask: number = DEFAULT_RULES_MASK,
): number {
  let failed = 0;
  const knownLength = messageLength >= 0;
  if (knownLength && messageLength < HEADER_LEN) failed |= B_SHORT;
  if (headLen < 3) return (failed & enabledMask) >>> 0;

  const b2 = head[off + 2]!;
  const qr = b2 >> 7;
  const opcode = (b2 >> 3) & 0x0f;

  if (opcode === 3 || opcode >= 7) failed |= B_BAD_OPCODE;
  else if (opcode === OP_IQUERY || opcode === OP_STATUS) failed |= B_OBSOLETE_OPCODE;
  else if (opcode === OP_DSO && transport === TRANSPORT_UDP) failed |= B_DSO_UDP;
  if ((qr === 1) !== (direction === DIRECTION_TO_CLIENT)) failed |= B_QR_DIRECTION;

  if (headLen >= 4) {
    const b3 = head[off + 3]!;
    if ((b3 & 0x40) !== 0) failed |= B_Z;
    const rcode = b3 & 0x0f;
    if (rcode >= 11) failed |= B_RCODE_RESERVED;
    if (qr === 0) {
      if (rcode !== 0) failed |= B_QUERY_RCODE;
      // AA is bit 0x04 of byte 2, RA bit 0x80 of byte 3.
      if ((b2 & 0x04) !== 0 || (b3 & 0x80) !== 0) failed |= B_QUERY_RESP_FLAGS;
    }
  }

  if (headLen >= 6) {
    const qd = (head[off + 4]! << 8) | head[off + 5]!;
    if (qd > MAX_QUESTIONS) failed |= B_TOO_MANY_Q;
    if (qd > 1) failed |= B_MULTI_Q;
    if (qr === 0 && qd === 0 && opcode !== OP_DSO) failed |= B_QUERY_NO_Q;

    if (headLen >= 8) {
      const an = (head[off + 6]! << 8) | head[off + 7]!;
      const standardQuery = qr === 0 && opcode === OP_QUERY;
      if (standardQuery && an > 0) failed |= B_QUERY_ANSWERS;

      if (headLen >= 10) {
        const ns = (head[off + 8]! << 8) | head[off + 9]!;
        if (standardQuery && ns > 0) failed |= B_QUERY_ANSWERS;

        if (headLen >= HEADER_LEN && knownLength && messageLength >= HEADER_LEN) {
          const ar = (head[off + 10]! << 8) | head[off + 11]!;
          const rrs = an + ns + ar;
          if (HEADER_LEN + 2 * (qd + rrs) > messageLength) failed |= B_COUNTS_LEN;
          if (HEADER_LEN + MIN_QUESTION * qd + MIN_RR * rrs > messageLength) failed |= B_COUNTS_MIN;
          if (qd + rrs === 0 && messageLength > HEADER_LEN && opcode !== OP_DSO) failed |= B_EMPTY_BODY;
          // ar first: a compare reached only by the first UDP message over 512
          // bytes would have no type feedback and deoptimize the scoring loop.
          if (ar === 0 && transport === TRANSPORT_UDP && messageLength > UDP_CLASSIC_MAX) failed |= B_UDP_512;
        }
      }
    }
  }
  return (failed & enabledMask) >>> 0;
}

/** Names of the rules set in `mask`, in bit order (for alert output, not the per-packet path). */
export function ruleNames(mask: number): string[] {
  const out: string[] = [];
  for (const r of RULES) if ((mask >>> r.bit) & 1) out.push(r.name);
  return out;
}

export function ruleByName(name: string): HeaderRule | undefined {
  return RULES.find((r) => r.name === name);
}

/**
 * Parses a rule selection such as `"a,b,-c"`, starting from the default set:
 * `name` or `+name` enables a rule, `-name` disables it, `all` enables every
 * rule and `none` (or `-all`) clears the set. `default` resets to the default
 * set. An empty string gives the default set.
 */
export function parseRuleList(spec: string): number {
  let mask = DEFAULT_RULES_MASK;
  for (const raw of spec.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const negate = token.startsWith('-');
    const name = negate || token.startsWith('+') ? token.slice(1).trim() : token;
    if (name === 'all') {
      mask = negate ? 0 : ALL_RULES_MASK;
      continue;
    }
    if (name === 'none' && !negate) {
      mask = 0;
      continue;
    }
    if (name === 'default' && !negate) {
      mask = DEFAULT_RULES_MASK;
      continue;
    }
    const r = ruleByName(name);
    if (r === undefined) {
      throw new UsageError(
        `unknown header rule "${name}" (known: ${RULES.map((x) => x.name).join(', ')}, all, none, default)`,
      );
    }
    mask = negate ? (mask & ~(1 << r.bit)) >>> 0 : (mask | (1 << r.bit)) >>> 0;
  }
  return mask;
}
