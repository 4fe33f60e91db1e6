import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE_TABLE, LINKTYPE_TABLE } from '../../src/decode/tables.js';
import { WEIRD_NAMES } from '../../src/decode/weirds.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = readFileSync(join(root, 'docs', 'decoding.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : n.endsWith('.ts') ? [p] : [];
  });
}

describe('docs/decoding.md', () => {
  it('documents every weird name the decoder counts', () => {
    const used = new Set<string>();
    for (const f of sources(join(root, 'src', 'decode'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/weirds\.inc\(([^)]*)\)/g)) for (const q of m[1]!.matchAll(/'([a-z0-9_]+)'/g)) used.add(q[1]!);
    }
    expect(used.size).toBeGreaterThan(20);
    for (const name of used) {
      expect(WEIRD_NAMES as readonly string[]).toContain(name);
      expect(doc).toContain(`| \`${name}\` |`);
    }
  });

  it('lists every link type and ethertype in the dispatch tables', () => {
    for (const e of LINKTYPE_TABLE) expect(doc).toMatch(new RegExp(`\\b${e.value}\\b`));
    for (const e of ETHERTYPE_TABLE) expect(doc.toLowerCase()).toContain(`0x${e.value.toString(16).padStart(4, '0')}`);
  });
});
