import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ALL_RULES_MASK,
  DEFAULT_RULES_MASK,
  RULES,
  checkHeader,
  parseRuleList,
  ruleByName,
  ruleNames,
} from '../../src/rules/header-rules.js';
import { UsageError } from '../../src/errors.js';

interface HeaderSpec {
  id?: number;
  qr?: 0 | 1;
  opcode?: number;
  aa?: boolean;
  tc?: boolean;
  rd?: boolean;
  ra?: boolean;
  z?: boolean;
  ad?: boolean;
  cd?: boolean;
  rcode?: number;
  qd?: number;
  an?: number;
  ns?: number;
  ar?: number;
}

/** Wire-format header per RFC 1035 4.1.1, built field by field. */
function hdr(s: HeaderSpec): Uint8Array {
  const b = new Uint8Array(12);
  const id = s.id ?? 0x1234;
  b[0] = id >> 8;
  b[1] = id & 0xff;
  b[2] = ((s.qr ?? 0) << 7) | ((s.opcode ?? 0) << 3) | (s.aa ? 0x04 : 0) | (s.tc ? 0x02 : 0) | (s.rd ? 0x01 : 0);
  b[3] = (s.ra ? 0x80 : 0) | (s.z ? 0x40 : 0) | (s.ad ? 0x20 : 0) | (s.cd ? 0x10 : 0) | (s.rcode ?? 0);
  const put = (i: number, v: number): void => {
    b[i] = v >> 8;
    b[i + 1] = v & 0xff;
  };
  put(4, s.qd ?? 0);
  put(6, s.an ?? 0);
  put(8, s.ns ?? 0);
  put(10, s.ar ?? 0);
  return b;
}

const bit = (name: string): number => {
  const r = ruleByName(name);
  if (r === undefined) throw new Error(`no rule ${name}`);
  return 1 << r.bit;
};

const UDP = 0;
const TCP = 1;
const TO_SERVER = 0;
const TO_CLIENT = 1;

/** Failed rules among all rules, for a whole header. */
function failed(h: Uint8Array, length: number, transport: 0 | 1 = UDP, direction: 0 | 1 = TO_SERVER): number {
  return checkHeader(h, 0, h.length, length, transport, direction, ALL_RULES_MASK);
}

const has = (mask: number, name: string): boolean => (mask & bit(name)) !== 0;

// A plain recursive query with one question and an EDNS OPT record, as dig sends it.
const query = hdr({ rd: true, qd: 1, ar: 1 });
const QUERY_LEN = 12 + 17 + 11; // "example.com." question + bare OPT
const response = hdr({ qr: 1, rd: true, ra: true, qd: 1, an: 1, ar: 1 });

