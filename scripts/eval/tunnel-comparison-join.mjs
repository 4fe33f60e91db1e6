#!/usr/bin/env node
// The join behind scripts/eval/tunnel-comparison.sh: one table row per
// capture group from the three tools' outputs on the same captures.
//
//   node tunnel-comparison-join.mjs GROUPS.tsv EVALUATE.json WINDOWS.ndjson NDPI.tsv
//
// GROUPS.tsv   path \t group \t class (benign | tunnel), in group order
// EVALUATE.json  `dnsae evaluate --json` (its tunnel object: sessions per file,
//                alerted by the tunnel autoencoder and by the baseline)
// WINDOWS.ndjson `dnsae score --all -d tunnel` records: the (client,
//                registered domain) sessions of each file
// NDPI.tsv     path \t scripts/corpus/ndpi-risks.sh flow line
//
// nDPI reports flows, not sessions. A session (file, client, registered
// domain) counts as flagged by nDPI when any port-53 flow of the same client
// in the same file carries a DNS risk (a risk whose name holds DNS, DGA or
// Domain, as ndpi-risks.sh --summary counts them). A client's one UDP flow
// to its resolver carries every domain it asks for, so this mapping is the
// most nDPI could be credited with: an upper bound on its detections, on
// benign captures as on tunnels.
import { readFileSync } from 'node:fs';

const [groupsFile, evalFile, windowsFile, ndpiFile] = process.argv.slice(2);
if (ndpiFile === undefined) {
  console.error('usage: tunnel-comparison-join.mjs GROUPS.tsv EVALUATE.json WINDOWS.ndjson NDPI.tsv');
  process.exit(2);
}
const lines = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '');

const groupOf = new Map();
const groups = [];
for (const l of lines(groupsFile)) {
  const [path, group, cls] = l.split('\t');
  groupOf.set(path, group);
  if (!groups.some((g) => g.name === group)) groups.push({ name: group, cls, files: 0, sessions: 0, dnsae: 0, baseline: 0, ndpi: 0 });
}
const row = (path) => groups.find((g) => g.name === groupOf.get(path));

const report = JSON.parse(readFileSync(evalFile, 'utf8'));
if (report.tunnel === undefined) {
  console.error('tunnel-comparison: the evaluate report has no tunnel object (model without a question stage?)');
  process.exit(1);
}
for (const f of report.tunnel.files) {
  const g = row(f.path);
  if (g === undefined) continue;
  g.files++;
  g.sessions += f.sessions;
  g.dnsae += f.alerted.sessions;
  g.baseline += f.baseline.sessions;
}

const risky = new Set();
for (const l of lines(ndpiFile)) {
  const [path, , client, , , risks] = l.split('\t');
  if (risks !== undefined && risks !== '-' && risks.split(',').some((r) => /DNS|DGA|Domain/.test(r))) risky.add(`${path}\t${client}`);
}

const sessions = new Map();
for (const l of lines(windowsFile)) {
  const r = JSON.parse(l);
  if (r.event_type !== 'dns_ae_window') continue;
  sessions.set(`${r.pcap_filename}\t${r.dnsae.client}\t${r.dnsae.registered_domain}`, { path: r.pcap_filename, client: r.dnsae.client });
}
const check = new Map();
for (const s of sessions.values()) {
  const g = row(s.path);
  if (g === undefined) continue;
  check.set(g.name, (check.get(g.name) ?? 0) + 1);
  if (risky.has(`${s.path}\t${s.client}`)) g.ndpi++;
}

const pct = (n, d) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
const cell = (n, d) => `${n} (${pct(n, d)})`;
const head = ['group', 'class', 'files', 'sessions', 'dnsae', 'baseline', 'nDPI'];
const body = groups.map((g) => [g.name, g.cls, String(g.files), String(g.sessions), cell(g.dnsae, g.sessions), cell(g.baseline, g.sessions), cell(g.ndpi, g.sessions)]);
const width = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k].length)));
const fmt = (cells) => `| ${cells.map((c, k) => (k < 2 ? c.padEnd(width[k]) : c.padStart(width[k]))).join(' | ')} |`;
console.log(fmt(head));
console.log(`|${width.map((w, k) => (k < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const b of body) console.log(fmt(b));
// The two dnsae commands group windows the same way; a difference would mean the join is wrong.
for (const g of groups) {
  if ((check.get(g.name) ?? 0) !== g.sessions) console.error(`tunnel-comparison: ${g.name}: evaluate counts ${g.sessions} sessions, score's window records ${check.get(g.name) ?? 0}`);
}
