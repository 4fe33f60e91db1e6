import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeQuestion, newDnsQuestion, QS_OK } from '../../../src/decode/dns/dns-question.js';
import {
  addQuery,
  addResponse,
  distinctNames,
  QUESTION_FEATURE_COUNT,
  QUESTION_FEATURES,
  windowFeatures,
} from '../../../src/features/question/question-features.js';
import { WindowTable } from '../../../src/features/question/window-table.js';

const WINDOW_SEC = 60;
type Feature = (typeof QUESTION_FEATURES)[number];

interface Msg {
  name: string;
  qtype?: string;
  response?: boolean;
  rcode?: number;
  answers?: dnsPacket.Answer[];
  ts: number;
}

const QTYPES: Record<string, number> = { A: 1, AAAA: 28, TXT: 16, NULL: 10, CNAME: 5, MX: 15, PTR: 12, SRV: 33, CAA: 257, ANY: 255 };

/** A query message for `name` (a latin1 string: one byte per character, so binary labels survive). */
function queryWire(name: string, qtype: string): Uint8Array {
  const labels = name === '' ? [] : name.split('.').map((l) => Buffer.from(l, 'latin1'));
  const qname = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])]);
  const b = Buffer.alloc(12 + qname.length + 4);
  b.writeUInt16BE(0x1234, 0);
  b.writeUInt16BE(0x0100, 2);
  b.writeUInt16BE(1, 4);
  qname.copy(b, 12);
  b.writeUInt16BE(QTYPES[qtype]!, 12 + qname.length);
  b.writeUInt16BE(1, 14 + qname.length);
  return new Uint8Array(b);
}

/** A window of `domain` (the last `domLabels` labels of each name) fed the messages, and its features by name. */
function windowOf(domain: string, msgs: readonly Msg[]): { f: Record<Feature, number>; t: WindowTable; s: number } {
  const t = new WindowTable(4, WINDOW_SEC, () => undefined);
  const dom = Buffer.from(domain, 'latin1');
  const s = t.open(1, 2, 3, 4, 4, 77, dom, 0, dom.length, msgs[0]!.ts);
  const q = newDnsQuestion();
  const domLabels = domain.split('.').length;
  for (const m of msgs) {
    const bytes =
      m.response === true
        ? new Uint8Array(
            dnsPacket.encode({
              type: 'response',
              id: 1,
              flags: dnsPacket.RECURSION_DESIRED | (m.rcode ?? 0),
              questions: [{ type: (m.qtype ?? 'A') as dnsPacket.RecordType, class: 'IN', name: m.name }],
              answers: m.answers ?? [],
            }),
          )
        : queryWire(m.name, m.qtype ?? 'A');
    expect(decodeQuestion(bytes, 0, bytes.length, bytes.length, q)).toBe(QS_OK);
    if (m.response === true) addResponse(t, s, q, m.ts);
    else addQuery(t, s, q, q.labelCount - domLabels, m.ts);
  }
  const out = new Float32Array(QUESTION_FEATURE_COUNT);
  windowFeatures(t, s, WINDOW_SEC, out, 0);
  const f = Object.fromEntries(QUESTION_FEATURES.map((n, i) => [n, out[i]!])) as Record<Feature, number>;
  return { f, t, s };
}

/** Shannon entropy in bits of the histogram of characters of `text` in the feature's bins (a-z, 0-9, '-', '_', other). */
function binEntropy(text: string): number {
  const bins = new Map<string, number>();
  for (const ch of text) {
    const k = /[a-z0-9_-]/.test(ch) ? ch : 'other';
    bins.set(k, (bins.get(k) ?? 0) + 1);
  }
  let h = 0;
  for (const c of bins.values()) h -= (c / text.length) * Math.log2(c / text.length);
  return h;
}

/**
 * Features may be rounded to a fixed step before the model sees them (eight
 * bits: QUANT in question-features.ts), so a feature is checked to within
 * half of such a step of the value computed here.
 */
const TOLERANCE = 0.5 / 255 + 1e-6;
function near(got: number, want: number): void {
  expect(Math.abs(got - want), `got ${got}, want ${want}`).toBeLessThanOrEqual(TOLERANCE);
}

const at = (names: string[], step = 1, qtype = 'A'): Msg[] => names.map((name, i) => ({ name, qtype, ts: 1000 + i * step }));

