import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wantsHuman } from '../../src/cli/summary.js';
import { runCli } from '../golden/run-cli.js';

describe('--summary', () => {
  it('auto is human on a terminal and JSON otherwise; human and json force either', () => {
    expect(wantsHuman('auto', true)).toBe(true);
    expect(wantsHuman('auto', false)).toBe(false);
    expect(wantsHuman('human', false)).toBe(true);
    expect(wantsHuman('json', true)).toBe(false);
  });

  it('train and score keep the one-line JSON summary in a pipe and print lines with --summary human', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsae-summary-'));
    try {
      const args = ['train', '--no-question', '--epochs', '1', '-o', join(dir, 'm'), 'data/benign/mix.pcap'];
      const json = runCli(args);
      expect(json.status).toBe(0);
      expect(json.summary).toMatchObject({ frames: 446, samples_collected: 314, samples_dropped: 0 });
      const human = runCli([...args, '--summary', 'human']);
      expect(human.status).toBe(0);
      expect(human.summary).toBeUndefined();
      const id = JSON.parse(readFileSync(join(dir, 'm', 'dnsae.json'), 'utf8')).modelId as string;
      expect(human.stderr).toMatch(/^read +1 capture, 446 packets, 314 samples/m);
      expect(human.stderr).toMatch(new RegExp(`^header +model ${id}, threshold \\d\\.\\d{6}, 1 epochs \\(best 1\\)`, 'm'));
      const score = runCli(['score', '--summary', 'human', 'data/sample/mixed.pcap']);
      expect(score.summary).toBeUndefined();
      expect(score.stderr).toMatch(/^alerts +5 written to standard output: 4 header stage \(4 x 9053003\), 1 tunnel stage/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
