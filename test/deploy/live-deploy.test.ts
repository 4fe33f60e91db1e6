import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../golden/run-cli.js';
import { createVethPair, must, netnsSkipReason, removeVethPair, sh, vethNames } from '../netns.js';
import { CAP_NET_ADMIN, CAP_NET_RAW, freePort, normalizedAlerts, procStatus, readRecords, replay, Sensor, writeMixedCapture, type EveRecord } from './live-sensor.js';

/**
 * The deployment pieces against a running sensor, started as systemd's
 * unit starts it: user nobody, no root, only ambient capabilities. A veth
 * pair into a namespace made here carries tcpreplay's traffic (root for
 * the test itself, as test/run/live-e2e.test.ts). Every replay is bounded
 * in packets and time; sensors, Prometheus and the namespace are stopped
 * and removed in afterAll whatever happened.
 */

const SKIP =
  netnsSkipReason([
    ['tcpreplay', ['--version']],
    ['setpriv', ['--version']],
    ['logrotate', ['--version']],
    ['prometheus', ['--version']],
  ]) ??
  (sh('getent', ['passwd', 'nobody']).status !== 0 ? 'no user nobody' : undefined) ??
  (sh('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', CLI]).status !== 0 ? 'user nobody cannot read the built CLI' : undefined);

const NOBODY = SKIP === undefined ? Number(must('id', ['-u', 'nobody']).trim()) : -1;
const NOGROUP = SKIP === undefined ? Number(must('id', ['-g', 'nobody']).trim()) : -1;
/** IFF_PROMISC in /sys/class/net/DEV/flags (linux/if.h). */
const IFF_PROMISC = 0x100;

/** Metrics the rules and the dashboard read that dnsae does not export yet: queried, but not required to have data. */
const NOT_EXPORTED_YET = ['dnsae_sink_dropped_total', 'dnsae_model_reload_failures_total'];

