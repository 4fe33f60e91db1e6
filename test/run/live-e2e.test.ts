import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelIdOf } from '../../src/model/model-weights.js';
import { CLI, ROOT } from '../golden/run-cli.js';
import { createVethPair, must, netnsSkipReason, removeVethPair, sh, vethNames } from '../netns.js';
import { parsePromText as parseMetrics } from '../output/prom-text.js';
import { LiveSensorProcess, type LogRecord } from '../live-sensor-process.js';

/**
 * `dnsae live` end to end, as a user runs it: the built CLI on one end of a
 * veth pair, tcpreplay of corpus captures into the other end from a network
 * namespace made here. Root only; every replay is bounded in packets and
 * time, and the namespace and links go in afterAll whatever happened.
 */

const SKIP =
  netnsSkipReason([
    ['tcpreplay', ['--version']],
    ['editcap', ['--version']],
    ['setpriv', ['--version']],
  ]) ?? (sh('getent', ['passwd', 'nobody']).status !== 0 ? 'no user nobody' : undefined);

/** Whether user nobody can read `path` (a clone under /root cannot be read by it). */
function nobodyCanRead(path: string): boolean {
  return sh('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', path]).status === 0;
}
const NOBODY_READS_CLI = SKIP === undefined && nobodyCanRead(CLI);
const NOBODY = SKIP === undefined ? Number(must('id', ['-u', 'nobody']).trim()) : -1;
const NOBODY_GROUP = SKIP === undefined ? Number(must('id', ['-g', 'nobody']).trim()) : -1;
const LINKTYPE_ETHERNET = 1;
/** Largest frame the veth pair carries once its MTU is raised to 65535. */
const MAX_FRAME = 65_535 + 14;

// ---------------------------------------------------------------- captures

interface Rec {
  data: Buffer;
}

/** Classic pcap records and link type, parsed here so the test does not lean on dnsae's reader. */
function readPcap(path: string): { linktype: number; records: Rec[] } {
  const b = readFileSync(path);
  const m = b.readUInt32LE(0);
  const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const records: Rec[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = u32(o + 8);
    if (o + 16 + incl > b.length) break;
    records.push({ data: b.subarray(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return { linktype: u32(20) & 0x0fff_ffff, records };
}

/**
 * One Ethernet capture of every corpus file that can go over a veth: other
 * link types cannot, and a pcapng with several link types does not convert.
 * Timestamps are rewritten 100 µs apart and each frame's wire length set to
 * what was captured: replayed frames get the time they are sent and are as
 * long as their captured bytes, so `dnsae score` on this file sees what the
 * sensor sees (no idle timeout or rate window falls differently).
 */
function buildCorpusCapture(dir: string, out: string): { frames: number; files: string[] } {
  const inputs: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.pcap(ng)?$/.test(e.name)) inputs.push(p);
    }
  };
  for (const d of ['test/fixtures/benign', 'test/fixtures/anomalous', 'data/foreign-53']) walk(join(ROOT, d));
  const frames: Buffer[] = [];
  const used: string[] = [];
  for (const f of inputs) {
    let path = f;
    if (f.endsWith('.pcapng')) {
      path = join(dir, `conv-${used.length}-${inputs.indexOf(f)}.pcap`);
      if (sh('editcap', ['-F', 'pcap', f, path]).status !== 0) continue;
    }
    const { linktype, records } = readPcap(path);
    if (linktype !== LINKTYPE_ETHERNET) continue;
    const fit = records.filter((r) => r.data.length >= 14 && r.data.length <= MAX_FRAME);
    if (fit.length === 0) continue;
    used.push(f);
    for (const r of fit) frames.push(r.data);
  }
  writeEthernetPcap(frames, out);
  return { frames: frames.length, files: used };
}

/** Ethernet frames as a classic pcap, 100 µs apart from `firstUs`, each as long on the wire as captured. */
function writeEthernetPcap(frames: readonly Buffer[], out: string, firstUs = 0): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262_144, 16);
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const parts: Buffer[] = [header];
  const base = 1_700_000_000;
  frames.forEach((data, i) => {
    const h = Buffer.alloc(16);
    const us = firstUs + i * 100;
    h.writeUInt32LE(base + Math.floor(us / 1e6), 0);
    h.writeUInt32LE(us % 1e6, 4);
    h.writeUInt32LE(data.length, 8);
    h.writeUInt32LE(data.length, 12);
    parts.push(h, data);
  });
  writeFileSync(out, Buffer.concat(parts));
}

