import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES_MASK, checkHeader, ruleNames } from '../../src/rules/header-rules.js';
import { decodesAsDns } from '../../src/rules/dns-decode-baseline.js';

interface FixtureMessage {
  transport: 0 | 1;
  direction: 0 | 1;
  length: number;
  head: string;
  payload: string | null;
}
interface Fixture {
  generatedBy: string;
  source: string;
  expect: 'pass' | 'fail';
  messages: FixtureMessage[];
}

// Produced by scripts/fixtures/make-rules-fixtures.mjs from the public corpus.
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rules');
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Fixture);

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

function verdict(m: FixtureMessage): number {
  const head = hex(m.head);
  return checkHeader(head, 0, head.length, m.length, m.transport, m.direction, DEFAULT_RULES_MASK);
}

describe('corpus fixtures', () => {
  it('cover both outcomes and both transports', () => {
    expect(fixtures.some((f) => f.expect === 'pass')).toBe(true);
    expect(fixtures.some((f) => f.expect === 'fail')).toBe(true);
    const all = fixtures.flatMap((f) => f.messages);
    expect(all.some((m) => m.transport === 1)).toBe(true);
    expect(all.some((m) => m.transport === 0)).toBe(true);
    for (const f of fixtures) {
      expect(f.generatedBy).toBe('scripts/fixtures/make-rules-fixtures.mjs');
      expect(f.messages.length, f.source).toBeGreaterThan(0);
    }
  });

  for (const f of fixtures.filter((x) => x.expect === 'pass')) {
    it(`benign ${f.source}: every message passes the default rules`, () => {
      for (const m of f.messages) expect(ruleNames(verdict(m)), m.head).toEqual([]);
    });
  }

  for (const f of fixtures.filter((x) => x.expect === 'fail')) {
    it(`non-DNS ${f.source}: every message fails a default rule`, () => {
      for (const m of f.messages) expect(verdict(m), m.head).not.toBe(0);
    });
  }

  // RFC 2136 prerequisites and deletions carry RRs with RDLENGTH 0 (tshark shows
  // them as class NONE/ANY, data length 0); dns-packet still tries to read
  // their RDATA and throws, so the baseline misses these benign messages.
  const UPDATE_SOURCE = 'benign/zeek__dns-dynamic-update.pcap';

  it('dns-packet decodes every complete benign message except dynamic updates', () => {
    let checked = 0;
    for (const f of fixtures.filter((x) => x.expect === 'pass')) {
      for (const m of f.messages) {
        if (m.payload === null) continue;
        expect(decodesAsDns(hex(m.payload)), `${f.source} ${m.head}`).toBe(f.source !== UPDATE_SOURCE);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('the default rules fail every non-DNS message that dns-packet accepts', () => {
    for (const f of fixtures.filter((x) => x.expect === 'fail')) {
      for (const m of f.messages) {
        if (m.payload !== null && decodesAsDns(hex(m.payload))) expect(verdict(m), `${f.source} ${m.head}`).not.toBe(0);
      }
    }
  });
});
