import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.js';

/**
 * Golden tests in the tcpdump TESTLIST style: each row of cases.tsv runs one
 * command over whole captures; the normalized output (records, error lines,
 * exit status, run counters) must equal the expected file byte for byte.
 */
interface Case {
  name: string;
  args: string[];
  captures: string[];
}

function loadCases(): Case[] {
  const text = readFileSync(`${ROOT}test/golden/cases.tsv`, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [name, args, captures] = l.split('\t');
      return {
        name: name!,
        args: args!.split(' ').filter(Boolean),
        captures: captures!.split(' ').filter(Boolean).map((c) => `test/fixtures/${c}`),
      };
    });
}

/** Paths differ between checkouts; everything else in a record is a function of the capture. */
function normalizeRecord(line: string): string {
  if (!line.startsWith('{')) return line.replace(/test\/fixtures\/[^,]*\//g, '');
  const rec = JSON.parse(line) as Record<string, unknown>;
  if (typeof rec.pcap_filename === 'string') rec.pcap_filename = basename(rec.pcap_filename);
  return JSON.stringify(rec);
}

function counters(summary: Record<string, unknown> | undefined): string {
  if (!summary) return '# no summary';
  const { sources, ...rest } = summary as { sources?: unknown };
  void sources;
  return `# summary ${JSON.stringify(rest)}`;
}

function render(c: Case): string {
  const r = runCli([...c.args, ...c.captures]);
  const lines = r.stdout.split('\n').filter(Boolean).map(normalizeRecord);
  for (const e of r.errorLines) lines.push(`# error ${e.replace(ROOT, '')}`);
  lines.push(counters(r.summary));
  lines.push(`# exit ${r.status}`);
  return lines.join('\n') + '\n';
}

const update = process.env.DNSAE_UPDATE_GOLDEN === '1';
const cases = loadCases();

describe('golden: whole captures through the CLI', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    it(c.name, () => {
      const got = render(c);
      const file = `${ROOT}test/golden/expected/${c.name}.out`;
      if (update || !existsSync(file)) {
        if (!update) throw new Error(`no expected output for ${c.name}; run with DNSAE_UPDATE_GOLDEN=1`);
        mkdirSync(`${ROOT}test/golden/expected`, { recursive: true });
        writeFileSync(file, got);
      }
      expect(got).toBe(readFileSync(file, 'utf8'));
      expect(got).not.toContain('    at '); // never a stack trace
    });
  }
});