function scoreRecords(capture: string): EveRecord[] {
  const r = spawnSync(process.execPath, [CLI, 'score', capture], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`dnsae score failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EveRecord);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(SKIP !== undefined)(`deployment against a running sensor${SKIP === undefined ? '' : ` (skipped: ${SKIP})`}`, () => {
  const pair = vethNames('dd', 'dep');
  const { ns, host, peer } = pair;
  const dir = mkdtempSync(join(tmpdir(), 'dnsae-deploy-'));
  const mixed = join(dir, 'mixed.pcap');
  let mixedFrames = 0;
  const sensors: Sensor[] = [];
  const children: ChildProcess[] = [];

  function sensor(caps: readonly string[], args: readonly string[]): Sensor {
    const s = new Sensor(caps, ['-i', host, '--filter', '', '--stats-interval', '1', ...args]);
    sensors.push(s);
    return s;
  }

  function send(args: readonly string[], timeoutMs: number): ReturnType<typeof replay> {
    const r = replay(ns, peer, args, timeoutMs);
    children.push(r.child);
    return r;
  }

  /** A directory as systemd's LogsDirectory= makes it: owned by the service user, 0750. */
  function logDir(name: string): string {
    const d = join(dir, name);
    mkdirSync(d, { mode: 0o750 });
    chownSync(d, NOBODY, NOGROUP);
    return d;
  }

  beforeAll(() => {
    chmodSync(dir, 0o755);
    mixedFrames = writeMixedCapture(mixed);
    createVethPair(pair);
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const s of sensors) s.kill('SIGKILL');
    await Promise.all(sensors.map((s) => s.exited));
    removeVethPair(pair);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const caps of [['net_raw', 'net_admin'], ['net_raw']]) {
    it(`captures and alerts as nobody with only ${caps.map((c) => `CAP_${c.toUpperCase()}`).join(' + ')} (ambient), in promiscuous mode, with the alerts of dnsae score`, async () => {
      const out = join(logDir(`caps-${caps.length}`), 'alerts.json');
      const s = sensor(caps, ['-o', out]);
      await s.waitFor('start', () => s.find('live capture started') !== undefined);
      expect(s.find('live capture started')!.user).toBeNull();

      const st = procStatus(s.pid);
      expect(st.uid).toEqual([NOBODY, NOBODY, NOBODY, NOBODY]);
      const want = caps.reduce((m, c) => m | (1n << (c === 'net_raw' ? CAP_NET_RAW : CAP_NET_ADMIN)), 0n);
      expect(st.capEff).toBe(want);
      expect(st.capAmb).toBe(want);
      // libpcap's PACKET_MR_PROMISC membership: allowed on the raw socket without CAP_NET_ADMIN.
      expect(Number(readFileSync(`/sys/class/net/${host}/flags`, 'utf8').trim()) & IFF_PROMISC).toBe(IFF_PROMISC);

      const sent = await send(['-q', '--pps=2000', mixed], 30_000).done;
      expect(sent).toBe(mixedFrames);
      await s.waitFor('every frame', () => s.lastStats()?.packets === sent);
      s.kill('SIGTERM');
      expect(await s.exited).toEqual({ code: 0, signal: null });
      expect(s.errorLines).toEqual([]);
      const f = s.finalStats()!;
      expect([f.kernel_received, f.packets, f.kernel_drops, f.queue_drops]).toEqual([sent, sent, 0, 0]);

      const got = normalizedAlerts(readRecords(out));
      const expected = normalizedAlerts(scoreRecords(mixed));
      expect(expected.length).toBeGreaterThanOrEqual(3);
      expect(got).toEqual(expected);
      // The sensor created its file itself, as nobody, mode 0640.
      expect(statSync(out).uid).toBe(NOBODY);
      expect(statSync(out).mode & 0o777).toBe(0o640);
    });
  }

  it('is refused capture as nobody without capabilities (the set above is needed, not merely held)', async () => {
    const s = sensor([], ['-o', '/dev/null']);
    const { code } = await s.exited;
    expect(code).toBe(5);
    expect(s.errorLines.join('\n')).toContain('[DNSAE_ERR_LIVE_PERMISSION]');
  });

  it('rotates with deploy/logrotate/dnsae mid-stream: records after the SIGHUP land in the new file, none lost or cut', async () => {
    const logs = logDir('rotate');
    const out = join(logs, 'alerts.json');
    const s = sensor(['net_raw'], ['--all', '-o', out]);
    await s.waitFor('start', () => s.find('live capture started') !== undefined);

    // The shipped snippet with the log path and the user of this host; its
    // postrotate calls `systemctl reload dnsae.service`, which the unit turns
    // into kill -HUP $MAINPID. There is no systemd here: a systemctl on PATH
    // records its arguments and does the unit's ExecReload for this sensor.
    const shipped = readFileSync(join(ROOT, 'deploy/logrotate/dnsae'), 'utf8');
    expect(shipped).not.toMatch(/^\s*copytruncate/m);
    expect(shipped).toContain('/var/log/dnsae/alerts.json {');
    expect(shipped).toContain('create 0640 dnsae dnsae');
    const conf = join(dir, 'logrotate.conf');
    writeFileSync(conf, shipped.replace('/var/log/dnsae/alerts.json {', `${out} {`).replace('create 0640 dnsae dnsae', 'create 0640 nobody nogroup'), { mode: 0o644 });
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'systemctl.calls');
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> '${calls}'\n[ "$*" = "reload dnsae.service" ] && exec /bin/kill -HUP ${s.pid}\nexit 1\n`, { mode: 0o755 });

    // About 8 s of traffic; the rotation comes in the middle of it.
    const limit = 16_000;
    const r = send(['-q', '--pps=2000', '--loop=0', `--limit=${limit}`, mixed], 60_000);
    await s.waitFor('traffic before the rotation', () => Number(s.lastStats()?.packets ?? 0) >= 3000);
    const mark = s.logs.length;
    const lr = spawnSync('logrotate', ['-f', '-s', join(dir, 'logrotate.state'), conf], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    });
    expect(lr.status, `${lr.stdout}${lr.stderr}`).toBe(0);
    expect(readFileSync(calls, 'utf8')).toBe('reload dnsae.service\n');
    await s.waitFor('the reopen', () => s.find('output reopened', mark) !== undefined);
    expect(r.child.exitCode).toBeNull(); // still sending: rotated mid-stream
    // logrotate's `create` made the new file before the signal, as the user and mode it was told.
    const created = statSync(out);
    expect([created.uid, created.gid, created.mode & 0o777]).toEqual([NOBODY, NOGROUP, 0o640]);
    // delaycompress: the renamed file stays as it is until the next rotation.
    expect(existsSync(`${out}.1`)).toBe(true);
    // Closed once the reopen is logged: from here on nothing is added to it.
    const oldSize = statSync(`${out}.1`).size;

    const sent = await r.done;
    expect(sent).toBe(limit);
    await s.waitFor('every frame', () => s.lastStats()?.packets === sent);
    s.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.errorLines).toEqual([]);
    expect(s.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
    const f = s.finalStats()!;
    expect([f.packets, f.kernel_drops, f.queue_drops, f.output_reopens, f.output_reopen_failures]).toEqual([sent, 0, 0, 1, 0]);

    expect(statSync(`${out}.1`).size).toBe(oldSize);
    const before = readRecords(`${out}.1`);
    const after = readRecords(out);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    // With --all every scored sample is one dns_ae record: the two files hold all of them.
    const count = (rs: EveRecord[], t: string): number => rs.filter((x) => x.event_type === t).length;
    expect(count(before, 'dns_ae') + count(after, 'dns_ae')).toBe(f.samples);
    expect(count(before, 'alert') + count(after, 'alert')).toBe(Number(f.alerts) + Number(f.tunnel_alerts ?? 0));
    expect(Number(f.samples)).toBeGreaterThan(sent / 2);
  });

  it('is scraped by Prometheus: every rule and dashboard expression evaluates, and each that should have data has it', async () => {
    const logs = logDir('prom');
    const metricsPort = await freePort();
    const s = sensor(['net_raw'], ['--metrics-port', String(metricsPort), '-o', join(logs, 'alerts.json')]);
    await s.waitFor('start', () => s.find('live capture started') !== undefined);

    // The rules as shipped, but the recording group evaluated every second
    // instead of every minute, so its series exists within the test's wait.
    const rulesText = readFileSync(join(ROOT, 'deploy/prometheus/dnsae-rules.yml'), 'utf8');
    expect(rulesText).toContain('    interval: 1m\n');
    const rules = join(dir, 'dnsae-rules.yml');
    writeFileSync(rules, rulesText.replace('    interval: 1m\n', '    interval: 1s\n'));
    const promPort = await freePort();
    const promDir = join(dir, 'prometheus');
    mkdirSync(promDir);
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${rules}']`,
        'scrape_configs:',
        `  - job_name: dnsae`,
        `    static_configs: [{ targets: ['127.0.0.1:${metricsPort}'] }]`,
        '',
      ].join('\n'),
    );
    const prom = spawn(
      'prometheus',
      [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(prom);
    let promLog = '';
    prom.stderr!.on('data', (d) => (promLog += d));
    const promExited = new Promise((resolve) => prom.once('exit', resolve));
    const api = async (path: string): Promise<{ status: string; data: unknown; error?: string }> => {
      const res = await fetch(`http://127.0.0.1:${promPort}${path}`);
      return (await res.json()) as { status: string; data: unknown; error?: string };
    };
    const query = async (expr: string): Promise<{ status: string; error?: string; result: { metric: Record<string, string>; value: [number, string] }[] }> => {
      const r = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return { status: r.status, ...(r.error === undefined ? {} : { error: r.error }), result: (r.data as { result?: [] } | undefined)?.result ?? [] };
    };
    const tryQuery = async (expr: string): Promise<number | undefined> => {
      try {
        const r = await query(expr);
        return r.result.length > 0 ? r.result.length : undefined;
      } catch {
        return undefined; // not listening yet
      }
    };

    try {
      // About 40 s of traffic at most, at 200 frames/s; stopped by the SIGTERM below if still going.
      const r = send(['-q', '--pps=200', '--loop=0', '--limit=8000', mixed], 60_000);
      r.done.catch(() => undefined); // interrupted below once the checks are done
      await until('the sensor scraped and seeing traffic', () => tryQuery('rate(dnsae_packets_total{job="dnsae"}[30s]) > 0'), 60_000);
      await until('the loss-ratio histogram filled', () => tryQuery('rate(dnsae_loss_ratio_count{job="dnsae"}[30s]) > 0'), 30_000);

      type Rule = { name: string; query: string; health: string; lastError?: string; type: string; lastEvaluation: string };
      const allRules = async (): Promise<Rule[]> => ((await api('/api/v1/rules')).data as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
      const rulesNow = await until(
        'every rule evaluated at least once',
        async () => {
          const rs = await allRules();
          return rs.length > 0 && rs.every((x) => x.health !== 'unknown' && !x.lastEvaluation.startsWith('0001')) ? rs : undefined;
        },
        30_000,
      );
      const ruleNames = [...rulesText.matchAll(/^\s*- (?:alert|record): (\S+)\s*$/gm)].map((m) => m[1]);
      expect(rulesNow.map((x) => x.name).sort()).toEqual(ruleNames.sort());
      for (const x of rulesNow) expect({ rule: x.name, health: x.health, lastError: x.lastError ?? '' }).toEqual({ rule: x.name, health: 'ok', lastError: '' });

      // Every rule expression, queried by hand too.
      for (const x of rulesNow) {
        const q = await query(x.query);
        expect({ rule: x.name, status: q.status, error: q.error }).toEqual({ rule: x.name, status: 'success', error: undefined });
      }
      // The recording rule writes its series once rate() has two scrapes to work with.
      expect(await until('the recorded alert rate', () => tryQuery('dnsae:alerts:rate5m{job="dnsae"}'), 30_000)).toBe(1);
      // A healthy sensor with traffic and no drops: these stay silent.
      for (const name of ['DnsaeSensorDown', 'DnsaeSensorAbsent', 'DnsaeNoTraffic', 'DnsaeCaptureDrops', 'DnsaeOutputReopenFailed']) {
        const q = await query(rulesNow.find((x) => x.name === name)!.query);
        expect({ name, result: q.result }).toEqual({ name, result: [] });
      }
      expect((await query('up{job="dnsae"}')).result.map((x) => x.value[1])).toEqual(['1']);
      // Every dnsae metric a rule reads is there, but those not exported yet.
      const ruleMetrics = new Set(rulesNow.flatMap((x) => [...x.query.matchAll(/\bdnsae_[a-z0-9_]+/g)].map((m) => m[0])));
      expect(ruleMetrics.size).toBeGreaterThanOrEqual(8);
      for (const m of ruleMetrics) {
        if (NOT_EXPORTED_YET.includes(m)) continue;
        expect({ m, n: (await query(`count(${m}{job="dnsae"})`)).result.length }).toEqual({ m, n: 1 });
      }

      // Every dashboard panel expression, with Grafana's variables as the dashboard defaults them.
      const dash = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/dnsae-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
      const exprs = dash.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, expr: t.expr })));
      expect(exprs.length).toBeGreaterThanOrEqual(20);
      const empty: string[] = [];
      for (const { title, expr } of exprs) {
        const concrete = expr.replaceAll('$__rate_interval', '30s').replaceAll('$job', 'dnsae').replaceAll('$instance', '.*');
        expect(concrete).not.toContain('$');
        const q = await query(concrete);
        expect({ title, expr, status: q.status, error: q.error }).toEqual({ title, expr, status: 'success', error: undefined });
        if (q.result.length === 0) empty.push(expr);
      }
      expect(empty.filter((e) => !NOT_EXPORTED_YET.some((m) => e.includes(m)))).toEqual([]);

      s.kill('SIGTERM');
      r.child.kill('SIGINT');
      expect(await s.exited).toEqual({ code: 0, signal: null });
      expect(s.errorLines).toEqual([]);
    } finally {
      prom.kill('SIGTERM');
      const timer = setTimeout(() => prom.kill('SIGKILL'), 10_000);
      await promExited;
      clearTimeout(timer);
    }
    expect(promLog).not.toMatch(/level=error/);
  });
});
