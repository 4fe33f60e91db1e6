#!/usr/bin/env node
// Regenerates test/decode/dns/question-tshark.json: for every DNS message on
// port 53 of the benign and in-protocol-tunnel fixtures, the first question
// as tshark's DNS dissector sees it, so corpus.test.ts can check
// decodeQuestion without tshark installed:
//   node test/decode/dns/gen-question-fixture.mjs
// Per message: transport, sender port, receiver port, DNS id, the first
// query name (tshark's spelling, "<Root>" for the root) and type, or null
// for a message without a question. UPDATE messages name their zone
// section, which has the question's layout (RFC 2136 2.3).
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../..', import.meta.url).pathname;
const fixtures = join(root, 'test/fixtures');
const dirs = ['benign', 'anomalous/in-protocol-tunnel'];
const fields = ['udp.srcport', 'udp.dstport', 'tcp.srcport', 'tcp.dstport', 'dns.id', 'dns.count.queries', 'dns.count.zones', 'dns.qry.name', 'dns.qry.type'];

function messages(file) {
  const args = ['-n', '-r', file, '-Y', 'dns && !icmp && !icmpv6 && (udp.port == 53 || tcp.port == 53)', '-T', 'json'];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`tshark on ${file}: ${r.stderr}`);
  const out = [];
  for (const pkt of JSON.parse(r.stdout)) {
    const v = (f) => pkt._source.layers[f] ?? [];
    const tcp = v('tcp.srcport').length > 0;
    const sport = Number((tcp ? v('tcp.srcport') : v('udp.srcport'))[0]);
    const dport = Number((tcp ? v('tcp.dstport') : v('udp.dstport'))[0]);
    const ids = v('dns.id');
    // Several messages in one TCP segment: their questions come in order, split by each one's count.
    const counts = v('dns.count.queries').length === ids.length ? v('dns.count.queries') : v('dns.count.zones');
    const names = v('dns.qry.name');
    const qtypes = v('dns.qry.type');
    let k = 0;
    for (let i = 0; i < ids.length; i++) {
      const n = Number(counts[i] ?? 0);
      out.push([tcp ? 'tcp' : 'udp', sport, dport, parseInt(ids[i], 16), n > 0 ? names[k] : null, n > 0 ? Number(qtypes[k]) : null]);
      k += n;
    }
  }
  return out;
}

const version = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
const files = {};
for (const d of dirs) {
  for (const n of readdirSync(join(fixtures, d)).sort()) {
    if (!/\.pcap(ng)?$/.test(n)) continue;
    const m = messages(join(fixtures, d, n));
    if (m.length > 0) files[`${d}/${n}`] = m;
  }
}
const doc = { generatedBy: 'node test/decode/dns/gen-question-fixture.mjs', tools: version, fields: ['transport', 'srcPort', 'dstPort', 'id', 'qname', 'qtype'], files };
writeFileSync(join(root, 'test/decode/dns/question-tshark.json'), `${JSON.stringify(doc)}\n`);
console.log(`${Object.keys(files).length} files, ${Object.values(files).reduce((s, m) => s + m.length, 0)} messages`);
