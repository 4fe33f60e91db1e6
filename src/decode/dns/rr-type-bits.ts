/**
 * One bit per RR type family for the answer-section summary, so a feature
 * can ask "did the answers hold TXT or NULL" with one AND.
 */
export const TB_A = 1 << 0;
export const TB_AAAA = 1 << 1;
export const TB_CNAME = 1 << 2;
export const TB_TXT = 1 << 3;
export const TB_NULL = 1 << 4;
export const TB_MX = 1 << 5;
export const TB_NS = 1 << 6;
export const TB_PTR = 1 << 7;
export const TB_SRV = 1 << 8;
export const TB_SOA = 1 << 9;
export const TB_DNAME = 1 << 10;
/** HTTPS (65) and SVCB (64), RFC 9460. */
export const TB_SVCB = 1 << 11;
export const TB_KEY = 1 << 12;
export const TB_OTHER = 1 << 13;

/** [RR type, bit] for every type with a bit of its own (RFC 1035 3.2.2, 3596, 2782, 6672, 9460, 2535). */
export const RR_TYPE_BITS: ReadonlyArray<readonly [number, number]> = [
  [1, TB_A],
  [28, TB_AAAA],
  [5, TB_CNAME],
  [16, TB_TXT],
  [10, TB_NULL],
  [15, TB_MX],
  [2, TB_NS],
  [12, TB_PTR],
  [33, TB_SRV],
  [6, TB_SOA],
  [39, TB_DNAME],
  [64, TB_SVCB],
  [65, TB_SVCB],
  [25, TB_KEY],
];

// Every listed type is below 256, so a 256-entry table covers them (the question lane reads a copy of it).
export const RR_TYPE_BIT_TABLE = new Uint16Array(256).fill(TB_OTHER);
for (const [t, bit] of RR_TYPE_BITS) RR_TYPE_BIT_TABLE[t] = bit;

/** Bit for an RR type in DnsQuestion.answerTypeMask. */
export function typeBit(rrtype: number): number {
  return rrtype >= 0 && rrtype < 256 ? RR_TYPE_BIT_TABLE[rrtype]! : TB_OTHER;
}
