#!/usr/bin/env node
// Writes test/fixtures/rules/<capture>.json: the DNS-position messages of a few
// corpus captures (tshark extraction, see scripts/port53-payloads.mjs), so the
// rule tests run without the corpus. Regenerate with:
//
//   node scripts/make-rules-fixtures.mjs [--corpus DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractMessages } from './port53-payloads.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--corpus');
const corpus = resolve(i >= 0 ? process.argv[i + 1] : join(root, '..', 'shared', 'corpus'));
const outDir = join(root, 'test', 'fixtures', 'rules');

const MAX_MESSAGES = 40;
const MAX_PAYLOAD = 1500;

const on53 = { udpFilter: 'udp.port == 53', tcpFilter: 'tcp.port == 53', serverPort: () => 53 };
const DNS_LIKE = [53, 137, 5353, 5355, 8053];
const foreign = {
  udpFilter: DNS_LIKE.map((p) => `udp.port != ${p}`).join(' && '),
  tcpFilter: DNS_LIKE.map((p) => `tcp.port != ${p}`).join(' && '),
  serverPort: (a, b) => Math.min(a, b),
};

// expect: what the default rules must say about every message of the file.
const FILES = [
  ['benign/tcpdump__dns_udp.pcap', 'pass', on53],
  ['benign/chrissanders__dns_axfr.pcapng', 'pass', on53],
  ['benign/zeek__dns_notify2.pcap', 'pass', on53],
  ['benign/zeek__dns-dynamic-update.pcap', 'pass', on53],
  ['benign/zeek__dns-tkey.pcap', 'pass', on53],
  ['benign/tcpdump__edns-opts.pcap', 'pass', on53],
  ['benign/tcpdump__dns-badcookie.pcap', 'pass', on53],
  ['benign/ndpi__dns_fragmented.pcap', 'pass', on53],
  ['benign/suricata__dns-tcp-multirequest-buffer.pcap', 'pass', on53],
  ['anomalous/suricata__http-get-tcp53-a.pcap', 'fail', on53],
  ['anomalous/zeek__ipv6-hbh-routing0-garbage53.pcap', 'fail', on53],
  ['foreign/zeek__ntp.pcap', 'fail', foreign],
  ['foreign/ndpi__wireguard.pcapng', 'fail', foreign],
  ['foreign/zeek__ssh-over-udp.pcap', 'fail', foreign],
  ['foreign/ndpi__quic-29.pcap', 'fail', foreign],
  ['foreign/zeek__snmpv1_get.pcap', 'fail', foreign],
  ['foreign/zeek__dhcp.pcap', 'fail', foreign],
  ['foreign/zeek__tls1.2.pcap', 'fail', foreign],
  ['foreign/zeek__ssh_kex_curve25519.pcap', 'fail', foreign],
];

mkdirSync(outDir, { recursive: true });
for (const [rel, expect, sel] of FILES) {
  const msgs = extractMessages(join(corpus, rel), sel).slice(0, MAX_MESSAGES);
  const name = rel.split('/').pop();
  const doc = {
    generatedBy: 'scripts/make-rules-fixtures.mjs',
    source: rel,
    expect,
    messages: msgs.map((m) => ({
      transport: m.transport,
      direction: m.direction,
      length: m.length,
      head: Buffer.from(m.payload.subarray(0, 12)).toString('hex'),
      // Whole payload only when captured in full and small, for the dns-packet baseline.
      payload: m.payload.length === m.length && m.length <= MAX_PAYLOAD ? Buffer.from(m.payload).toString('hex') : null,
    })),
  };
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify(doc, null, 1) + '\n');
  console.log(`${rel}: ${doc.messages.length} messages`);
}
