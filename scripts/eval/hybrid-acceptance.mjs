#!/usr/bin/env node
// Flows alerted by each header-stage detector (ae, rules, hybrid) on every
// held-out benign set and on the non-DNS port-53 sets, as one markdown
// table: the numbers README.md and docs/model.md quote ("Hybrid fusion"),
// which test/run/evaluate.test.ts pins. After `npm run build`:
//   node scripts/eval/hybrid-acceptance.mjs [-m MODEL_DIR]
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const args = process.argv.slice(2);
const mi = args.indexOf('-m');
const model = mi >= 0 ? args[mi + 1] : path.join(root, 'models/default');
const list = (dir, re = /\.pcap(ng)?$/) =>
  readdirSync(path.join(root, dir))
    .filter((f) => re.test(f))
    .sort()
    .map((f) => path.join(dir, f));

const benignGroups = [
  ['zone transfers (variety)', list('data/benign/variety/test').filter((f) => f.endsWith('xfr.pcap'))],
  ['error answers (variety)', list('data/benign/variety/test').filter((f) => f.endsWith('errors.pcap'))],
  ['client stacks (variety)', list('data/benign/variety/test').filter((f) => f.endsWith('stubs.pcap'))],
  ['hard-benign names', list('data/hard-benign/test')],
  ['office population', list('data/population/test')],
  ['public corpus', list('test/fixtures/benign')],
];
const anomalousGroups = [
  ['public non-DNS on 53', list('test/fixtures/anomalous')],
  ['foreign protocols moved to 53', list('data/foreign-53', /\.pcap$/)],
];

function evaluate(benign, anomalous) {
  const a = ['dist/cli/main.js', 'evaluate', '--no-tunnel', '--json', '-m', model, '--benign', ...benign];
  if (anomalous.length > 0) a.push('--anomalous', ...anomalous);
  return JSON.parse(execFileSync(process.execPath, a, { cwd: root, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).toString());
}

const ev = evaluate(benignGroups.flatMap((g) => g[1]), anomalousGroups.flatMap((g) => g[1]));
const probes = evaluate(list('data/benign/variety/probes'), []);
const byPath = new Map(ev.files.map((f) => [path.relative(root, path.resolve(root, f.path)), f]));
const sum = (files, d) => files.reduce((n, f) => n + byPath.get(f).alertsBy[d].flows, 0);
const flows = (files) => files.reduce((n, f) => n + byPath.get(f).flows, 0);
const fmt = (n) => n.toLocaleString('en-US');
const groups = [...benignGroups, ...anomalousGroups];
const benignFlows = ev.counts.benignFlows;

console.log(`model ${ev.model}, threshold ${ev.threshold.toFixed(6)}`);
console.log(`| detector | ${groups.map(([n, f]) => `${n} (${fmt(flows(f))})`).join(' | ')} | benign total (${fmt(benignFlows)}) | probes (${fmt(probes.counts.benignFlows)}) |`);
console.log(`| --- | ${groups.map(() => '---:').join(' | ')} | ---: | ---: |`);
for (const d of ['ae', 'rules', 'hybrid']) {
  const fp = ev.perFlow[d].fp;
  console.log(
    `| ${d === 'hybrid' ? 'hybrid (default)' : d} | ${groups.map(([, f]) => fmt(sum(f, d))).join(' | ')} | ${fmt(fp)} (${((100 * fp) / benignFlows).toFixed(3)}%) | ${fmt(probes.perFlow[d].fp)} |`,
  );
}
