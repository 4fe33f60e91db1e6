#!/usr/bin/env node
// Builds a multi-week, multi-sensor EVE alert stream for `dnsae report` from real alerts:
// dnsae scores data/sample/mixed.pcap and the anomalous fixtures (header stage: hybrid, ae-only and
// rules-only runs give signatures 9053003, 9053001 and 9053002), tshark reads the queries of the
// tunnel captures for tunnel-stage records (9053010: client, registered domain, EVE dns object),
// and those records are replayed with shifted timestamps, one file per sensor (`host`).
//
// Daily count per (sensor, signature) = base + amp * profile[day % 7], with seeded base and amp and
// one seeded weekly profile (a permutation of -3..3, the fleet's weekday rhythm). Every 7-day window
// of every series, and of every sum of series, then has the same mean and a spread that no day
// leaves by more than 1.5 sd: only the planted spike (one day, one sensor, signature 9053003) is
// outside a 7-day two-sigma band. (Independent profiles per series would not do: their sums can
// put an ordinary weekday past two sigma.)
// From `retrainDay` on, header-stage records carry another model id and threshold (a retrain). A few malformed
// lines, Suricata alerts (another producer) and non-alert events are mixed in; manifest.json says
// where.
//
//   npm run build
//   node scripts/report/make-alert-stream.mjs --out-dir /tmp/alerts [--days 35] [--sensors 4] [--seed 7]
//   node scripts/report/make-alert-stream.mjs --stdout --records 3000000 [--sources 1000000] | dnsae report - --json out.json
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getDomain } from 'tldts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const DAY = 86_400_000;

const { values: a } = parseArgs({
  options: {
    'out-dir': { type: 'string' },
    stdout: { type: 'boolean', default: false },
    records: { type: 'string' },
    days: { type: 'string', default: '35' },
    sensors: { type: 'string', default: '4' },
    seed: { type: 'string', default: '7' },
    start: { type: 'string', default: '2026-10-19' },
    // Spread src_ip over N addresses (skewed: a few heavy, most rare) to load the top-N sketch.
    sources: { type: 'string', default: '0' },
  },
});
const DAYS = Number(a.days);
const SENSORS = Number(a.sensors);
const START = Date.parse(`${a.start}T00:00:00Z`);
if (!a.stdout && a['out-dir'] === undefined) throw new Error('--out-dir DIR or --stdout');

function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(Number(a.seed));
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

// --- templates from real runs -------------------------------------------------------------
const anomalous = readdirSync(join(ROOT, 'test/fixtures/anomalous'))
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .map((f) => join('test/fixtures/anomalous', f));
const captures = ['data/sample/mixed.pcap', ...anomalous];

