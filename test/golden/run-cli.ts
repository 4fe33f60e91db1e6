import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${ROOT}dist/cli/main.js`;

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  /** The pino summary record (msg ends with "summary"), if one was logged. */
  summary: Record<string, unknown> | undefined;
  /** One-line user errors (`dnsae: ...`). */
  errorLines: string[];
}

/** Runs the built CLI the way a user does; tests need `npm run build` first (npm test does it). */
export function runCli(args: readonly string[], opts: { input?: Buffer; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    // A run that never ends fails its test (status -1) instead of holding up the suite.
    timeout: 240_000,
    env: { ...process.env, DNSAE_LOG_LEVEL: 'info', ...opts.env },
  });
  const stderr = r.stderr ?? '';
  let summary: Record<string, unknown> | undefined;
  const errorLines: string[] = [];
  for (const line of stderr.split('\n')) {
    if (line.startsWith('dnsae: ')) errorLines.push(line);
    if (!line.startsWith('{')) continue;
    try {
      const rec = JSON.parse(line) as { msg?: string; stats?: Record<string, unknown> };
      if (rec.msg?.endsWith('summary')) summary = rec.stats;
    } catch {
      // not a log record
    }
  }
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr, summary, errorLines };
}