// ---------------------------------------------------------------- records

interface EveRecord {
  event_type: string;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  proto: string;
  pcap_filename?: string;
  in_iface?: string;
  /** live --workers N: the worker that wrote the record. */
  worker?: number;
  alert?: { signature_id: number };
  dnsae: {
    first8: string;
    rules_failed: string[];
    model_id?: string;
    /** Tunnel-stage alerts: the window's key and size instead of a message's bytes. */
    stage?: string;
    client?: string;
    registered_domain?: string;
    counters?: { queries: number; responses: number };
  };
}

function readRecords(path: string): EveRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EveRecord);
}

/** What an alert says about the traffic, without times and flow ids. */
function normalizedAlerts(records: EveRecord[]): string[] {
  return records
    .filter((r) => r.event_type === 'alert')
    .map((r) =>
      r.dnsae.stage === 'tunnel'
        ? // A window's key and what it counted: its last query's ports are those of the same query in both runs.
          [r.src_ip, r.src_port, r.dest_ip, r.dest_port, r.proto, r.alert!.signature_id, r.dnsae.registered_domain, r.dnsae.counters!.queries, r.dnsae.counters!.responses].join(' ')
        : [r.src_ip, r.src_port, r.dest_ip, r.dest_port, r.proto, r.alert!.signature_id, r.dnsae.first8, r.dnsae.rules_failed.join('+')].join(' '),
    )
    .sort();
}

// ---------------------------------------------------------------- the sensor

/** `dnsae live ARGS` as root (it drops to --user itself). */
class Sensor extends LiveSensorProcess {
  constructor(args: string[]) {
    super(args);
  }
}

