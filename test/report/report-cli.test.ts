// The command as a user runs it (needs `npm run build`): exit status and one-line errors as
// docs/errors.md gives them, standard input, the three outputs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../golden/run-cli.js';
import { makeAlertStream, type StreamManifest } from './alert-stream.js';

let dir = '';
let m: StreamManifest;
let tmp = '';
beforeAll(() => {
  ({ dir, manifest: m } = makeAlertStream());
  tmp = mkdtempSync(join(tmpdir(), 'dnsae-report-cli-'));
});
afterAll(() => {
  for (const d of [dir, tmp]) if (d !== '') rmSync(d, { recursive: true, force: true });
});

const userLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));

describe('dnsae report on the command line', () => {
  it('a missing file is one line with its code and exit status 3, and nothing is written', () => {
    const html = join(tmp, 'never.html');
    const r = runCli(['report', m.files[0]!, join(tmp, 'absent.ndjson'), '--html', html]);
    expect(r.status).toBe(3);
    expect(userLines(r.stderr)).toEqual([`dnsae: ${join(tmp, 'absent.ndjson')}: no such file [DNSAE_ERR_FILE_NOT_FOUND]`]);
    expect(() => readFileSync(html)).toThrow();
  });

  it('bad options are usage errors (status 2)', () => {
    for (const args of [['--bucket', 'month'], ['--window', '1'], ['--from', 'last week'], ['--from', '2026-11-10', '--to', '2026-11-01']]) {
      const r = runCli(['report', ...args, m.files[0]!]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(userLines(r.stderr)[0]).toMatch(/^dnsae: .*\[DNSAE_ERR_USAGE\]$/);
    }
  });

  it('reads standard input, writes the JSON to stdout and the HTML and text as asked', () => {
    const html = join(tmp, 'r.html');
    const viaFiles = runCli(['report', ...m.files, '--json', '-']);
    const input = Buffer.from(m.files.map((f) => readFileSync(f, 'utf8')).join(''));
    const viaStdin = runCli(['report', '-', '--json', '-', '--html', html], { input });
    expect(viaFiles.status).toBe(0);
    expect(viaStdin.status).toBe(0);
    const a = JSON.parse(viaFiles.stdout);
    const b = JSON.parse(viaStdin.stdout);
    expect(b.fleet).toEqual(a.fleet);
    expect(b.flagged).toEqual(a.flagged);
    expect(b.inputs.files.map((f: { file: string }) => f.file)).toEqual(['(stdin)']);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    const text = runCli(['report', ...m.files, '--text', '--from', m.spike.date, '--to', `${m.spike.date}T23:59:59Z`]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('outside the two-sigma band:');
    expect(text.stdout).toMatch(new RegExp(`${m.spike.date} sensor:${m.spike.sensor}: \\d+ \\(above`));
  });

  it('a .gz cut short counts the lines before the damage and exits 3 after writing the report', () => {
    const whole = gzipSync(readFileSync(m.files[0]!));
    const cut = join(tmp, 'rotated.ndjson.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const r = runCli(['report', cut, '--json', '-']);
    expect(r.status).toBe(3);
    expect(userLines(r.stderr)).toHaveLength(1);
    expect(userLines(r.stderr)[0]).toMatch(/rotated\.ndjson\.gz: gzip stream damaged or cut short \(Z_BUF_ERROR\) after \d+ lines \[DNSAE_ERR_FILE_UNREADABLE\]$/);
    const s = JSON.parse(r.stdout);
    expect(s.inputs.files[0].lines).toBeGreaterThan(100);
  });
});
