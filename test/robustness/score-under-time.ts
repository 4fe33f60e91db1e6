/** `dnsae score` run under GNU time for the memory-bound tests: exit status, peak RSS, the summary's stats, error lines. */
import { spawnSync } from 'node:child_process';
import { CLI, ROOT } from '../golden/run-cli.js';

export interface Measured {
  status: number;
  peakKiB: number;
  stats: Record<string, any>;
  errorLines: string[];
}

/** Runs the CLI under GNU time; %M is the peak resident set size in KiB. */
export function scoreUnderTime(args: string[]): Measured {
  const r = spawnSync('/usr/bin/time', ['-f', 'PEAK_RSS_KIB %M', process.execPath, CLI, 'score', '--jobs', '1', ...args, '-o', '/dev/null'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, DNSAE_LOG_LEVEL: 'info' },
  });
  const lines = (r.stderr ?? '').split('\n');
  const peak = lines.map((l) => /^PEAK_RSS_KIB (\d+)$/.exec(l)).find((m) => m !== null);
  let stats: Record<string, any> = {};
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    const rec = JSON.parse(l) as { msg?: string; stats?: Record<string, any> };
    if (rec.msg === 'score summary' && rec.stats) stats = rec.stats;
  }
  return { status: r.status ?? -1, peakKiB: peak ? Number(peak[1]) : NaN, stats, errorLines: lines.filter((l) => l.startsWith('dnsae: ')) };
}
