import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../golden/run-cli.js';

// `dnsae score --jobs 2` of one capture with the question stage runs that stage in a thread of its own
// (src/run/stage-split.ts); where an input fails, or the model has no question stage, it is still one run.

const dir = mkdtempSync(join(tmpdir(), 'dnsae-stage-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function same(args: readonly string[]): { status: number; stdout: string; errorLines: string[] } {
  const a = runCli(['score', '--jobs', '1', ...args]);
  const b = runCli(['score', '--jobs', '2', ...args]);
  expect(b.status).toBe(a.status);
  expect(b.errorLines).toEqual(a.errorLines);
  expect(b.stdout).toBe(a.stdout);
  expect(b.summary).toEqual(a.summary);
  return a;
}

describe('score --jobs 2 of one capture, split by stage (needs npm run build)', () => {
  it('a capture cut off inside a record: the records read before the damage, its error and exit status', () => {
    const whole = readFileSync(join(ROOT, 'data/sample/mixed.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = same(['--all', cut]);
    expect(r.status).not.toBe(0);
    expect(r.errorLines.join('\n')).toMatch(/cut\.pcap/);
    expect(r.stdout).toMatch(/"dns_ae_window"/);
  });

  it('a missing capture: its one-line error and exit status, no records', () => {
    const r = same([join(dir, 'missing.pcap')]);
    expect(r.status).not.toBe(0);
    expect(r.errorLines.join('\n')).toMatch(/missing\.pcap/);
    expect(r.stdout).toBe('');
  });

  it('a model without a question stage: the thread started for it ends unused, and the header stage splits by flow', () => {
    const headerOnly = join(dir, 'header-only');
    cpSync(join(ROOT, 'models/default'), headerOnly, { recursive: true });
    rmSync(join(headerOnly, 'question'), { recursive: true, force: true });
    const args = ['-m', headerOnly, '--all', 'data/sample/mixed.pcap'];
    const a = runCli(['score', '--jobs', '1', ...args]);
    const b = runCli(['score', '--jobs', '2', ...args]);
    expect(b.status).toBe(0);
    expect(b.errorLines).toEqual(a.errorLines);
    expect(a.stdout).toMatch(/"dns_ae"/);
    expect(b.stdout).not.toMatch(/"dns_ae_window"/);
    const lines = (t: string): string[] => t.split('\n').filter(Boolean).sort();
    expect(lines(b.stdout)).toEqual(lines(a.stdout));
  });

  it('an output that fails (/dev/full): the same fault and exit status', () => {
    const r = same(['--all', '-o', '/dev/full', 'data/sample/mixed.pcap']);
    expect(r.status).not.toBe(0);
    expect(r.errorLines.join('\n')).toMatch(/no space left on device/);
  });

  it('standard input, split by stage: the bytes, summary and exit status of --jobs 1', () => {
    const input = readFileSync(join(ROOT, 'data/sample/mixed.pcap'));
    const a = runCli(['score', '--all', '--jobs', '1', '-'], { input });
    const b = runCli(['score', '--all', '--jobs', '2', '-'], { input });
    expect(b.status).toBe(0);
    expect(a.stdout).toMatch(/"dns_ae_window"/);
    expect(b.stdout).toBe(a.stdout);
    expect(b.summary).toEqual(a.summary);
  });

  it('the records go to a file as to standard output', () => {
    const out = join(dir, 'alerts.json');
    const a = runCli(['score', '--jobs', '1', '--all', 'data/sample/mixed.pcap']);
    const b = runCli(['score', '--jobs', '2', '--all', '-o', out, 'data/sample/mixed.pcap']);
    expect(b.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(a.stdout);
  });
});
