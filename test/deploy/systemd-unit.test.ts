import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../golden/run-cli.js';
import { sh } from '../netns.js';
import { DEFAULTS, environmentFile, expandExec, serviceValues, UNIT } from './unit-file.js';

/**
 * deploy/systemd/dnsae.service as systemd reads it, without systemd as PID 1:
 * `systemd-analyze verify` in a scratch root holding the unit, the stock
 * unit files, /bin/kill and a stand-in for the installed /usr/local/bin/dnsae
 * (verify only checks that ExecStart= names an executable file), and
 * `systemd-analyze security --offline=yes` against the score recorded in
 * docs/deployment.md.
 */

const SKIP = sh('systemd-analyze', ['--version']).status !== 0 ? 'systemd-analyze is not installed' : undefined;
const SYSTEM_UNITS = '/usr/lib/systemd/system';

function recordedScore(): number {
  const doc = readFileSync(join(ROOT, 'docs/deployment.md'), 'utf8');
  const m = /Overall exposure level for dnsae\.service: (\d+\.\d)/.exec(doc);
  if (m === null) throw new Error('docs/deployment.md records no exposure level');
  return Number(m[1]);
}

describe.skipIf(SKIP !== undefined)(`dnsae.service${SKIP === undefined ? '' : ` (skipped: ${SKIP})`}`, () => {
  const root = mkdtempSync(join(tmpdir(), 'dnsae-unit-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function scratchRoot(unitText: string): string {
    const r = mkdtempSync(join(root, 'root-'));
    for (const d of ['usr/local/bin', 'usr/bin', 'usr/lib/systemd', 'etc/systemd/system']) mkdirSync(join(r, d), { recursive: true });
    symlinkSync('usr/bin', join(r, 'bin'));
    // Absolute symlinks would be followed inside the scratch root: copies.
    copyFileSync('/usr/bin/kill', join(r, 'usr/bin/kill'));
    chmodSync(join(r, 'usr/bin/kill'), 0o755);
    cpSync(SYSTEM_UNITS, join(r, 'usr/lib/systemd/system'), { recursive: true });
    writeFileSync(join(r, 'usr/local/bin/dnsae'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    writeFileSync(join(r, 'etc/systemd/system/dnsae.service'), unitText);
    return r;
  }

  function verify(unitText: string): { status: number | null; output: string } {
    const r = sh('systemd-analyze', ['verify', `--root=${scratchRoot(unitText)}`, 'dnsae.service']);
    return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
  }

  it('passes systemd-analyze verify with nothing to report', () => {
    expect(verify(readFileSync(UNIT, 'utf8'))).toEqual({ status: 0, output: '' });
  });

  it('verify as run here does report a mistyped key and a bad address family (so silence above means something)', () => {
    const broken = readFileSync(UNIT, 'utf8').replace('ProtectSystem=', 'ProtectSytem=').replace('RestrictAddressFamilies=AF_UNIX', 'RestrictAddressFamilies=AF_BOGUS AF_UNIX');
    const { output } = verify(broken);
    expect(output).toContain("Unknown key 'ProtectSytem'");
    expect(output).toContain('AF_BOGUS');
  });

  it('has an exposure score no higher than docs/deployment.md records', () => {
    const r = sh('systemd-analyze', ['security', '--offline=yes', UNIT]);
    expect(r.status, r.stderr).toBe(0);
    const m = /Overall exposure level for dnsae\.service: (\d+\.\d)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(recordedScore());
  });

  it('grants exactly CAP_NET_RAW, ambient and bounding, to a non-root user, and reloads with SIGHUP', () => {
    const caps = (key: string): string[] => serviceValues(key).flatMap((v) => v.split(/\s+/)).sort();
    expect(caps('AmbientCapabilities')).toEqual(['CAP_NET_RAW']);
    expect(caps('CapabilityBoundingSet')).toEqual(['CAP_NET_RAW']);
    expect(serviceValues('User')).toEqual(['dnsae']);
    expect(serviceValues('DynamicUser')).toEqual([]);
    expect(serviceValues('NoNewPrivileges')).toEqual(['yes']);
    expect(serviceValues('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(serviceValues('EnvironmentFile')).toEqual(['/etc/default/dnsae']);
    // V8 cannot run under it (docs/deployment.md shows node aborting).
    expect(serviceValues('MemoryDenyWriteExecute')).toEqual([]);
  });

  it('runs a command line that dnsae live accepts once /etc/default/dnsae is expanded into it', () => {
    const env = environmentFile(readFileSync(DEFAULTS, 'utf8'));
    const out = join(root, 'alerts.json');
    env.set('DNSAE_OUT', out);
    env.set('DNSAE_INTERFACE', 'dnsae-no-such-if0');
    const [exec, ...args] = expandExec(serviceValues('ExecStart')[0]!, env);
    expect(exec).toBe('/usr/local/bin/dnsae');
    expect(args.slice(0, 1)).toEqual(['live']);
    expect(args).toContain('port 53'); // DNSAE_FILTER stays one word
    expect(args).not.toContain('--user');
    // Past option parsing (usage errors exit 2) to the device open, which fails on the made-up interface.
    const r = sh(process.execPath, [CLI, ...args], 60_000);
    expect(r.status, r.stderr).toBe(5);
    expect(r.stderr).toContain('[DNSAE_ERR_LIVE_DEVICE]');
  });
});
