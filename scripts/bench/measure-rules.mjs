#!/usr/bin/env node
// Measures the structural header rules on the public capture corpus.
//
//   npx tsc -p tsconfig.build.json && node scripts/bench/measure-rules.mjs [--corpus DIR] [--foreign DIR] [--details]
//
// Sets: benign/ (expected: pass), anomalous/ (expected: fail), the
// in-protocol tunnels (valid DNS, expected: pass), malformed/ (informative),
// foreign protocols (expected: fail) and the DNS-on-other-port controls
// (expected: pass). Foreign payloads come from data/foreign-53/ (captures
// rewritten to port 53) when it exists, else straight from corpus/foreign/:
// the rules read only payload bytes, so the port makes no difference.
// Prints, per set and transport, how many messages fail all rules, the default
// rules, and the default rules restricted to the first eight bytes with no
// length, then per-rule failure counts. docs/rules.md records the output.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractMessages } from '../corpus/port53-payloads.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { RULES, ALL_RULES_MASK, DEFAULT_RULES_MASK, checkHeader, ruleNames } = await import(
  join(root, 'dist/rules/header-rules.js')
);
const { decodesAsDns } = await import(join(root, 'dist/rules/dns-decode-baseline.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const corpus = resolve(opt('--corpus', join(root, '..', 'shared', 'corpus')));
const foreign53 = resolve(opt('--foreign', join(root, 'data', 'foreign-53')));
const details = args.includes('--details');

export const CONTROLS = [
  'zeek__mdns.pcap',
  'suricata__llmnr-udp.pcap',
  'tcpdump__dns_udp_8053.pcap',
  'tcpdump__dns_tcp_8053.pcap',
  'ndpi__netbios-nbns.pcapng',
];
const DNS_LIKE_PORTS = [53, 137, 5353, 5355, 8053];

const captures = (dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(pcap|pcapng|cap)$/.test(f) && statSync(join(dir, f)).isFile())
        .sort()
        .map((f) => join(dir, f))
    : [];

const on53 = { udpFilter: 'udp.port == 53', tcpFilter: 'tcp.port == 53', serverPort: () => 53 };
const notDnsPorts = DNS_LIKE_PORTS.map((p) => `udp.port != ${p}`).join(' && ');
const notDnsPortsTcp = DNS_LIKE_PORTS.map((p) => `tcp.port != ${p}`).join(' && ');
const lowerPort = (a, b) => Math.min(a, b);

const sets = [];
sets.push({ name: 'benign', expect: 'pass', files: captures(join(corpus, 'benign')), sel: on53 });
sets.push({ name: 'anomalous', expect: 'fail', files: captures(join(corpus, 'anomalous')), sel: on53 });
sets.push({ name: 'tunnel', expect: 'pass', files: captures(join(corpus, 'anomalous', 'in-protocol-tunnel')), sel: on53 });
sets.push({ name: 'malformed', expect: '-', files: captures(join(corpus, 'malformed')), sel: on53 });
if (existsSync(foreign53)) {
  const files = captures(foreign53).filter((f) => !CONTROLS.some((c) => f.endsWith(c)));
  sets.push({ name: 'foreign-53', expect: 'fail', files, sel: on53 });
} else {
  const files = captures(join(corpus, 'foreign')).filter((f) => !CONTROLS.some((c) => f.endsWith(c)));
  sets.push({
    name: 'foreign',
    expect: 'fail',
    files,
    sel: { udpFilter: notDnsPorts, tcpFilter: notDnsPortsTcp, serverPort: lowerPort },
  });
}
sets.push({
  name: 'controls',
  expect: 'pass',
  files: CONTROLS.map((c) => join(corpus, 'foreign', c)).filter(existsSync),
  sel: {
    udpFilter: DNS_LIKE_PORTS.map((p) => `udp.port == ${p}`).join(' || '),
    tcpFilter: DNS_LIKE_PORTS.map((p) => `tcp.port == ${p}`).join(' || '),
    serverPort: (a, b) => (DNS_LIKE_PORTS.includes(b) ? b : DNS_LIKE_PORTS.includes(a) ? a : Math.min(a, b)),
  },
});

const ruleCount = RULES.length;
const rows = [];
const perRule = [];
const benignFailures = [];

for (const set of sets) {
  for (const transport of [0, 1]) {
    const row = { set: set.name, expect: set.expect, transport: transport ? 'tcp' : 'udp', n: 0, all: 0, dflt: 0, first8: 0, noDecode: 0, files: new Set() };
    const hits = new Array(ruleCount).fill(0);
    // only: the message fails this default rule and no other default rule; adds: an
    // off-by-default rule fails a message that passes every default rule.
    const only = new Array(ruleCount).fill(0);
    const adds = new Array(ruleCount).fill(0);
    for (const file of set.files) {
      for (const m of extractMessages(file, set.sel)) {
        if (m.transport !== transport) continue;
        row.n++;
        row.files.add(file);
        const headLen = Math.min(12, m.payload.length);
        const all = checkHeader(m.payload, 0, headLen, m.length, m.transport, m.direction, ALL_RULES_MASK);
        const dflt = checkHeader(m.payload, 0, headLen, m.length, m.transport, m.direction, DEFAULT_RULES_MASK);
        // The model's view: eight bytes, and the length only when it is below eight.
        const len8 = m.length < 8 ? m.length : -1;
        const first8 = checkHeader(m.payload, 0, Math.min(8, headLen), len8, m.transport, m.direction, DEFAULT_RULES_MASK);
        if (all) row.all++;
        if (dflt) row.dflt++;
        if (first8) row.first8++;
        if (!decodesAsDns(m.payload)) row.noDecode++;
        for (const r of RULES) {
          if (((all >>> r.bit) & 1) === 0) continue;
          hits[r.bit]++;
          if (r.defaultOn && dflt === 1 << r.bit) only[r.bit]++;
          if (!r.defaultOn && dflt === 0) adds[r.bit]++;
        }
        if (details && set.expect !== 'fail' && set.name !== 'malformed' && all) {
          benignFailures.push({ set: set.name, file: file.slice(corpus.length + 1), transport: row.transport, len: m.length, head: Buffer.from(m.payload.subarray(0, headLen)).toString('hex'), rules: ruleNames(all).join(',') });
        }
      }
    }
    if (row.n > 0) {
      rows.push(row);
      perRule.push({ key: `${set.name}/${row.transport}`, hits, only, adds });
    }
  }
}

const pad = (s, n) => String(s).padEnd(n);
const padL = (s, n) => String(s).padStart(n);
console.log(`corpus: ${corpus}`);
console.log(`default rules: ${ruleNames(DEFAULT_RULES_MASK).join(', ')}\n`);
console.log('| set | expect | transport | files | messages | fail (all rules) | fail (default) | fail (default, first 8 bytes, no length) | dns-packet cannot decode |');
console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.set} | ${r.expect} | ${r.transport} | ${r.files.size} | ${r.n} | ${r.all} | ${r.dflt} | ${r.first8} | ${r.noDecode} |`);
}
console.log('\nPer-rule failures with all rules enabled (a message can fail several). In parentheses, for a');
console.log('default rule: messages that fail no other default rule; in brackets, for an optional rule:');
console.log('messages it would add to those the default set already fails.\n');
console.log(`| rule | default | ${perRule.map((p) => p.key).join(' | ')} |`);
console.log(`| --- | --- | ${perRule.map(() => '---:').join(' | ')} |`);
for (const r of RULES) {
  const cell = (p) => `${p.hits[r.bit]}${r.defaultOn ? ` (${p.only[r.bit]})` : ` [+${p.adds[r.bit]}]`}`;
  console.log(`| ${r.name} | ${r.defaultOn ? 'on' : 'off'} | ${perRule.map(cell).join(' | ')} |`);
}
if (details) {
  console.log('\nMessages of the pass sets failing any rule:');
  for (const f of benignFailures) console.log(`${pad(f.file, 50)} ${f.transport} len=${padL(f.len, 5)} head=${f.head} ${f.rules}`);
}
