/**
 * Signals that arrive while `dnsae live` is still starting (loading the
 * model) are handled by runLive, not by the default action; SIGHUP reopens
 * the output file. Needs root to open the loopback interface; CI runs as
 * root.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openOutput } from '../../src/cli/output-target.js';
import { ExitCode } from '../../src/errors.js';
import { DEFAULT_PIPELINE_OPTIONS } from '../../src/pipeline.js';
import { runLive, type LiveRunOptions } from '../../src/run/live.js';
import { DEFAULT_ALERT_POLICY } from '../../src/scoring/alert-policy.js';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'dnsae-live-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(over: Partial<LiveRunOptions> = {}): LiveRunOptions {
  return {
    device: 'lo',
    // Nothing on loopback uses this port: the run sees no traffic of its own.
    filter: 'udp port 9',
    user: undefined,
    modelDir: undefined,
    mode: 'hybrid',
    ruleMask: undefined,
    policy: DEFAULT_ALERT_POLICY,
    all: false,
    pipeline: DEFAULT_PIPELINE_OPTIONS,
    capture: {},
    statsIntervalSec: 0,
    metrics: undefined,
    ...over,
  };
}

/** Waits (bounded) until the log has a line with this message after the first `after` lines. */
async function logged(lines: () => Record<string, unknown>[], msg: string, after = 0): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const hit = lines().slice(after).find((l) => l.msg === msg);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no '${msg}' in the log: ${JSON.stringify(lines().slice(after))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function memoryLog(): { log: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void chunks.push(s) });
  return { log, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe.skipIf(!isRoot)('runLive: signals during start-up', () => {
  it('a SIGTERM while the model loads stops the sensor cleanly once capture exists', async () => {
    const signals = new EventEmitter();
    const { log, lines } = memoryLog();
    const out = join(dir, 'term.json');
    let started = false;
    const run = runLive(options(), log, { openOutput: () => openOutput(out), signals, onStarted: () => (started = true) });
    // runLive is now awaiting the model: the handlers must already be ours.
    expect(signals.listenerCount('SIGTERM')).toBe(1);
    expect(signals.listenerCount('SIGHUP')).toBe(1);
    signals.emit('SIGHUP', 'SIGHUP');
    signals.emit('SIGTERM', 'SIGTERM');
    await expect(run).resolves.toBe(ExitCode.OK);
    expect(started).toBe(true);
    const msgs = lines().map((l) => l.msg);
    expect(msgs).toContain('stopping before capture has started');
    expect(msgs).toContain('SIGHUP during start-up: the model being loaded is the current one; nothing to reload');
    expect(msgs).toContain('live summary');
    expect(readFileSync(out, 'utf8')).toBe('');
    // Handlers are removed when the run ends.
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('a SIGHUP reopens --out at its path; one that cannot is one error line, counted, and the run goes on', async () => {
    const signals = new EventEmitter();
    const { log, lines } = memoryLog();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const out = join(logs, 'alerts.json');
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    // Rules only: SIGHUP has no model to reload, only the file to reopen.
    const run = runLive(options({ mode: 'rules' }), log, { openOutput: () => openOutput(out), signals, onStarted: () => started() });
    await running;

    renameSync(out, join(dir, 'alerts.json.1'));
    let mark = lines().length;
    signals.emit('SIGHUP', 'SIGHUP');
    expect((await logged(lines, 'output reopened', mark)).out).toBe(out);
    expect(existsSync(out)).toBe(true);
    expect(lines().slice(mark).map((l) => l.msg)).toContain('SIGHUP: this detector uses no model; nothing to reload');

    renameSync(out, join(dir, 'alerts.json.2'));
    rmdirSync(logs);
    mark = lines().length;
    signals.emit('SIGHUP', 'SIGHUP');
    const failed = await logged(lines, 'output reopen failed; still writing to the file opened before', mark);
    expect(failed.level).toBe(50);
    expect(failed.out).toBe(out);
    expect(failed.error).toBe(`${out}: cannot reopen output file (ENOENT, no such file or directory) [DNSAE_ERR_OUTPUT]`);
    expect(lines().slice(mark).filter((l) => l.level === 50)).toHaveLength(1);

    signals.emit('SIGTERM', 'SIGTERM');
    await expect(run).resolves.toBe(ExitCode.OK);
    const final = lines().find((l) => l.msg === 'live stats' && l.final === true)!.stats as Record<string, unknown>;
    expect(final.output_reopens).toBe(1);
    expect(final.output_reopen_failures).toBe(1);
    expect(existsSync(out)).toBe(false);
  });

  it('a SIGHUP with records on standard output says there is nothing to reopen', async () => {
    const signals = new EventEmitter();
    const { log, lines } = memoryLog();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const run = runLive(options({ mode: 'rules' }), log, { openOutput: () => openOutput(undefined), signals, onStarted: () => started() });
    await running;
    signals.emit('SIGHUP', 'SIGHUP');
    signals.emit('SIGTERM', 'SIGTERM');
    await expect(run).resolves.toBe(ExitCode.OK);
    expect(lines().map((l) => l.msg)).toContain('SIGHUP: the output is standard output; nothing to reopen');
    const final = lines().find((l) => l.msg === 'live stats' && l.final === true)!.stats as Record<string, unknown>;
    expect(final.output_reopens).toBe(0);
    expect(final.output_reopen_failures).toBe(0);
  });
});
