import { describe, expect, it } from 'vitest';
import { LIVE_DEFAULTS } from '../../src/capture/live-source.js';
import { liveCommand, liveRunOptionsFrom, type LiveCliOptions } from '../../src/cli/live-command.js';
import { UsageError } from '../../src/errors.js';
import { runCli } from '../golden/run-cli.js';

/** Parses argv the way the CLI does, without running the command. */
function parsed(argv: string[]): LiveCliOptions {
  const cmd = liveCommand().exitOverride().action(() => undefined);
  cmd.parse(argv, { from: 'user' });
  return cmd.opts<LiveCliOptions>();
}

describe('dnsae live options', () => {
  it('has the documented defaults', () => {
    const o = liveRunOptionsFrom(parsed(['-i', 'eth0']));
    expect(o.device).toBe('eth0');
    expect(o.filter).toBe(LIVE_DEFAULTS.filter);
    expect(o.user).toBeUndefined();
    expect(o.statsIntervalSec).toBe(60);
    expect(o.metrics).toBeUndefined();
    expect(o.mode).toBe('hybrid');
    expect(o.all).toBe(false);
    expect(o.capture).toEqual({});
    expect(o.policy.onePerFlow).toBe(true);
    expect(o.pipeline.ports).toEqual([53]);
    // One worker is the sensor on its own thread, as before --workers existed.
    expect(o.workers).toBeUndefined();
  });

  it('takes --workers 2 to 64', () => {
    expect(liveRunOptionsFrom(parsed(['-i', 'eth0', '--workers', '2'])).workers).toBe(2);
    expect(liveRunOptionsFrom(parsed(['-i', 'eth0', '--workers', '1'])).workers).toBeUndefined();
    expect(() => parsed(['-i', 'eth0', '--workers', '0'])).toThrow(/--workers must be between 1 and 64/);
    expect(() => parsed(['-i', 'eth0', '--workers', '65'])).toThrow(/--workers must be between 1 and 64/);
  });

  it('converts capture tuning and the metrics address', () => {
    const o = liveRunOptionsFrom(
      parsed([
        ...['-i', 'veth0', '--filter', '', '--user', 'nobody', '--all', '--stats-interval', '0'],
        ...['--metrics-port', '9153', '--metrics-host', '::1', '--snaplen', '2048', '--buffer-mb', '64'],
        ...['--queue-frames', '1024', '--queue-mb', '8', '--read-timeout', '20', '--immediate', '--all-alerts', '-d', 'rules'],
      ]),
    );
    expect(o.filter).toBe('');
    expect(o.user).toBe('nobody');
    expect(o.all).toBe(true);
    expect(o.statsIntervalSec).toBe(0);
    expect(o.metrics).toEqual({ host: '::1', port: 9153 });
    expect(o.capture).toEqual({ snaplen: 2048, bufferSize: 64 << 20, queueFrames: 1024, queueBytes: 8 << 20, readTimeoutMs: 20, immediate: true });
    expect(o.mode).toBe('rules');
    expect(o.policy.onePerFlow).toBe(false);
  });

  it('rejects what cannot work, as usage errors', () => {
    expect(() => liveRunOptionsFrom(parsed([]))).toThrow(UsageError);
    expect(() => parsed(['-i', 'eth0', '--metrics-port', '0'])).toThrow(/--metrics-port must be between 1 and 65535/);
    expect(() => parsed(['-i', 'eth0', '--stats-interval', '-5'])).toThrow(/--stats-interval/);
    expect(() => parsed(['-i', 'eth0', '--alert-limit', 'often'])).not.toThrow();
    expect(() => liveRunOptionsFrom(parsed(['-i', 'eth0', '--alert-limit', 'often']))).toThrow(/--alert-limit/);
  });

  it('exits 2 with one line from the built CLI, and --help lists every option', () => {
    for (const args of [['live'], ['live', '-i', 'lo', '--metrics-port', '99999'], ['live', '-i', 'lo', '--bogus']]) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.errorLines).toHaveLength(1);
      expect(r.errorLines[0]).toContain('[DNSAE_ERR_USAGE]');
    }
    const help = runCli(['live', '--help']);
    expect(help.status).toBe(0);
    for (const opt of liveCommand().options) expect(help.stdout).toContain(opt.long!);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('SIGHUP reopens --out and reloads the model');
  });
});
