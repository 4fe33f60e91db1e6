import { createRequire } from 'node:module';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AS_OK, decodeQuestion, newDnsQuestion, QS_OK, typeBit } from '../../../src/decode/dns/dns-question.js';

/**
 * dns-packet as an independent codec: messages built by its encoder from
 * random names, types and answers, decoded by it and by decodeQuestion.
 */

const require = createRequire(import.meta.url);
const types = require('dns-packet/types.js') as { toType(n: string): number };
const answerCodec = (dnsPacket as unknown as { answer: { encodingLength(a: unknown): number } }).answer;
const nameCodec = (dnsPacket as unknown as { name: { encodingLength(n: string): number } }).name;

// Label bytes dns-packet writes and reads back unchanged: printable ASCII without '.' and '\'.
const labelChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_*+=~!$ '.split(''));
const label = fc.string({ unit: labelChar, minLength: 1, maxLength: 63 });
const nameArb = fc
  .array(label, { minLength: 0, maxLength: 8 })
  .map((ls) => ls.join('.'))
  .filter((n) => n === '' || n.length <= 253);

const QTYPES = ['A', 'AAAA', 'TXT', 'NULL', 'CNAME', 'MX', 'NS', 'PTR', 'SRV', 'SOA', 'HTTPS', 'ANY', 'UNKNOWN_65280'] as const;

const answerArb = fc.oneof(
  fc.record({ type: fc.constant('A'), name: nameArb, data: fc.ipV4() }),
  fc.record({ type: fc.constant('AAAA'), name: nameArb, data: fc.constant('2001:db8::1') }),
  fc.record({ type: fc.constant('CNAME'), name: nameArb, data: nameArb.map((n) => n || 'x') }),
  fc.record({ type: fc.constant('NS'), name: nameArb, data: nameArb.map((n) => n || 'x') }),
  fc.record({ type: fc.constant('PTR'), name: nameArb, data: nameArb.map((n) => n || 'x') }),
  fc.record({ type: fc.constant('TXT'), name: nameArb, data: fc.array(fc.string({ unit: labelChar, maxLength: 200 }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ type: fc.constant('MX'), name: nameArb, data: fc.record({ preference: fc.nat(65535), exchange: nameArb.map((n) => n || 'x') }) }),
  fc.record({ type: fc.constant('SRV'), name: nameArb, data: fc.record({ priority: fc.nat(65535), weight: fc.nat(65535), port: fc.nat(65535), target: nameArb.map((n) => n || 'x') }) }),
  fc.record({ type: fc.constant('NULL'), name: nameArb, data: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) }),
);

const messageArb = fc.record({
  id: fc.nat(65535),
  response: fc.boolean(),
  qname: nameArb,
  qtype: fc.constantFrom(...QTYPES),
  qclass: fc.constantFrom('IN', 'CH', 'ANY'),
  answers: fc.array(answerArb, { maxLength: 6 }),
});

interface Decoded {
  questions?: Array<{ name: string; type: string; class: string }>;
  answers?: Array<{ name: string; type: string }>;
}

describe('decodeQuestion agrees with dns-packet on messages dns-packet built', () => {
  it('name (lower-cased), QTYPE, QCLASS, answer count, types and RDATA bytes', () => {
    const q = newDnsQuestion();
    let partial = 0;
    let withAnswers = 0;
    fc.assert(
      fc.property(messageArb, (m) => {
        const wire = dnsPacket.encode({
          id: m.id,
          type: m.response ? 'response' : 'query',
          flags: m.response ? dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE : dnsPacket.RECURSION_DESIRED,
          questions: [{ name: m.qname, type: m.qtype, class: m.qclass }],
          answers: m.answers,
        } as never);
        const ref = dnsPacket.decode(wire) as unknown as Decoded;
        // The stage keeps at most 512 bytes; answers past them are only counted as partial.
        const keep = Math.min(512, wire.length);
        expect(decodeQuestion(wire, 0, keep, wire.length, q)).toBe(QS_OK);
        const rq = ref.questions![0]!;
        const name = Buffer.from(q.name.subarray(0, q.nameLen)).toString('latin1');
        expect(name).toBe(rq.name === '.' ? '' : rq.name.toLowerCase());
        expect(q.qtype).toBe(types.toType(rq.type));
        expect(q.qclass).toBe(({ IN: 1, CH: 3, ANY: 255 } as Record<string, number>)[rq.class]);
        expect(q.labelCount).toBe(rq.name === '.' ? 0 : rq.name.split('.').length);
        const answers = ref.answers ?? [];
        expect(q.answerStatus).toBe(AS_OK);
        const walked = answers.slice(0, q.answersParsed);
        if (q.answersPartial) expect(q.answersParsed).toBeLessThan(answers.length);
        else expect(q.answersParsed).toBe(answers.length);
        expect(q.answersPartial).toBe(wire.length > 512 && q.answersParsed < answers.length);
        let mask = 0;
        let rdata = 0;
        for (const a of walked) {
          mask |= typeBit(types.toType(a.type));
          rdata += answerCodec.encodingLength(a) - nameCodec.encodingLength(a.name) - 10;
        }
        expect(q.answerTypeMask).toBe(mask);
        expect(q.rdataBytes).toBe(rdata);
        if (q.answersPartial) partial++;
        if (q.answersParsed > 0) withAnswers++;
      }),
      { numRuns: 1500, seed: 0x5eed },
    );
    // Both the whole-message and the cut-at-512 paths were compared.
    expect(partial).toBeGreaterThan(3);
    expect(withAnswers).toBeGreaterThan(500);
  });
});
