#!/usr/bin/env node
// Regenerates test/fixtures/flow-samples-tshark.json: for every benign and
// anomalous fixture, the DNS messages on port 53 as tshark's own UDP, IP
// fragment and TCP reassembly and DNS dissector see them, so the flow tests
// can check our framing without tshark installed:
//   node scripts/gen-flow-expectations.mjs
// Per message: transport, sender port, receiver port, the 12 header bytes
// rebuilt from dns.id/flags/counts, and the message length (TCP: dns.length,
// the length prefix; UDP: udp.length - 8). ICMP-quoted DNS is left out.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const fixtures = join(root, 'test/fixtures');
const dirs = ['benign', 'anomalous', 'anomalous/in-protocol-tunnel'];
const fields = ['udp.srcport', 'udp.dstport', 'tcp.srcport', 'tcp.dstport', 'udp.length', 'dns.length', 'dns.id', 'dns.flags', 'dns.count.queries', 'dns.count.answers', 'dns.count.auth_rr', 'dns.count.add_rr', 'dns.count.zones', 'dns.count.prerequisites', 'dns.count.updates'];

function hex16(n) {
  return n.toString(16).padStart(4, '0');
}

function messages(file) {
  const args = ['-n', '-r', file, '-Y', 'dns && !icmp && !icmpv6 && (udp.port == 53 || tcp.port == 53)', '-T', 'fields', '-E', 'occurrence=a', '-E', 'separator=/t'];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = [];
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const v = Object.fromEntries(line.split('\t').map((x, i) => [fields[i], x === '' ? [] : x.split(',')]));
    const tcp = v['tcp.srcport'].length > 0;
    const sport = Number((tcp ? v['tcp.srcport'] : v['udp.srcport'])[0]);
    const dport = Number((tcp ? v['tcp.dstport'] : v['udp.dstport'])[0]);
    const ids = v['dns.id'];
    for (let i = 0; i < ids.length; i++) {
      const head =
        hex16(parseInt(ids[i], 16)) +
        hex16(parseInt(v['dns.flags'][i], 16)) +
        // UPDATE messages (opcode 5) name the first three counts zones/prerequisites/updates.
        [
          ['dns.count.queries', 'dns.count.zones'],
          ['dns.count.answers', 'dns.count.prerequisites'],
          ['dns.count.auth_rr', 'dns.count.updates'],
          ['dns.count.add_rr', 'dns.count.add_rr'],
        ]
          .map(([f, alt]) => hex16(Number(v[f].length > 0 ? v[f][i] : v[alt][i])))
          .join('');
      const length = tcp ? Number(v['dns.length'][i]) : Number(v['udp.length'][0]) - 8;
      out.push([tcp ? 'tcp' : 'udp', sport, dport, head, length]);
    }
  }
  return out;
}

// For captures with no DNS at all on TCP/53 (HTTP, a PE download): each
// direction's reassembled bytes as tshark's "follow tcp" gives them, as
// [senderPort, receiverPort, first 14 bytes hex, total bytes].
function tcpStreams(file) {
  const ids = spawnSync('tshark', ['-n', '-r', file, '-Y', 'tcp.port == 53', '-T', 'fields', '-e', 'tcp.stream'], { encoding: 'utf8' });
  const out = [];
  for (const id of [...new Set(ids.stdout.split('\n').filter((x) => x !== ''))]) {
    const r = spawnSync('tshark', ['-n', '-r', file, '-q', '-z', `follow,tcp,raw,${id}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const nodes = [...r.stdout.matchAll(/^Node (\d): .*:(\d+)$/gm)].map((m) => Number(m[2]));
    const data = ['', ''];
    for (const line of r.stdout.split('\n')) {
      if (/^\t[0-9a-f]+$/.test(line)) data[1] += line.slice(1);
      else if (/^[0-9a-f]+$/.test(line)) data[0] += line;
    }
    for (const n of [0, 1]) if (data[n] !== '') out.push([nodes[n], nodes[1 - n], data[n].slice(0, 28), data[n].length / 2]);
  }
  return out;
}

const files = {};
const tcpOnly = {};
for (const d of dirs) {
  for (const name of readdirSync(join(fixtures, d)).sort()) {
    const file = join(fixtures, d, name);
    if (!statSync(file).isFile()) continue;
    const msgs = messages(file);
    files[relative(fixtures, file)] = msgs;
    if (msgs.length === 0) {
      const streams = tcpStreams(file);
      if (streams.length > 0) tcpOnly[relative(fixtures, file)] = streams;
    }
  }
}
const outFile = join(fixtures, 'flow-samples-tshark.json');
const tools = execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0];
writeFileSync(outFile, JSON.stringify({ generatedBy: 'node scripts/gen-flow-expectations.mjs', tools, fields: ['transport', 'srcPort', 'dstPort', 'head', 'length'], files, tcpStreamFields: ['srcPort', 'dstPort', 'first14', 'bytes'], tcpStreams: tcpOnly }) + '\n');
console.log(`wrote ${Object.keys(files).length} files to ${relative(root, outFile)}`);