function score(detector) {
  const r = spawnSync(process.execPath, [CLI, 'score', ...captures, '--all-alerts', '--alert-limit', '0', '--detector', detector], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, DNSAE_LOG_LEVEL: 'error' },
  });
  if (r.status !== 0) throw new Error(`dnsae score --detector ${detector} exited ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

const bySid = new Map();
for (const det of ['hybrid', 'ae', 'rules']) {
  for (const rec of score(det)) {
    const sid = rec.alert?.signature_id;
    if (!bySid.has(sid)) bySid.set(sid, []);
    bySid.get(sid).push(rec);
  }
}

const TUNNEL_SIG = {
  action: 'allowed',
  gid: 1,
  signature_id: 9053010,
  rev: 1,
  signature: 'DNSAE DNS tunnel or exfiltration suspected (question autoencoder, per client and registered domain)',
  category: 'Attempted Information Leak',
  severity: 2,
};
const RRTYPE = { 1: 'A', 5: 'CNAME', 10: 'NULL', 15: 'MX', 16: 'TXT', 28: 'AAAA' };
const modelOf = bySid.get(9053003)?.find((r) => r.dnsae?.model_id !== undefined)?.dnsae ?? { model_id: 'f7b867c6cec3', threshold: 0.093752 };
// The tunnel stage's own network: its id and threshold are not the header model's.
const QUESTION_MODEL = { model_id: '9d41c07be2a3', threshold: 0.031207 };
const tunnelCaptures = readdirSync(join(ROOT, 'test/fixtures/anomalous/in-protocol-tunnel')).sort();
// Real tunnel-stage alerts when the shipped model has a question stage; else records built from the
// captures' queries in the shape of src/output/eve-tunnel-alert.ts.
const real = spawnSync(process.execPath, [CLI, 'score', ...tunnelCaptures.map((f) => join('test/fixtures/anomalous/in-protocol-tunnel', f)), '--alert-limit', '0'], {
  cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, DNSAE_LOG_LEVEL: 'error' },
});
const tunnels = real.stdout.split('\n').filter((l) => l.includes('"signature_id":9053010')).map((l) => JSON.parse(l));
for (const f of tunnels.length > 0 ? [] : tunnelCaptures) {
  const r = spawnSync('tshark', ['-r', join(ROOT, 'test/fixtures/anomalous/in-protocol-tunnel', f), '-Y', 'dns.flags.response==0 && udp',
    '-T', 'fields', '-E', 'separator=\t', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'udp.srcport', '-e', 'dns.id', '-e', 'dns.qry.name', '-e', 'dns.qry.type'],
  { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tshark on ${f}: ${r.stderr}`);
  for (const line of r.stdout.split('\n').slice(0, 40)) {
    const [src, dst, sport, id, qname, qtype] = line.split('\t');
    const domain = qname ? getDomain(qname) : null;
    if (!src || !dst || !domain) continue;
    tunnels.push({
      timestamp: '', flow_id: 1_000_000 + tunnels.length, pcap_filename: `test/fixtures/anomalous/in-protocol-tunnel/${f}`,
      src_ip: src, src_port: Number(sport), dest_ip: dst, dest_port: 53, proto: 'UDP', direction: 'to_server',
      event_type: 'alert', app_proto: 'dns', alert: TUNNEL_SIG,
      dns: { query: [{ type: 'query', rrname: qname, rrtype: RRTYPE[Number(qtype)] ?? String(qtype), tx_id: Number(id) }] },
      dnsae: { stage: 'tunnel', detector: 'tunnel', client: src, registered_domain: domain, score: 0.5, ...QUESTION_MODEL },
    });
  }
}
bySid.set(9053010, tunnels);
const KINDS = [9053001, 9053002, 9053003, 9053010];
for (const k of KINDS) if (!(bySid.get(k)?.length > 0)) throw new Error(`no template for signature ${k}`);

// A template string is the record without its timestamp: `{"timestamp":TS,"host":H,` + rest.
const RETRAIN = { model_id: '3c9e0a41d2b7', threshold: 0.087115 };
function rest(rec, retrained) {
  const r = { ...rec, dnsae: { ...rec.dnsae } };
  delete r.timestamp;
  // Only the header model is retrained.
  if (retrained && r.dnsae.model_id !== undefined && r.alert.signature_id !== 9053010) Object.assign(r.dnsae, RETRAIN);
  return JSON.stringify(r).slice(1);
}
const SOURCES = Number(a.sources);
// With --sources, each template is cut around its src_ip value so a record only joins strings.
const cut = (t) => {
  const m = /"src_ip":"[^"]*"/.exec(t);
  return m === null || SOURCES === 0 ? [t] : [t.slice(0, m.index + 10), t.slice(m.index + m[0].length - 1)];
};
const templates = KINDS.map((k) => bySid.get(k).map((rec) => [cut(rest(rec, false)), cut(rest(rec, true))]));
const srcOf = () => {
  const i = Math.floor(SOURCES * rnd() ** 3);
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
};
const join2 = (parts) => (parts.length === 1 ? parts[0] : parts[0] + srcOf() + parts[1]);

