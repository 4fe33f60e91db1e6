#!/usr/bin/env node
// Counts (client, registered domain, 60-s bucket) windows of DNS queries,
// independently of dnsae's own grouping, from tshark's field output:
//
//   tshark -r F -Y "dns.flags.response==0" -T fields -e frame.time_epoch \
//     -e ip.src -e ipv6.src -e dns.qry.name -e dns.qry.type -e dns.flags.rcode |
//     node scripts/corpus/population-windows.mjs
//
// Feed responses too (drop the -Y filter, add -e dns.flags.response) to get
// the NXDOMAIN share. Two groupings: the last two labels (an approximation)
// and tldts' Public Suffix List domain (ICANN and private sections), with
// names tldts has no answer for falling back to the last two labels.
// Buckets are floor(epoch / 60).
import { createInterface } from 'node:readline';
import { getDomain } from 'tldts';

const QTYPE = { 1: 'A', 2: 'NS', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 64: 'SVCB', 65: 'HTTPS' };
const two = new Set();
const psl = new Set();
const clients = new Set();
const domains2 = new Set();
const domainsPsl = new Set();
const types = new Map();
let queries = 0;
let responses = 0;
let nx = 0;

const lastTwo = (n) => n.split('.').slice(-2).join('.');
const pslDomain = (n) => getDomain(n, { extractHostname: false, validateHostname: false, allowPrivateDomains: true }) ?? lastTwo(n);

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  const [time, src4, src6, rawName, qtype, rcode, isResponse] = line.split('\t');
  if (rawName === undefined || rawName === '') continue;
  if (isResponse === '1' || isResponse === 'True') {
    responses++;
    if (rcode === '3') nx++;
    continue;
  }
  const name = rawName.toLowerCase().replace(/\.$/, '');
  const client = src4 || src6;
  const bucket = Math.floor(Number(time) / 60);
  queries++;
  clients.add(client);
  const d2 = lastTwo(name);
  const dp = pslDomain(name);
  domains2.add(d2);
  domainsPsl.add(dp);
  two.add(`${client}|${d2}|${bucket}`);
  psl.add(`${client}|${dp}|${bucket}`);
  const t = QTYPE[qtype] ?? qtype;
  types.set(t, (types.get(t) ?? 0) + 1);
}
const mix = [...types.entries()].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${(100 * n / queries).toFixed(1)}%`).join(', ');
process.stdout.write(JSON.stringify({
  queries,
  responses,
  nxdomainShare: responses > 0 ? Number((nx / responses).toFixed(4)) : null,
  clients: clients.size,
  registeredDomainsLastTwo: domains2.size,
  registeredDomainsPsl: domainsPsl.size,
  windowsLastTwo: two.size,
  windowsPsl: psl.size,
  qtypeMix: mix,
}, null, 1) + '\n');
