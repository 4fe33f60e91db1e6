/**
 * Signals that arrive while `dnsae live` is still starting (loading the
 * model) are handled by runLive, not by the default action. Needs root to
 * open the loopback interface; CI runs as root.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

function options(): LiveRunOptions {
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
  };
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
});