function idsOf(pid: number): { uid: number[]; gid: number[]; groups: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number[] =>
    (new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  return { uid: field('Uid'), gid: field('Gid'), groups: field('Groups') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}


/** The stats-line field behind each metric the sensor exports from its counters. */
const METRIC_FIELDS: [string, string][] = [
  ['dnsae_packets_total', 'packets'],
  ['dnsae_fast_lane_packets_total', 'fast_lane_packets'],
  ['dnsae_samples_total', 'samples'],
  ['dnsae_alerts_total', 'alerts'],
  ['dnsae_alerts_suppressed_total', 'alerts_suppressed'],
  ['dnsae_queue_drops_total', 'queue_drops'],
  ['dnsae_kernel_received_total', 'kernel_received'],
  ['dnsae_kernel_drops_total', 'kernel_drops'],
  ['dnsae_flow_evictions_total', 'flow_evictions'],
  ['dnsae_flows', 'flows'],
];

/**
 * A model that is not the one in `from`: the lowest mantissa bit of the
 * last weight flipped and modelId recomputed, so it loads and has its own
 * id. With `corrupt`, the id is left alone and loading must fail.
 */
function writeModelVariant(from: string, to: string, corrupt = false): string {
  mkdirSync(to, { recursive: true });
  for (const f of ['model.json', 'dnsae.json', 'weights.bin']) copyFileSync(join(from, f), join(to, f));
  const manifest = JSON.parse(readFileSync(join(to, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const paths = manifest.weightsManifest.flatMap((g) => g.paths);
  expect(paths).toEqual(['weights.bin']);
  const w = readFileSync(join(to, 'weights.bin'));
  w[w.length - 4] ^= 1;
  writeFileSync(join(to, 'weights.bin'), w);
  const meta = JSON.parse(readFileSync(join(to, 'dnsae.json'), 'utf8')) as { modelId: string };
  if (!corrupt) meta.modelId = modelIdOf(w);
  writeFileSync(join(to, 'dnsae.json'), JSON.stringify(meta, null, 2));
  return meta.modelId;
}

describe.skipIf(SKIP !== undefined)(`dnsae live on a veth pair${SKIP === undefined ? '' : ` (skipped: ${SKIP})`}`, () => {
  const pair = vethNames('de', 'e2e');
  const { tag, ns, host, peer } = pair;
  const dir = join(ROOT, 'tmp', `live-e2e-${tag}`);
  const corpus = join(dir, 'corpus.pcap');
  let corpusFrames = 0;
  const sensors: Sensor[] = [];
  const replays: ChildProcess[] = [];
  const cleanups: (() => void)[] = [];

  function sensor(args: string[]): Sensor {
    const s = new Sensor(args);
    sensors.push(s);
    return s;
  }

  /** tcpreplay out of the namespace end; resolves with the number of packets it sent. */
  function replay(args: string[], timeoutMs: number): { child: ChildProcess; done: Promise<number> } {
    const child = spawn('ip', ['netns', 'exec', ns, 'tcpreplay', '-i', peer, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    replays.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const done = new Promise<number>((resolve, reject) =>
      child.once('close', (code) => {
        const sent = /Actual: (\d+) packets/.exec(out)?.[1];
        const failed = /Failed packets:\s+(\d+)/.exec(out)?.[1];
        if (code !== 0 || sent === undefined) reject(new Error(`tcpreplay failed (${code}): ${out}`));
        else if (failed !== undefined && failed !== '0') reject(new Error(`tcpreplay could not send ${failed} packets: ${out}`));
        else resolve(Number(sent));
      }),
    );
    return { child, done };
  }

  /** `dnsae score`'s records for a capture, computed once per capture. */
  const scored = new Map<string, EveRecord[]>();
  function scoreRecords(capture: string, detector = 'both'): EveRecord[] {
    let records = scored.get(`${capture} ${detector}`);
    if (records === undefined) {
      const out = join(dir, `score-${scored.size}.ndjson`);
      const r = sh(process.execPath, [CLI, 'score', '-d', detector, capture, '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      records = readRecords(out);
      scored.set(`${capture} ${detector}`, records);
    }
    return records;
  }

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
    mkdirSync(dir, { recursive: true });
    corpusFrames = buildCorpusCapture(dir, corpus).frames;
    // Captured frames can be longer than 1500 bytes (offloaded segments).
    createVethPair(pair, 65535);
  });

  afterAll(async () => {
    for (const s of sensors) {
      s.kill('SIGKILL');
      await s.exited;
    }
    for (const r of replays) if (r.exitCode === null) r.kill('SIGKILL');
    removeVethPair(pair);
    rmSync(dir, { recursive: true, force: true });
    for (const c of cleanups) c();
  });

  it.each([1, 2])('writes the alerts dnsae score writes for the same traffic, unprivileged, with metrics that match its stats lines (--workers %i)', async (workers) => {
    expect(corpusFrames).toBeGreaterThan(1000);
    const out = join(dir, `live-alerts-${workers}.ndjson`);
    // What an earlier run of the sensor wrote: a restart appends after it.
    const earlier = '{"event_type":"earlier_run"}\n';
    writeFileSync(out, earlier);
    const port = await freePort();
    // An empty filter: the default 'port 53' is compiled for the live link
    // and passes e.g. single-VLAN frames but not QinQ ones or later IP
    // fragments, which dnsae score sees in the file (docs/live.md).
    const s = sensor(['-i', host, '--filter', '', '--user', 'nobody', '--metrics-port', String(port), '--stats-interval', '1', '-o', out, ...(workers > 1 ? ['--workers', String(workers)] : [])]);
    await s.waitFor('start', () => s.find('live capture started') !== undefined);
    // Frames come from the addon in batches of pcap records and go through the fast lane, as a capture file's do.
    expect(s.find('live capture started')).toMatchObject({ record_mode: true, fast_lane: true });
    expect(s.find('live capture started')!.workers).toBe(workers > 1 ? workers : undefined);

    const ids = idsOf(s.pid);
    expect(ids.uid).toEqual([NOBODY, NOBODY, NOBODY, NOBODY]);
    expect(new Set(ids.gid).size).toBe(1);
    expect(ids.gid[0]).not.toBe(0);
    expect(ids.groups.every((g) => g === ids.gid[0])).toBe(true);

    const sent = await replay(['-q', '--pps=4000', corpus], 60_000).done;
    expect(sent).toBe(corpusFrames);

    await s.waitFor('every frame', () => s.lastStats()?.packets === sent);
    // Traffic has stopped: wait for a stats line, scrape, wait for the next one;
    // both lines and the scrape must show the same counters.
    const before = s.statsLines().length;
    await s.waitFor('a stats line', () => s.statsLines().length > before);
    const lineBefore = s.lastStats()!;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const scraped = parseMetrics(await res.text());
    const n = s.statsLines().length;
    await s.waitFor('the next stats line', () => s.statsLines().length > n);
    const lineAfter = s.lastStats()!;
    for (const [metric, field] of METRIC_FIELDS) {
      expect(scraped.get(metric), metric).toBe(lineBefore[field]);
      expect(lineAfter[field], field).toBe(lineBefore[field]);
    }
    expect(scraped.get(`dnsae_model_info{model_id="${String(lineBefore.model_id)}",detector="hybrid,tunnel"}`)).toBe(1);
    expect(scraped.get('dnsae_loss_ratio_count')).toBe(lineBefore.samples);
    expect(scraped.get('dnsae_loss_ratio_bucket{le="+Inf"}')).toBe(lineBefore.samples);
    expect(scraped.has('dnsae_process_cpu_seconds_total')).toBe(true);
    if (workers > 1) {
      // Each worker's own series add up to the total.
      for (const [metric] of METRIC_FIELDS) {
        const each = Array.from({ length: workers }, (_, i) => scraped.get(`${metric.replace(/^dnsae_/, 'dnsae_worker_')}{worker="${i}"}`));
        expect(each.every((v) => typeof v === 'number'), metric).toBe(true);
        expect(each.reduce((a, b) => a! + b!, 0), metric).toBe(scraped.get(metric));
      }
      // Both workers had traffic.
      for (let i = 0; i < workers; i++) expect(scraped.get(`dnsae_worker_packets_total{worker="${i}"}`)).toBeGreaterThan(0);
    }
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect(idsOf(s.pid).uid[0]).toBe(NOBODY); // still unprivileged after serving

    s.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.errorLines).toEqual([]);
    const final = s.statsLines().at(-1)!;
    expect(final.final).toBe(true);
    const f = final.stats!;
    expect(f.kernel_received).toBe(sent);
    expect(f.packets).toBe(sent);
    expect(f.kernel_drops).toBe(0);
    expect(f.queue_drops).toBe(0);
    // Not the TypeScript path for everything: most of the corpus is plain UDP and in-order TCP.
    expect(Number(f.fast_lane_packets)).toBeGreaterThan(sent / 2);
    expect(Number(f.fast_lane_packets)).toBeLessThanOrEqual(sent);

    const want = scoreRecords(corpus);
    expect(readFileSync(out, 'utf8').startsWith(earlier)).toBe(true);
    const got = readRecords(out).slice(1);
    // Header-stage and tunnel-stage alerts are counted apart.
    expect(got.length).toBe(Number(f.alerts) + Number(f.tunnel_alerts));
    expect(normalizedAlerts(want).length).toBeGreaterThan(10);
    expect(normalizedAlerts(got)).toEqual(normalizedAlerts(want));
    // Suricata writes no pcap_filename for live capture, but the interface as in_iface.
    expect(got.every((r) => r.pcap_filename === undefined)).toBe(true);
    expect(want.every((r) => r.pcap_filename === corpus)).toBe(true);
    expect(got.every((r) => r.in_iface === host)).toBe(true);
    expect(want.every((r) => r.in_iface === undefined)).toBe(true);
    // With workers, every record names the one that wrote it.
    expect(got.every((r) => (workers > 1 ? typeof r.worker === 'number' && r.worker < workers : r.worker === undefined))).toBe(true);
  });

  it.each([1, 2])('reloads the model on SIGHUP while capturing, keeps the old one when the new one is broken, and loses nothing on SIGTERM mid-stream (--workers %i)', async (workers) => {
    // The reload reads the model as nobody: keep it where nobody can reach it.
    const modelRoot = mkdtempSync(join(tmpdir(), 'dnsae-e2e-model-'));
    chmodSync(modelRoot, 0o755);
    cleanups.push(() => rmSync(modelRoot, { recursive: true, force: true }));
    const model = join(modelRoot, 'model');
    const firstId = writeModelVariant(join(ROOT, 'models/default'), join(dir, `model-a-${workers}`));
    mkdirSync(model);
    for (const f of ['model.json', 'dnsae.json', 'weights.bin']) copyFileSync(join(dir, `model-a-${workers}`, f), join(model, f));
    const out = join(dir, `live-all-${workers}.ndjson`);
    const s = sensor(['-i', host, '--filter', '', '--user', 'nobody', '--model', model, '--all', '--stats-interval', '1', '-o', out, ...(workers > 1 ? ['--workers', String(workers)] : [])]);
    await s.waitFor('start', () => s.find('live capture started') !== undefined);
    expect(s.find('live capture started')!.model_id).toBe(firstId);

    // A handful of packets is scored and its alert written while the sensor
    // runs: nothing waits for a 4096-sample batch or for the exit.
    await replay(['-q', '--pps=100', join(ROOT, 'test/fixtures/anomalous/suricata__dns-udp-junkrequest-first.pcap')], 30_000).done;
    await s.waitFor('an alert in the output while running', () => existsSync(out) && readFileSync(out, 'utf8').includes('"event_type":"alert"'));
    expect(s.child.exitCode).toBeNull();

    // About 12 s of traffic at most; the sensor is stopped well before it ends.
    const limit = 48_000;
    const r = replay(['-q', '--pps=4000', `--limit=${limit}`, '--loop=0', corpus], 60_000);
    await s.waitFor('traffic', () => Number(s.lastStats()?.packets ?? 0) > 0);

    // A broken model: one error line, the old model stays.
    writeModelVariant(join(dir, `model-a-${workers}`), model, true);
    let mark = s.logs.length;
    s.kill('SIGHUP');
    await s.waitFor('reload failure', () => s.find('model reload failed; keeping the old model', mark) !== undefined);
    const failed = s.find('model reload failed; keeping the old model', mark)!;
    expect(failed.model_id).toBe(firstId);
    expect(String(failed.error)).toContain('DNSAE_ERR_MODEL_INVALID');

    // A good one, read as the unprivileged user.
    rmSync(model, { recursive: true });
    const secondId = writeModelVariant(join(dir, `model-a-${workers}`), model);
    expect(secondId).not.toBe(firstId);
    mark = s.logs.length;
    s.kill('SIGHUP');
    await s.waitFor('reload', () => s.find('model reloaded', mark) !== undefined);
    const reloaded = s.find('model reloaded', mark)!;
    expect(reloaded.old_model_id).toBe(firstId);
    expect(reloaded.new_model_id).toBe(secondId);
    const packetsAtReload = Number(s.lastStats()!.packets);
    await s.waitFor('capture after the reload', () => Number(s.lastStats()?.packets) > packetsAtReload && s.lastStats()?.model_id === secondId);

    expect(r.child.exitCode).toBeNull(); // still sending
    s.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    const sent = await r.done;
    expect(s.errorLines).toEqual([]);

    const f = s.statsLines().at(-1)!.stats!;
    expect(s.statsLines().at(-1)!.final).toBe(true);
    expect(Number(f.packets)).toBeLessThan(sent); // stopped mid-stream
    expect(f.kernel_received).toBe(Number(f.kernel_drops) + Number(f.queue_drops) + Number(f.packets));
    expect(f.kernel_drops).toBe(0);
    expect(f.queue_drops).toBe(0);

    const records = readRecords(out);
    const scored = records.filter((x) => x.event_type === 'dns_ae');
    expect(scored.length).toBe(f.samples);
    expect(records.filter((x) => x.event_type === 'alert').length).toBe(Number(f.alerts) + Number(f.tunnel_alerts));
    // Every record names the model that scored it: the old one, then the new one (in each worker).
    for (let w = 0; w < workers; w++) {
      const models = scored.filter((x) => workers === 1 || x.worker === w).map((x) => x.dnsae.model_id);
      const switchAt = models.indexOf(secondId);
      expect(switchAt).toBeGreaterThan(0);
      expect(models.slice(0, switchAt).every((m) => m === firstId)).toBe(true);
      expect(models.slice(switchAt).every((m) => m === secondId)).toBe(true);
    }
  });

  it('reopens --out on SIGHUP after logrotate renamed it: the two files hold the alerts of dnsae score; where --user cannot create the file, one error line and the old file goes on until one is created for it', async () => {
    // The corpus in two parts: the first before the rotation, the second after. The first three quarters
    // reach into the anomalous captures, so header-stage alerts land on both sides of the rotation (the
    // benign fixtures alone raise none; tunnel-stage alerts come when their windows close, at the stop).
    const frames = readPcap(corpus).records.map((r) => r.data);
    const half = Math.floor((frames.length * 3) / 4);
    const first = join(dir, 'first-half.pcap');
    const second = join(dir, 'second-half.pcap');
    writeEthernetPcap(frames.slice(0, half), first);
    writeEthernetPcap(frames.slice(half), second, half * 100);
    // Two log directories nobody can reach: one it may create files in (as
    // logrotate's `create` or the sensor would need), one it may not.
    const logs = mkdtempSync(join(tmpdir(), 'dnsae-e2e-rotate-'));
    chmodSync(logs, 0o755);
    cleanups.push(() => rmSync(logs, { recursive: true, force: true }));
    const writable = join(logs, 'writable');
    const readOnly = join(logs, 'read-only');
    mkdirSync(writable, { mode: 0o750 });
    chownSync(writable, NOBODY, NOBODY_GROUP);
    mkdirSync(readOnly, { mode: 0o755 });
    // SIGHUP reloads the model too, read as nobody: a copy it can read.
    const model = join(logs, 'model');
    // Both stages' files (question/ too), as dnsae score reads them from models/default.
    cpSync(join(ROOT, 'models/default'), model, { recursive: true });
    chmodSync(model, 0o755);
    const okOut = join(writable, 'alerts.json');
    const deniedOut = join(readOnly, 'alerts.json');

    // Both sensors capture the same replay.
    const port = await freePort();
    // The header stage alone: its alerts are per message, so the pause between the two replays (which
    // stretches the question stage's windows in packet time) changes none of them.
    const common = ['-i', host, '--filter', '', '--user', 'nobody', '--model', model, '--stats-interval', '1', '-d', 'hybrid'];
    const ok = sensor([...common, '--metrics-port', String(port), '-o', okOut]);
    const denied = sensor([...common, '-o', deniedOut]);
    for (const s of [ok, denied]) await s.waitFor('start', () => s.find('live capture started') !== undefined);

    const sentFirst = await replay(['-q', '--pps=4000', first], 60_000).done;
    expect(sentFirst).toBe(half);
    for (const s of [ok, denied]) await s.waitFor('the first half', () => s.lastStats()?.packets === sentFirst);

    // logrotate without `create`: rename, then postrotate's kill -HUP.
    renameSync(okOut, `${okOut}.1`);
    renameSync(deniedOut, `${deniedOut}.1`);
    const marks = [ok.logs.length, denied.logs.length] as const;
    ok.kill('SIGHUP');
    denied.kill('SIGHUP');
    await ok.waitFor('the reopen', () => ok.find('output reopened', marks[0]) !== undefined);
    expect(ok.find('output reopened', marks[0])!.out).toBe(okOut);
    const failMsg = 'output reopen failed; still writing to the file opened before';
    await denied.waitFor('the failed reopen', () => denied.find(failMsg, marks[1]) !== undefined);
    const failure = denied.find(failMsg, marks[1])!;
    expect(failure.out).toBe(deniedOut);
    expect(failure.error).toBe(`${deniedOut}: cannot reopen output file (EACCES, permission denied) [DNSAE_ERR_OUTPUT]`);
    const errorsOf = (s: Sensor): LogRecord[] => s.logs.filter((l) => Number(l.level) >= 50);
    expect(errorsOf(denied)).toEqual([failure]);
    expect(errorsOf(ok)).toEqual([]);
    // Both went on to reload the model too.
    for (const [s, mark] of [[ok, marks[0]], [denied, marks[1]]] as const) await s.waitFor('the model reload', () => s.find('model reloaded', mark) !== undefined);

    const sentSecond = await replay(['-q', '--pps=4000', second], 60_000).done;
    expect(sentSecond).toBe(frames.length - half);
    const sent = sentFirst + sentSecond;
    for (const s of [ok, denied]) await s.waitFor('the second half', () => s.lastStats()?.packets === sent);
    const metrics = parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    expect(metrics.get('dnsae_output_reopens_total')).toBe(1);
    expect(metrics.get('dnsae_output_reopen_failures_total')).toBe(0);

    // Every alert so far, the second half's too, went to the renamed file.
    const deniedAlertsThen = Number(denied.lastStats()!.alerts);
    // logrotate's `create 0640 nobody nogroup` in the directory nobody cannot write: the next SIGHUP reopens.
    writeFileSync(deniedOut, '', { mode: 0o640 });
    chownSync(deniedOut, NOBODY, NOBODY_GROUP);
    const mark = denied.logs.length;
    denied.kill('SIGHUP');
    await denied.waitFor('the reopen of the created file', () => denied.find('output reopened', mark) !== undefined);
    // The renamed file is closed once the reopen is logged.
    const deniedOld = readRecords(`${deniedOut}.1`);
    expect(deniedOld.length).toBe(deniedAlertsThen);

    for (const s of [ok, denied]) s.kill('SIGTERM');
    for (const s of [ok, denied]) {
      expect(await s.exited).toEqual({ code: 0, signal: null });
      expect(s.errorLines).toEqual([]);
      const f = s.statsLines().at(-1)!.stats!;
      expect(f.packets).toBe(sent);
      expect(f.kernel_drops).toBe(0);
      expect(f.queue_drops).toBe(0);
    }
    const okFinal = ok.statsLines().at(-1)!.stats!;
    expect([okFinal.output_reopens, okFinal.output_reopen_failures]).toEqual([1, 0]);
    const deniedFinal = denied.statsLines().at(-1)!.stats!;
    expect([deniedFinal.output_reopens, deniedFinal.output_reopen_failures]).toEqual([1, 1]);

    const want = normalizedAlerts(scoreRecords(corpus, 'hybrid'));
    expect(want.length).toBeGreaterThan(10);

    // The new file was created by the sensor as nobody, with the mode of the first open.
    const created = statSync(okOut);
    expect(created.uid).toBe(NOBODY);
    expect(created.mode & 0o777).toBe(0o640);
    // readRecords parses every line: a record split across the files would throw.
    const before = readRecords(`${okOut}.1`);
    const after = readRecords(okOut);
    expect(before.length + after.length).toBe(Number(okFinal.alerts) + Number(okFinal.tunnel_alerts));
    expect(normalizedAlerts([...before, ...after])).toEqual(want);
    // Alerts written before the rotation are alerts on the first half of the traffic; the second half's went to the new file.
    const firstHalf = new Set(normalizedAlerts(scoreRecords(first, 'hybrid')));
    expect(normalizedAlerts(before).length).toBeGreaterThan(0);
    expect(normalizedAlerts(before).every((a) => firstHalf.has(a))).toBe(true);
    expect(normalizedAlerts(after).length).toBeGreaterThan(0);

    // Where the file could not be created, the second half's alerts went on to the renamed one.
    expect(normalizedAlerts(deniedOld).some((a) => !firstHalf.has(a))).toBe(true);
    // The created file has what was written after: alerts of TCP flows ended at the stop.
    const deniedNew = readRecords(deniedOut);
    expect(deniedOld.length + deniedNew.length).toBe(Number(deniedFinal.alerts) + Number(deniedFinal.tunnel_alerts));
    expect(normalizedAlerts([...deniedOld, ...deniedNew])).toEqual(want);
  });

  it('exits 5 with one line for a missing interface, a bad filter and an unknown user', () => {
    for (const [args, code] of [
      [['-i', `${host}x`], 'DNSAE_ERR_LIVE_DEVICE'],
      [['-i', host, '--filter', 'port 5x3'], 'DNSAE_ERR_LIVE_FILTER'],
      [['-i', host, '--user', `no-such-user-${tag}`], 'DNSAE_ERR_PRIVILEGE_DROP'],
    ] as const) {
      const r = sh(process.execPath, [CLI, 'live', ...args, '-o', join(dir, 'unused.ndjson')]);
      expect(r.status, r.stderr).toBe(5);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('dnsae: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`[${code}]`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it.skipIf(!NOBODY_READS_CLI)(`exits 5 when the unprivileged user has no capture rights${NOBODY_READS_CLI ? '' : ' (skipped: nobody cannot read the built CLI here)'}`, () => {
    const r = sh('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI, 'live', '-i', host, '-o', '/dev/null']);
    expect(r.status, r.stderr).toBe(5);
    expect(r.stderr).toContain('[DNSAE_ERR_LIVE_PERMISSION]');
  });
});