describe('question features of hand-built windows', () => {
  it('counts, lengths, labels and the character shares of the subdomain part', () => {
    const names = ['abc.example.com', 'x1-y_2.www.example.com', 'zzzz.example.com'];
    const { f } = windowOf('example.com', at(names));
    // Subdomains: "abc", "x1-y_2.www", "zzzz": 3 + 10 + 4 bytes, 1 + 2 + 1 labels.
    near(f.queries, Math.log1p(3) / Math.log1p(10_000));
    expect(f.responses).toBe(0);
    near(f.mean_subdomain_length, 17 / 3 / 128);
    near(f.max_subdomain_length, 10 / 255);
    near(f.mean_subdomain_labels, 4 / 3 / 8);
    near(f.max_subdomain_labels, 2 / 32);
    near(f.max_label_length, 6 / 63);
    expect(f.long_label_share).toBe(0);
    // Characters (dots excluded): abc x1-y_2 www zzzz = 16 characters.
    const chars = 'abcx1-y_2wwwzzzz';
    near(f.subdomain_entropy, binEntropy(chars) / Math.log2(39));
    near(f.hex_letter_share, 3 / 16); // a b c
    near(f.other_letter_share, 9 / 16); // x y w w w z z z z
    near(f.digit_share, 2 / 16);
    near(f.hyphen_underscore_share, 2 / 16);
    expect(f.non_ldh_share).toBe(0);
    // A share weighted by how many queries show it: 3 queries give log1p(3) / log1p(16) of the full weight.
    near(f.qtype_a, Math.log1p(3) / Math.log1p(16));
    expect(f.response_ratio).toBe(0);
  });

  it('entropy of a known histogram: a uniform one over 32 symbols is 5 bits', () => {
    // base32 alphabet a-z and 2-7: one each, so entropy = log2(32) exactly.
    const label = 'abcdefghijklmnopqrstuvwxyz234567';
    const { f } = windowOf('t.test', [{ name: `${label}.t.test`, ts: 0 }]);
    near(f.subdomain_entropy, 5 / Math.log2(39));
    near(f.max_label_length, 32 / 63);
    expect(f.long_label_share).toBe(1); // 32 bytes is "long"
    // A single repeated character has no entropy.
    expect(windowOf('t.test', [{ name: 'aaaaaaaa.t.test', ts: 0 }]).f.subdomain_entropy).toBe(0);
  });

  it('non-LDH bytes and non-ASCII queries', () => {
    const { f } = windowOf('example.com', [
      { name: 'a\xffb.example.com', ts: 0 },
      { name: 'plain.example.com', ts: 1 },
    ]);
    // Subdomain characters: a 0xff b | p l a i n = 8, one of them other.
    near(f.non_ldh_share, 1 / 8);
    near(f.non_ascii_query_share, 1 / 2);
  });

  it('query type shares', () => {
    const msgs: Msg[] = [
      ...at(['a.x.org', 'b.x.org'], 1, 'TXT'),
      ...at(['c.x.org'], 1, 'NULL'),
      ...at(['d.x.org'], 1, 'MX'),
      ...at(['e.x.org'], 1, 'CAA'),
    ];
    const { f } = windowOf('x.org', msgs);
    // Shares times the weight of 5 queries (full weight from 16 queries on).
    const wq = Math.log1p(5) / Math.log1p(16);
    near(f.qtype_txt, (2 / 5) * wq);
    near(f.qtype_null, (1 / 5) * wq);
    near(f.qtype_mx, (1 / 5) * wq);
    near(f.qtype_other, (1 / 5) * wq);
    expect(f.qtype_a + f.qtype_aaaa + f.qtype_cname + f.qtype_ptr + f.qtype_srv).toBe(0);
  });

  it('response features: rcodes, answers, rdata and answer types', () => {
    const msgs: Msg[] = [
      { name: 'q1.x.org', ts: 0 },
      { name: 'q2.x.org', ts: 1 },
      { name: 'q1.x.org', response: true, ts: 2, answers: [{ type: 'TXT', name: 'q1.x.org', data: 'hello' }] },
      { name: 'q2.x.org', response: true, ts: 3, rcode: 3 },
      { name: 'q3.x.org', response: true, ts: 4, rcode: 2 },
      {
        name: 'q4.x.org',
        response: true,
        ts: 5,
        answers: [
          { type: 'CNAME', name: 'q4.x.org', data: 'y.x.org' },
          { type: 'A', name: 'y.x.org', data: '192.0.2.1' },
        ],
      },
    ];
    const { f } = windowOf('x.org', msgs);
    near(f.responses, Math.log1p(4) / Math.log1p(10_000));
    // Response shares times the weight of 4 responses.
    const wr = Math.log1p(4) / Math.log1p(16);
    near(f.nxdomain_share, (1 / 4) * wr);
    near(f.error_share, (1 / 4) * wr);
    near(f.answers_per_response, 3 / 4 / 16);
    // RDATA: TXT "hello" = 6 bytes; CNAME y.x.org = 9; A = 4: 19 bytes over 4 responses, in whole bytes.
    near(f.rdata_per_response, Math.log1p(Math.floor(19 / 4)) / Math.log1p(65_536));
    near(f.txt_null_answer_share, (1 / 4) * wr);
    near(f.cname_answer_share, (1 / 4) * wr);
    near(f.response_ratio, 4 / 2 / 2);
    near(f.duration, 5 / WINDOW_SEC);
  });

  it('query interval CV: zero for periodic queries, the gaps\' own CV for irregular ones', () => {
    const periodic = windowOf('x.org', at(['a.x.org', 'b.x.org', 'c.x.org', 'd.x.org', 'e.x.org'], 2)).f;
    expect(periodic.query_interval_cv).toBe(0);
    near(periodic.duration, 8 / WINDOW_SEC);
    const times = [0, 0.1, 0.3, 3, 3.05, 9];
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    const irregular = windowOf(
      'x.org',
      times.map((ts, i) => ({ name: `n${i}.x.org`, ts })),
    ).f;
    expect(sd / mean).toBeGreaterThan(0.5);
    near(irregular.query_interval_cv, Math.min(1, sd / mean / 3));
    // Fewer than three queries: no interval statistics.
    expect(windowOf('x.org', at(['a.x.org', 'b.x.org'], 7)).f.query_interval_cv).toBe(0);
  });

  it('name bytes per second over the window\'s duration (at least one second)', () => {
    // 4 queries of a 10-byte subdomain over 3 seconds, in whole bytes per second.
    const { f } = windowOf('x.org', at(['abcdefghij.x.org', 'bbcdefghij.x.org', 'cbcdefghij.x.org', 'dbcdefghij.x.org'], 1));
    near(f.name_bytes_per_second, Math.log1p(Math.floor(40 / 3)) / Math.log1p(100_000));
  });

  it('the registered domain\'s own features: length, longest label, digit share', () => {
    const { f } = windowOf('a1b2c3d4e5f6.org', [{ name: 'www.a1b2c3d4e5f6.org', ts: 0 }]);
    near(f.domain_length, 16 / 128);
    near(f.domain_max_label, 12 / 63);
    near(f.domain_digit_share, 6 / 16);
    // A query for the registered domain itself has no subdomain.
    const bare = windowOf('example.com', [{ name: 'example.com', ts: 0 }]).f;
    expect(bare.mean_subdomain_length).toBe(0);
    expect(bare.subdomain_entropy).toBe(0);
    expect(bare.hex_letter_share).toBe(0);
  });

  it('distinct names: linear counting is exact for a few names and saturates at 128 ln 128 as documented', () => {
    const estimate = (n: number, repeat = 1): { est: number; f: Record<Feature, number> } => {
      const names: string[] = [];
      for (let r = 0; r < repeat; r++) for (let i = 0; i < n; i++) names.push(`host${i}.x.org`);
      const w = windowOf('x.org', at(names, 0.01));
      return { est: distinctNames(w.t, w.s), f: w.f };
    };
    // Repeats do not count.
    expect(estimate(1, 5).est).toBeCloseTo(-128 * Math.log(127 / 128), 9);
    for (const n of [1, 2, 5, 10, 20]) {
      const { est, f } = estimate(n);
      // Linear counting over 128 bits: a collision among n names is the only error; within 15% at these sizes.
      expect(Math.abs(est - n) / n, `n=${n} est=${est}`).toBeLessThan(0.15);
      near(f.distinct_ratio, Math.min(1, est / n));
      near(f.distinct_names, Math.log1p(est) / Math.log1p(1_000));
    }
    // Thousands of names fill the map: the estimate stops at 128 ln 128 (about 621).
    const sat = estimate(3000).est;
    expect(sat).toBeCloseTo(128 * Math.log(128), 6);
  });

  it('every feature is finite and in [0, 1] for random windows (property)', () => {
    const label = fc.uint8Array({ minLength: 1, maxLength: 63 }).map((b) => Array.from(b, (c) => (c === 0x2e || c === 0x5c ? 'q' : String.fromCharCode(c))).join(''));
    const msg = fc.record({
      sub: fc.array(label, { maxLength: 3 }),
      qtype: fc.constantFrom('A', 'AAAA', 'TXT', 'NULL', 'CNAME', 'MX', 'PTR', 'SRV', 'CAA', 'ANY'),
      response: fc.boolean(),
      rcode: fc.integer({ min: 0, max: 15 }),
      dt: fc.double({ min: 0, max: 30, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(msg, { minLength: 1, maxLength: 40 }), fc.constantFrom('x.org', 'a1b2c3.example', 'co.uk'), (msgs, domain) => {
        let ts = 0;
        const ms: Msg[] = msgs.map((m) => {
          ts += m.dt;
          const name = [...m.sub, domain].join('.');
          return { name: Buffer.byteLength(name, 'latin1') > 250 ? domain : name, qtype: m.qtype, response: m.response, rcode: m.rcode, ts };
        });
        const { f } = windowOf(domain, ms);
        for (const n of QUESTION_FEATURES) {
          expect(Number.isFinite(f[n]), n).toBe(true);
          expect(f[n], n).toBeGreaterThanOrEqual(0);
          expect(f[n], n).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });
});