describe('rule metadata', () => {
  it('has unique snake_case names and bits equal to the position', () => {
    const names = new Set<string>();
    RULES.forEach((r, i) => {
      expect(r.name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      expect(names.has(r.name)).toBe(false);
      names.add(r.name);
      expect(r.bit).toBe(i);
      expect(r.description.length).toBeGreaterThan(10);
      expect(r.source.length).toBeGreaterThan(5);
      expect(r.needsBytes).toBeGreaterThanOrEqual(0);
      expect(r.needsBytes).toBeLessThanOrEqual(12);
    });
    expect(RULES.length).toBeLessThanOrEqual(31);
  });

  it('derives the default and all masks from the table', () => {
    let d = 0;
    let a = 0;
    for (const r of RULES) {
      a |= 1 << r.bit;
      if (r.defaultOn) d |= 1 << r.bit;
    }
    expect(DEFAULT_RULES_MASK).toBe(d >>> 0);
    expect(ALL_RULES_MASK).toBe(a >>> 0);
  });
});

describe('well-formed messages', () => {
  it('a query and a response pass every rule', () => {
    expect(failed(query, QUERY_LEN, UDP, TO_SERVER)).toBe(0);
    expect(failed(response, 12 + 17 + 16 + 11, UDP, TO_CLIENT)).toBe(0);
  });

  it('a TCP AXFR response with hundreds of answers passes when the length supports them', () => {
    const axfr = hdr({ qr: 1, aa: true, qd: 1, an: 500 });
    const minLen = 12 + 5 + 11 * 500;
    expect(failed(axfr, minLen, TCP, TO_CLIENT)).toBe(0);
    expect(has(failed(axfr, minLen - 1, TCP, TO_CLIENT), 'counts_exceed_min_record_size')).toBe(true);
  });

  it('NOTIFY and UPDATE requests pass the default rules', () => {
    // RFC 1996 3.7: NOTIFY may carry the new SOA in the answer section, with AA set.
    const notify = hdr({ opcode: 4, aa: true, qd: 1, an: 1 });
    expect(checkHeader(notify, 0, 12, 12 + 5 + 11, UDP, TO_SERVER)).toBe(0);
    // RFC 2136 2.2: zone, prerequisite, update and additional (TSIG) sections.
    const update = hdr({ opcode: 5, qd: 1, an: 1, ns: 2, ar: 1 });
    expect(checkHeader(update, 0, 12, 12 + 5 + 4 * 11, UDP, TO_SERVER)).toBe(0);
  });

  it('reads the header at an offset', () => {
    const bad = hdr({ opcode: 9, z: true, qd: 30 });
    const buf = new Uint8Array(40);
    buf.set(bad, 17);
    expect(checkHeader(buf, 17, 12, 200, UDP, TO_SERVER, ALL_RULES_MASK)).toBe(failed(bad, 200));
    expect(failed(bad, 200)).not.toBe(0);
  });
});

describe('short_header', () => {
  it.each(Array.from({ length: 12 }, (_, n) => n))('fails a %i-byte message', (n) => {
    const h = query.subarray(0, n);
    expect(has(checkHeader(h, 0, n, n, UDP, TO_SERVER), 'short_header')).toBe(true);
  });

  it('passes a 12-byte message', () => {
    const h = hdr({ qr: 1, rcode: 1 }); // FORMERR with no records: header only
    expect(has(failed(h, 12, UDP, TO_CLIENT), 'short_header')).toBe(false);
    expect(failed(h, 12, UDP, TO_CLIENT)).toBe(0);
  });

  it('does not fire when the length is unknown', () => {
    for (let n = 0; n <= 12; n++) expect(has(checkHeader(query, 0, n, -1, UDP, TO_SERVER), 'short_header')).toBe(false);
  });
});

describe('partial headers', () => {
  // Every field wrong: a rule may only fire if the bytes it reads are present.
  const worst = hdr({ qr: 0, opcode: 15, aa: true, ra: true, z: true, rcode: 15, qd: 0xffff, an: 0xffff, ns: 0xffff, ar: 0 });

  it.each(Array.from({ length: 13 }, (_, n) => n))('with %i header bytes only rules reading at most that many fire', (n) => {
    const mask = checkHeader(worst, 0, n, 1000, UDP, TO_SERVER, ALL_RULES_MASK);
    for (const r of RULES) {
      if ((mask >>> r.bit) & 1) expect(r.needsBytes, r.name).toBeLessThanOrEqual(n);
    }
    if (n >= 3) expect(has(mask, 'bad_opcode')).toBe(true);
  });

  it('skips every length rule when the length is unknown', () => {
    const mask = checkHeader(worst, 0, 12, -1, UDP, TO_SERVER, ALL_RULES_MASK);
    for (const r of RULES) if (r.needsLength) expect((mask >>> r.bit) & 1, r.name).toBe(0);
    expect(has(mask, 'too_many_questions')).toBe(true);
  });

  it('a capture cut below 12 bytes is not failed on counts it does not show', () => {
    const big = hdr({ qr: 1, qd: 1, an: 1, ns: 0, ar: 0xffff });
    expect(has(failed(big, 40, UDP, TO_CLIENT), 'counts_exceed_length')).toBe(true);
    expect(checkHeader(big, 0, 11, 40, UDP, TO_CLIENT, ALL_RULES_MASK)).toBe(0);
  });
});

describe('opcodes', () => {
  // RFC 6895 2.2 / IANA: 0 QUERY, 1 IQUERY (obsolete), 2 STATUS, 3 unassigned,
  // 4 NOTIFY, 5 UPDATE, 6 DSO, 7-15 unassigned.
  const expected: Record<number, { udp: string[]; tcp: string[] }> = {
    0: { udp: [], tcp: [] },
    1: { udp: ['obsolete_opcode'], tcp: ['obsolete_opcode'] },
    2: { udp: ['obsolete_opcode'], tcp: ['obsolete_opcode'] },
    3: { udp: ['bad_opcode'], tcp: ['bad_opcode'] },
    4: { udp: [], tcp: [] },
    5: { udp: [], tcp: [] },
    6: { udp: ['dso_over_udp'], tcp: [] },
  };
  for (let op = 7; op <= 15; op++) expected[op] = { udp: ['bad_opcode'], tcp: ['bad_opcode'] };
  const opcodeRules = ['bad_opcode', 'obsolete_opcode', 'dso_over_udp'];

  it.each(Array.from({ length: 16 }, (_, op) => op))('opcode %i', (op) => {
    const h = hdr({ opcode: op, qd: 1 });
    for (const [transport, key] of [[UDP, 'udp'], [TCP, 'tcp']] as const) {
      const mask = failed(h, 17, transport, TO_SERVER);
      const got = opcodeRules.filter((n) => has(mask, n));
      expect(got, `${key}`).toEqual(expected[op]![key]);
    }
  });
});

describe('counts against the length', () => {
  const cases = [
    { qd: 1, an: 0, ns: 0, ar: 0 },
    { qd: 1, an: 3, ns: 2, ar: 1 },
    { qd: 0, an: 7, ns: 0, ar: 0 },
    { qd: 2, an: 0, ns: 0, ar: 9 },
  ];

  it.each(cases)('counts_exceed_length at 12 + 2 x records: %o', (c) => {
    const h = hdr({ qr: 1, ...c });
    const n = c.qd + c.an + c.ns + c.ar;
    const edge = 12 + 2 * n;
    expect(has(failed(h, edge, TCP, TO_CLIENT), 'counts_exceed_length')).toBe(false);
    expect(has(failed(h, edge - 1, TCP, TO_CLIENT), 'counts_exceed_length')).toBe(true);
    expect(has(failed(h, edge + 1, TCP, TO_CLIENT), 'counts_exceed_length')).toBe(false);
  });

  it.each(cases)('counts_exceed_min_record_size at 12 + 5 x questions + 11 x RRs: %o', (c) => {
    const h = hdr({ qr: 1, ...c });
    const edge = 12 + 5 * c.qd + 11 * (c.an + c.ns + c.ar);
    expect(has(failed(h, edge, TCP, TO_CLIENT), 'counts_exceed_min_record_size')).toBe(false);
    expect(has(failed(h, edge - 1, TCP, TO_CLIENT), 'counts_exceed_min_record_size')).toBe(true);
  });

  it('does not overflow on maximal counts', () => {
    const h = hdr({ qr: 1, qd: 0xffff, an: 0xffff, ns: 0xffff, ar: 0xffff });
    const mask = failed(h, 65535, TCP, TO_CLIENT);
    expect(has(mask, 'counts_exceed_length')).toBe(true);
    expect(has(mask, 'counts_exceed_min_record_size')).toBe(true);
  });
});

describe('empty_header_with_body', () => {
  const empty = hdr({ qr: 1, rcode: 1 });

  it('passes a bare header and fails one with trailing bytes', () => {
    expect(has(failed(empty, 12, UDP, TO_CLIENT), 'empty_header_with_body')).toBe(false);
    expect(has(failed(empty, 13, UDP, TO_CLIENT), 'empty_header_with_body')).toBe(true);
  });

  it('exempts DSO, whose TLVs follow a header with zero counts', () => {
    const dso = hdr({ opcode: 6 });
    expect(failed(dso, 12 + 4 + 4, TCP, TO_SERVER)).toBe(0);
  });
});

describe('question count rules', () => {
  it('query_without_question: a query needs a question, a response or DSO does not', () => {
    expect(has(failed(hdr({ qd: 0, ar: 1 }), 23), 'query_without_question')).toBe(true);
    expect(has(failed(hdr({ qd: 1 }), 17), 'query_without_question')).toBe(false);
    expect(has(failed(hdr({ qr: 1, qd: 0, an: 1 }), 23, UDP, TO_CLIENT), 'query_without_question')).toBe(false);
    expect(has(failed(hdr({ opcode: 6 }), 12, TCP), 'query_without_question')).toBe(false);
  });

  it('too_many_questions: 25 pass, 26 fail', () => {
    expect(has(failed(hdr({ qd: 25 }), 12 + 25 * 5), 'too_many_questions')).toBe(false);
    expect(has(failed(hdr({ qd: 26 }), 12 + 26 * 5), 'too_many_questions')).toBe(true);
  });

  it('multiple_questions: 1 passes, 2 fail', () => {
    expect(has(failed(hdr({ qd: 1 }), 17), 'multiple_questions')).toBe(false);
    expect(has(failed(hdr({ qd: 2 }), 22), 'multiple_questions')).toBe(true);
  });
});

describe('query_with_answers', () => {
  it('fails a standard query with answers or authority records', () => {
    expect(has(failed(hdr({ qd: 1, an: 1 }), 28), 'query_with_answers')).toBe(true);
    expect(has(failed(hdr({ qd: 1, ns: 1 }), 28), 'query_with_answers')).toBe(true);
    expect(has(failed(hdr({ qd: 1, ar: 1 }), 28), 'query_with_answers')).toBe(false);
  });

  it('accepts answers in NOTIFY, UPDATE and responses', () => {
    expect(has(failed(hdr({ opcode: 4, qd: 1, an: 1 }), 28), 'query_with_answers')).toBe(false);
    expect(has(failed(hdr({ opcode: 5, qd: 1, an: 1, ns: 1 }), 39), 'query_with_answers')).toBe(false);
    expect(has(failed(hdr({ qr: 1, qd: 1, an: 1, ns: 1 }), 39, UDP, TO_CLIENT), 'query_with_answers')).toBe(false);
  });

  it('uses ANCOUNT alone when NSCOUNT was not captured', () => {
    const h = hdr({ qd: 1, an: 0, ns: 1 });
    expect(checkHeader(h, 0, 8, -1, UDP, TO_SERVER, bit('query_with_answers'))).toBe(0);
    expect(checkHeader(h, 0, 10, -1, UDP, TO_SERVER, bit('query_with_answers'))).toBe(bit('query_with_answers'));
  });
});

describe('flag rules', () => {
  it('z_bit_set', () => {
    expect(has(failed(hdr({ qd: 1, z: true }), 17), 'z_bit_set')).toBe(true);
    // AD and CD sit next to Z and are legitimate (RFC 4035 3.2).
    expect(has(failed(hdr({ qd: 1, ad: true, cd: true }), 17), 'z_bit_set')).toBe(false);
  });

  it.each(Array.from({ length: 16 }, (_, r) => r))('reserved_rcode for header RCODE %i', (rc) => {
    const mask = failed(hdr({ qr: 1, qd: 1, rcode: rc }), 17, UDP, TO_CLIENT);
    expect(has(mask, 'reserved_rcode')).toBe(rc >= 11);
  });

  it('query_with_rcode', () => {
    expect(has(failed(hdr({ qd: 1, rcode: 0 }), 17), 'query_with_rcode')).toBe(false);
    expect(has(failed(hdr({ qd: 1, rcode: 3 }), 17), 'query_with_rcode')).toBe(true);
    expect(has(failed(hdr({ qr: 1, qd: 1, rcode: 3 }), 17, UDP, TO_CLIENT), 'query_with_rcode')).toBe(false);
  });

  it('response_flags_in_query', () => {
    expect(has(failed(hdr({ qd: 1, aa: true }), 17), 'response_flags_in_query')).toBe(true);
    expect(has(failed(hdr({ qd: 1, ra: true }), 17), 'response_flags_in_query')).toBe(true);
    expect(has(failed(hdr({ qd: 1, rd: true, ad: true, cd: true }), 17), 'response_flags_in_query')).toBe(false);
    expect(has(failed(hdr({ qr: 1, qd: 1, aa: true, ra: true }), 17, UDP, TO_CLIENT), 'response_flags_in_query')).toBe(false);
  });

  it('qr_direction_mismatch', () => {
    const q = hdr({ qd: 1 });
    const r = hdr({ qr: 1, qd: 1 });
    expect(has(failed(q, 17, UDP, TO_SERVER), 'qr_direction_mismatch')).toBe(false);
    expect(has(failed(r, 17, UDP, TO_CLIENT), 'qr_direction_mismatch')).toBe(false);
    expect(has(failed(q, 17, UDP, TO_CLIENT), 'qr_direction_mismatch')).toBe(true);
    expect(has(failed(r, 17, UDP, TO_SERVER), 'qr_direction_mismatch')).toBe(true);
  });
});

describe('udp_over_512_without_additional', () => {
  const noEdns = hdr({ qr: 1, qd: 1, an: 30 });
  const withEdns = hdr({ qr: 1, qd: 1, an: 30, ar: 1 });

  it('fails a UDP message over 512 bytes with ARCOUNT 0', () => {
    expect(has(failed(noEdns, 512, UDP, TO_CLIENT), 'udp_over_512_without_additional')).toBe(false);
    expect(has(failed(noEdns, 513, UDP, TO_CLIENT), 'udp_over_512_without_additional')).toBe(true);
  });

  it('passes with an additional record or over TCP', () => {
    expect(has(failed(withEdns, 1400, UDP, TO_CLIENT), 'udp_over_512_without_additional')).toBe(false);
    expect(has(failed(noEdns, 1400, TCP, TO_CLIENT), 'udp_over_512_without_additional')).toBe(false);
  });
});

describe('enabled mask', () => {
  it('reports only enabled rules and uses the defaults when omitted', () => {
    const h = hdr({ qd: 2, rcode: 3, aa: true });
    const all = failed(h, 22);
    expect(has(all, 'multiple_questions')).toBe(true);
    expect(checkHeader(h, 0, 12, 22, UDP, TO_SERVER)).toBe((all & DEFAULT_RULES_MASK) >>> 0);
    expect(checkHeader(h, 0, 12, 22, UDP, TO_SERVER, 0)).toBe(0);
    expect(checkHeader(h, 0, 12, 22, UDP, TO_SERVER, bit('multiple_questions'))).toBe(bit('multiple_questions'));
  });

  it('never throws and stays inside the mask on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 12 }),
        fc.integer({ min: -1, max: 70000 }),
        fc.constantFrom(0 as const, 1 as const),
        fc.constantFrom(0 as const, 1 as const),
        fc.integer({ min: 0, max: 0x7fffffff }),
        (bytes, len, transport, direction, enabled) => {
          const m = checkHeader(bytes, 0, bytes.length, len, transport, direction, enabled);
          expect(Number.isInteger(m)).toBe(true);
          expect(m >= 0).toBe(true);
          expect((m & ~(enabled & ALL_RULES_MASK)) >>> 0).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('ruleNames', () => {
  it('maps masks to names in bit order', () => {
    expect(ruleNames(0)).toEqual([]);
    for (const r of RULES) expect(ruleNames(1 << r.bit)).toEqual([r.name]);
    expect(ruleNames(ALL_RULES_MASK)).toEqual(RULES.map((r) => r.name));
    expect(ruleNames(bit('z_bit_set') | bit('short_header'))).toEqual(['short_header', 'z_bit_set']);
  });
});

describe('parseRuleList', () => {
  it('starts from the default set', () => {
    expect(parseRuleList('')).toBe(DEFAULT_RULES_MASK);
    expect(parseRuleList(' , ')).toBe(DEFAULT_RULES_MASK);
    expect(parseRuleList('default')).toBe(DEFAULT_RULES_MASK);
  });

  it('adds, removes and resets', () => {
    const extra = RULES.find((r) => !r.defaultOn)!;
    const dflt = RULES.find((r) => r.defaultOn)!;
    expect(parseRuleList(extra.name)).toBe((DEFAULT_RULES_MASK | (1 << extra.bit)) >>> 0);
    expect(parseRuleList(`+${extra.name}`)).toBe((DEFAULT_RULES_MASK | (1 << extra.bit)) >>> 0);
    expect(parseRuleList(`-${dflt.name}`)).toBe((DEFAULT_RULES_MASK & ~(1 << dflt.bit)) >>> 0);
    expect(parseRuleList('none,bad_opcode,z_bit_set')).toBe(bit('bad_opcode') | bit('z_bit_set'));
    expect(parseRuleList('-all,short_header')).toBe(bit('short_header'));
    expect(parseRuleList('all,-short_header')).toBe((ALL_RULES_MASK & ~bit('short_header')) >>> 0);
    expect(parseRuleList('none,default')).toBe(DEFAULT_RULES_MASK);
  });

  it('rejects unknown names with a usage error', () => {
    expect(() => parseRuleList('bad_opcode,no_such_rule')).toThrow(UsageError);
    expect(() => parseRuleList('-nope')).toThrow(/unknown header rule "nope"/);
  });
});
