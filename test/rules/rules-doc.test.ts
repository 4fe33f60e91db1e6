import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/header-rules.js';

const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'rules.md'), 'utf8');

describe('docs/rules.md', () => {
  it('documents every rule with its bit and default as in the code', () => {
    for (const r of RULES) {
      const row = new RegExp('^\\| `' + r.name + '` \\| (\\d+) \\| (on|off) \\|', 'm').exec(doc);
      expect(row, r.name).not.toBeNull();
      expect(Number(row![1]), r.name).toBe(r.bit);
      expect(row![2], r.name).toBe(r.defaultOn ? 'on' : 'off');
    }
  });
});