// --- schedule ---------------------------------------------------------------------------------
const PROFILE = [-3, -2, -1, 0, 1, 2, 3];
function permutation() {
  const p = [...PROFILE];
  for (let i = p.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}
const target = a.records === undefined ? undefined : Number(a.records);
const sensors = Array.from({ length: SENSORS }, (_, s) => `sensor-${String.fromCharCode(97 + s)}`);
// Base rates: small for tests; scaled so the whole stream has about --records records.
const scale = target === undefined ? 1 : target / (DAYS * SENSORS * KINDS.length * 20);
const profile = permutation();
const plan = sensors.map(() =>
  KINDS.map(() => {
    const base = Math.round(int(12, 28) * scale);
    return { base, amp: Math.max(1, Math.round(int(1, 2) * scale)), profile };
  }),
);
// Big enough to leave the fleet total's band whatever the weekday (more than 7 x the summed amps,
// see above), and big enough that the inflated band after it flags no ordinary day below it.
const spikeExtra = 8 * plan.flat().reduce((x, p) => x + p.amp, 0);
const spike = { sensor: sensors[int(0, SENSORS - 1)], day: int(14, DAYS - 4), kind: 9053003 };
const retrainDay = Math.floor(DAYS * 0.6);
const eveTs = (ms) => `${new Date(ms).toISOString().slice(0, 23)}000+0000`;
const dayIso = (d) => new Date(START + d * DAY).toISOString().slice(0, 10);

function dayRecords(s, d) {
  const out = [];
  KINDS.forEach((sid, k) => {
    const p = plan[s][k];
    let n = p.base + p.amp * p.profile[d % 7];
    if (sensors[s] === spike.sensor && d === spike.day && sid === spike.kind) n += spikeExtra;
    const pool = templates[k];
    for (let i = 0; i < n; i++) {
      const t = START + d * DAY + Math.floor(rnd() * DAY);
      out.push([t, join2(pool[int(0, pool.length - 1)][d >= retrainDay ? 1 : 0])]);
    }
  });
  out.sort((x, y) => x[0] - y[0]);
  return out.map(([t, r]) => `{"timestamp":"${eveTs(t)}","host":"${sensors[s]}",${r}`);
}

// Another producer in the same file: Suricata's own alerts and a non-alert event.
function suricata(t, host) {
  return JSON.stringify({
    timestamp: eveTs(t), flow_id: 77, in_iface: 'eth0', host, event_type: 'alert', src_ip: '10.9.8.7', src_port: 44123,
    dest_ip: '198.51.100.20', dest_port: 80, proto: 'TCP',
    alert: { action: 'allowed', gid: 1, signature_id: 2013028, rev: 7, signature: 'ET POLICY curl User-Agent Outbound', category: 'Attempted Information Leak', severity: 2 },
  });
}
const dnsEvent = (t, host) => JSON.stringify({ timestamp: eveTs(t), host, event_type: 'dns', src_ip: '10.0.0.5', dest_ip: '10.0.0.53', dns: { type: 'query', rrname: 'example.com', rrtype: 'A' } });

// `| head` closing the pipe is a normal way to stop.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

async function toStdout() {
  let buf = [];
  const flush = async () => {
    if (!process.stdout.write(buf.join('\n') + '\n')) await new Promise((r) => process.stdout.once('drain', r));
    buf = [];
  };
  for (let d = 0; d < DAYS; d++) {
    for (let s = 0; s < SENSORS; s++) {
      for (const l of dayRecords(s, d)) {
        buf.push(l);
        if (buf.length >= 4096) await flush();
      }
    }
  }
  if (buf.length > 0) await flush();
}

if (a.stdout) {
  await toStdout();
} else {
  const dir = a['out-dir'];
  mkdirSync(dir, { recursive: true });
  const malformed = [];
  let others = 0;
  let nonAlerts = 0;
  const files = [];
  sensors.forEach((host, s) => {
    const lines = [];
    for (let d = 0; d < DAYS; d++) {
      lines.push(...dayRecords(s, d));
      if (s === 0 && d % 3 === 0) {
        lines.push(suricata(START + d * DAY + 43_200_000, host), suricata(START + d * DAY + 50_000_000, host));
        others += 2;
      }
      if (s === 0 && d % 5 === 0) {
        lines.push(dnsEvent(START + d * DAY + 1000, host));
        nonAlerts++;
      }
      if (s === 1 && d % 11 === 2) {
        // Three kinds of damage: a cut line, not JSON at all, a record with no usable time.
        lines.push(['{"timestamp":"2026-10-2', 'not json', '{"event_type":"alert","timestamp":"yesterday"}'][malformed.length % 3]);
        malformed.push(`${join(dir, `${host}.ndjson`)}:${lines.length}`);
      }
    }
    const file = join(dir, `${host}.ndjson`);
    writeFileSync(file, lines.join('\n') + '\n');
    files.push(file);
  });
  const manifest = {
    start: a.start, days: DAYS, sensors, files, seed: Number(a.seed),
    spike: { ...spike, date: dayIso(spike.day) },
    retrain: { date: dayIso(retrainDay), ...RETRAIN, before: { model_id: modelOf.model_id, threshold: modelOf.threshold } },
    tunnel_model: tunnels[0].dnsae.model_id ?? null,
    tunnel_records: real.stdout.includes('"signature_id":9053010') ? 'dnsae score' : 'built from tshark queries',
    malformed, other_producer_alerts: others, non_alert_records: nonAlerts,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(manifest)}\n`);
}
