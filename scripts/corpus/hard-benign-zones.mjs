#!/usr/bin/env node
// Writes the zones and query scripts for one split of the hard-benign
// corpus (scripts/corpus/gen-hard-benign.sh): legitimate DNS whose names
// look like tunnel traffic (long base64 TXT, hashes, nibbles, tokens).
//
//   hard-benign-zones.mjs SPLIT OUTDIR       SPLIT: train | test
//
// The two splits share nothing but the kinds: other organisations, zone
// names, selectors, addresses, hashes and keys, so false positives measured
// on test are not names the model saw in training. Names come from a
// seeded generator (same split, same names); key material and tokens come
// from node:crypto and change every run, as they do in the wild.
//
// OUTDIR receives: nsd/*.zone, knot/*.zone, zones.tsv (zone, server role),
// env.sh (addresses and names for the shell), and one query script per
// capture, q-KIND.txt, lines "TOOL @SERVER NAME TYPE [FLAGS...]" or
// "sleep SECONDS".
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import { generateKeyPairSync, randomBytes, createHash } from 'node:crypto';

const [split, outDir] = process.argv.slice(2);
const SPLITS = {
  train: {
    seed: 0x7a11, net: 10,
    orgs: ['northwind', 'globex', 'initech'],
    cdn: 'edgecache.example', cdn2: 'cloudfront-like.example', av: 'rep.avcloud.example',
    dnsbl: 'zen.blocklist.example', signed: 'secure-bank.example',
    idn: ['bücher', 'münchen-reisen', 'straße'], selectors: ['selector1', 's2048', 'google'],
    site: 'Default-First-Site-Name',
  },
  test: {
    seed: 0x7e57, net: 20,
    orgs: ['contoso', 'fabrikam', 'tailspin'],
    cdn: 'fastedge.example', cdn2: 'objcdn.example', av: 'q.scanlookup.example',
    dnsbl: 'rbl.spamlist.example', signed: 'safepay.example',
    idn: ['café-paris', 'zürich-bahn', 'ålesund'], selectors: ['k1', 'mail2024', 'dkim'],
    site: 'HQ-Site',
  },
};
const cfg = SPLITS[split];
if (!cfg || !outDir) {
  process.stderr.write('usage: hard-benign-zones.mjs train|test OUTDIR\n');
  process.exit(2);
}

// mulberry32: small, seedable, good enough for picking names.
let state = cfg.seed >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (a) => a[Math.floor(rand() * a.length)];
const chars = (alphabet, n) => Array.from({ length: n }, () => pick(alphabet)).join('');
const HEX = '0123456789abcdef';
const B36 = 'abcdefghijklmnopqrstuvwxyz0123456789';

const n = cfg.net;
// Client hosts: distinct last octets per split, drawn from the seed.
const used = new Set([1]);
function host() {
  for (;;) {
    const h = int(2, 254);
    if (!used.has(h)) { used.add(h); return `10.${n}.0.${h}`; }
  }
}
const addr = {
  resolver: `10.${n}.0.1`, upstream: `10.${n}1.0.1`, nsd: `10.${n}1.0.2`, knot: `10.${n}1.0.3`,
  mail: host(), dnsbl: host(), ptr: host(), dnssec: host(), acme: host(), cdn: host(), srv: host(), av: host(), idn: host(),
};
const zones = [];
const files = {};
function zone(role, name, body, ttl = 300) {
  const server = role === 'nsd' ? 'ns1' : 'ns2';
  const ip = role === 'nsd' ? addr.nsd : addr.knot;
  files[`${role}/${name}.zone`] =
    `$ORIGIN ${name}.\n$TTL ${ttl}\n@ SOA ${server}.${name}. hostmaster.${name}. 2026120101 3600 600 1209600 300\n` +
    `@ NS ${server}.${name}.\n${server} A ${ip}\n${body.join('\n')}\n`;
  zones.push([name, role]);
}
const txt = (s) => {
  const parts = [];
  for (let i = 0; i < s.length; i += 255) parts.push(`"${s.slice(i, i + 255)}"`);
  return parts.join(' ');
};
const ip4 = () => `198.51.100.${int(2, 250)}`;

// ------------------------------------------------------------ organisations
const orgDomains = cfg.orgs.map((o) => `${o}.example`);
const cdnHosts = [];
const browse = []; // ordinary names every client also looks up
const q = {}; // kind -> lines
const add = (kind, line) => (q[kind] ??= []).push(line);

const cdnBody = [];
for (let i = 0; i < 24; i++) {
  const e = `e${int(1000, 99999)}.${pick(['a', 'b', 'dscb', 'dsca', 'g'])}`;
  cdnBody.push(`${e} 20 A 203.0.113.${int(2, 250)}`, `${e} 20 AAAA 2001:db8:${n}ff::${int(1, 9999).toString(16)}`);
  cdnHosts.push(`${e}.${cfg.cdn}`);
}
// Video-style and cache-shard names: hyphens and digits.
for (let i = 0; i < 8; i++) {
  const r = `r${int(1, 9)}---sn-${chars(B36, 4)}${int(1, 9)}n${chars(B36, 2)}${int(10, 99)}`;
  cdnBody.push(`${r}.v 20 A 203.0.113.${int(2, 250)}`);
  cdnHosts.push(`${r}.v.${cfg.cdn}`);
}
zone('nsd', cfg.cdn, cdnBody, 20);
const cdn2Body = [];
const cdn2Hosts = [];
for (let i = 0; i < 12; i++) {
  const d = `d${chars(B36, 13)}`;
  cdn2Body.push(`${d} 60 CNAME ${pick(cdnHosts)}.`);
  cdn2Hosts.push(`${d}.${cfg.cdn2}`);
}
zone('nsd', cfg.cdn2, cdn2Body, 60);

const dkimKeys = cfg.selectors.map(() =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
);
const acmeNames = [];
const dcGuid = () => [8, 4, 4, 4, 12].map((k) => chars(HEX, k)).join('-');
for (const [k, dom] of orgDomains.entries()) {
  const body = [
    `@ A 192.0.2.${10 + k}`, `@ MX 10 mail`, `mail A 192.0.2.${20 + k}`,
    `@ TXT "v=spf1 ip4:192.0.2.${20 + k} include:_spf.${orgDomains[(k + 1) % orgDomains.length]} ~all"`,
    `_spf TXT "v=spf1 ip4:198.51.100.0/26 ip4:203.0.113.64/27 -all"`,
    `_dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc-rua@${dom}; ruf=mailto:dmarc-ruf@${dom}; fo=1; adkim=r; aspf=r; pct=100"`,
    `@ TXT "google-site-verification=${randomBytes(32).toString('base64url')}"`,
    `@ TXT "MS=ms${int(10000000, 99999999)}"`,
  ];
  for (const [j, sel] of cfg.selectors.entries()) {
    body.push(`${sel}._domainkey TXT ${txt(`v=DKIM1; k=rsa; p=${dkimKeys[j]}`)}`);
  }
  for (const h of ['www', 'api', 'login', 'portal', 'static', 'vpn', 'intranet']) {
    // Web names go to the CDN through a CNAME chain; the rest are plain.
    if (h === 'www' || h === 'static') body.push(`${h} CNAME ${pick(cdn2Hosts)}.`);
    else body.push(`${h} A 192.0.2.${int(30, 200)}`, `${h} AAAA 2001:db8:${n}0::${int(16, 4095).toString(16)}`);
    browse.push([`${h}.${dom}`, h === 'api' ? 'AAAA' : 'A']);
  }
  for (const h of ['www', 'shop', 'mail', 'api', 'cloud']) {
    const name = `_acme-challenge.${h}`;
    body.push(`${name} 60 TXT "${randomBytes(32).toString('base64url')}"`);
    acmeNames.push(`${name}.${dom}`);
  }
  // Directory-service records a domain-joined machine asks for.
  const dcs = [1, 2].map((i) => `dc${i}`);
  for (const dc of dcs) body.push(`${dc} A 192.0.2.${int(200, 250)}`);
  const srv = (name, port) => dcs.map((dc, i) => `${name} 600 SRV 0 ${100 - i * 50} ${port} ${dc}.${dom}.`);
  body.push(
    ...srv('_ldap._tcp.dc._msdcs', 389), ...srv('_ldap._tcp.pdc._msdcs', 389), ...srv('_kerberos._tcp.dc._msdcs', 88),
    ...srv(`_ldap._tcp.${cfg.site}._sites.dc._msdcs`, 389), ...srv(`_kerberos._tcp.${cfg.site}._sites`, 88),
    ...srv('_kerberos._udp', 88), ...srv('_kerberos._tcp', 88), ...srv('_kpasswd._udp', 464), ...srv('_ldap._tcp', 389),
    ...srv('_gc._tcp', 3268), ...srv('_ldap._tcp.gc._msdcs', 3268),
    `_sip._tls 3600 SRV 100 1 443 sip.${dom}.`, `_sipfederationtls._tcp 3600 SRV 100 1 5061 sipfed.${dom}.`,
    `_autodiscover._tcp 3600 SRV 0 0 443 mail.${dom}.`, `sip A 192.0.2.${int(30, 200)}`, `sipfed A 192.0.2.${int(30, 200)}`,
    `${dcGuid()}._msdcs CNAME dc1.${dom}.`, `${dcGuid()}._msdcs CNAME dc2.${dom}.`,
    `_ldap._tcp.${dcGuid()}.domains._msdcs 600 SRV 0 100 389 dc1.${dom}.`,
  );
  zone('nsd', dom, body);
}

// ------------------------------------------------------------ IDN zones
const idnZones = cfg.idn.map((u) => domainToASCII(`${u}.example`));
for (const z of idnZones) {
  zone('nsd', z, [`@ A 192.0.2.${int(30, 200)}`, `www CNAME @`, `shop A 192.0.2.${int(30, 200)}`,
    `${domainToASCII('kontakt-ö.x').split('.')[0]} A 192.0.2.${int(30, 200)}`]);
}

// ------------------------------------------------------------ reverse zones
const rev4 = `${n}.10.in-addr.arpa`;
const rev4Body = [];
for (let h = 1; h < 255; h += int(1, 4)) rev4Body.push(`${h}.0 PTR host-10-${n}-0-${h}.${orgDomains[0]}.`);
zone('nsd', rev4, rev4Body);
const prefix6 = `2001:db8:${n.toString(16)}::`; // the /48 of rev6
const nibbles = (hex32) => hex32.split('').reverse().join('.');
const base6 = `20010db8${n.toString(16).padStart(4, '0')}`; // first 12 nibbles
const rev6 = `${nibbles(base6)}.ip6.arpa`;
const rev6Body = [];
const v6hosts = [];
for (let i = 0; i < 40; i++) {
  const rest = `${chars(HEX, 4)}${chars(HEX, 16)}`; // subnet + SLAAC-like interface id
  v6hosts.push(base6 + rest);
  if (i % 3 === 0) rev6Body.push(`${nibbles(rest)} PTR ws${int(100, 999)}.${orgDomains[1]}.`);
}
zone('nsd', rev6, rev6Body);

// ------------------------------------------------------------ knot: signed, DNSBL, AV
const signedBody = [`@ A 192.0.2.5`, `@ MX 10 mx`, `mx A 192.0.2.6`, `www A 192.0.2.7`, `online A 192.0.2.8`, `api AAAA 2001:db8:${n}0::8`];
zone('knot', cfg.signed, signedBody);
const listed = new Map();
while (listed.size < 30) listed.set(`${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`, int(2, 11));
const blBody = [];
for (const [ip, code] of listed) {
  const r = ip.split('.').reverse().join('.');
  blBody.push(`${r} A 127.0.0.${code}`, `${r} TXT "Listed: see https://www.${cfg.dnsbl}/query/ip/${ip}"`);
}
zone('knot', cfg.dnsbl, blBody, 900);
const avBody = ['* 300 A 127.0.0.1'];
const avBad = [];
for (let i = 0; i < 6; i++) {
  const h = chars(HEX, pick([32, 40]));
  avBad.push(h);
  avBody.push(`${h} 300 A 127.0.0.${int(2, 9)}`);
}
zone('knot', cfg.av, avBody);

// ------------------------------------------------------------ query scripts
const R = `@${addr.resolver}`;
const mix = (kind, every) => {
  // Ordinary lookups interleaved, so each client has normal names too.
  const out = [];
  for (const [i, line] of q[kind].entries()) {
    out.push(line);
    if (i % every === every - 1) {
      const [name, type] = pick(browse);
      out.push(`dig ${R} ${name} ${type}`);
    }
  }
  q[kind] = out;
};

for (const dom of orgDomains) {
  for (const sel of [...cfg.selectors, 'default']) add('mail-auth', `${pick(['dig', 'kdig'])} ${R} ${sel}._domainkey.${dom} TXT`);
  add('mail-auth', `dig ${R} ${dom} TXT`);
  add('mail-auth', `dig ${R} _dmarc.${dom} TXT`);
  add('mail-auth', `dig ${R} _spf.${dom} TXT`);
  add('mail-auth', `dig ${R} ${dom} MX`);
  add('mail-auth', `kdig @${addr.nsd} ${cfg.selectors[0]}._domainkey.${dom} TXT +norec`);
}
mix('mail-auth', 3);

// A mail server checking the connecting addresses: a few hundred distinct
// IPs, the listed ones found, most not.
const ips = new Set(listed.keys());
const checked = [...listed.keys()].slice(0, 18);
while (checked.length < 260) {
  const ip = `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  if (!ips.has(ip)) { ips.add(ip); checked.push(ip); }
}
checked.sort(() => rand() - 0.5);
for (const ip of checked) {
  const r = ip.split('.').reverse().join('.');
  add('dnsbl', `dig ${R} ${r}.${cfg.dnsbl} A`);
  if (listed.has(ip)) add('dnsbl', `dig ${R} ${r}.${cfg.dnsbl} TXT`);
}
mix('dnsbl', 12);

for (let h = 1; h < 255; h += int(1, 6)) add('ptr', `dig ${R} -x 10.${n}.0.${h}`);
for (const v of v6hosts) add('ptr', `${pick(['dig', 'kdig'])} ${R} ${nibbles(v)}.ip6.arpa PTR`);
add('ptr', `dig ${R} -x ${prefix6}1`);
mix('ptr', 5);

for (let i = 0; i < 60; i++) {
  const exists = i % 4 === 0;
  const name = exists ? pick(['www', 'mx', 'online', 'api', '@']) : pick(['login', 'secure', 'm', 'app', 'old', 'dev', 'wpad', 'isatap', `h${int(1, 999)}`]);
  const fq = name === '@' ? cfg.signed : `${name}.${cfg.signed}`;
  add('dnssec', `${pick(['dig', 'kdig'])} ${i % 5 === 0 ? `@${addr.knot}` : R} ${fq} ${pick(['A', 'AAAA', 'A', 'MX', 'HTTPS'])} +dnssec`);
}
add('dnssec', `dig ${R} ${cfg.signed} DNSKEY +dnssec`);
add('dnssec', `dig @${addr.knot} ${cfg.signed} NSEC3PARAM +dnssec`);
mix('dnssec', 4);

// An ACME client polling the authoritative servers until the token shows,
// then the resolver.
for (const a of acmeNames) {
  add('acme', `kdig @${addr.nsd} ${a} TXT +norec`);
  add('acme', 'sleep 0.3');
  add('acme', `kdig @${addr.nsd} ${a} TXT +norec`);
  add('acme', `dig ${R} ${a} TXT`);
}
mix('acme', 4);

for (let i = 0; i < 90; i++) {
  const r = rand();
  if (r < 0.35) add('cdn', `dig ${R} ${pick(cdnHosts)} ${pick(['A', 'AAAA'])}`);
  else if (r < 0.6) add('cdn', `dig ${R} ${pick(cdn2Hosts)} A`);
  else add('cdn', `dig ${R} ${pick(['www', 'static'])}.${pick(orgDomains)} ${pick(['A', 'AAAA', 'HTTPS'])}`);
}
mix('cdn', 3);

for (const dom of orgDomains) {
  for (const s of ['_ldap._tcp.dc._msdcs', '_ldap._tcp.pdc._msdcs', '_kerberos._tcp.dc._msdcs', `_ldap._tcp.${cfg.site}._sites.dc._msdcs`,
    `_kerberos._tcp.${cfg.site}._sites`, '_kerberos._udp', '_kerberos._tcp', '_kpasswd._udp', '_ldap._tcp', '_gc._tcp',
    '_ldap._tcp.gc._msdcs', '_sip._tls', '_sipfederationtls._tcp', '_autodiscover._tcp', '_xmpp-client._tcp', '_caldavs._tcp']) {
    add('srv', `dig ${R} ${s}.${dom} SRV`);
  }
  add('srv', `dig ${R} dc1.${dom} A`);
}
mix('srv', 4);

// Reputation cloud: the hash of each file scanned, tens per minute.
for (let i = 0; i < 36; i++) {
  const h = i % 6 === 5 ? avBad[i % avBad.length] : createHash(i % 2 ? 'sha1' : 'md5').update(randomBytes(16)).digest('hex');
  add('av', `dig ${R} ${h}.${cfg.av} A`);
  add('av', `sleep ${(1 + rand()).toFixed(1)}`);
}
mix('av', 6);

for (const z of idnZones) {
  for (const h of ['', 'www.', 'shop.']) add('idn', `${pick(['dig', 'kdig'])} ${R} ${h}${z} ${pick(['A', 'AAAA', 'HTTPS'])}`);
}
add('idn', `dig ${R} ${domainToASCII('пример.example')} A`);
add('idn', `dig ${R} ${domainToASCII('例え.example')} A`);
mix('idn', 2);

// ------------------------------------------------------------ write
mkdirSync(join(outDir, 'nsd'), { recursive: true });
mkdirSync(join(outDir, 'knot'), { recursive: true });
for (const [f, body] of Object.entries(files)) writeFileSync(join(outDir, f), body);
writeFileSync(join(outDir, 'zones.tsv'), zones.map((z) => z.join('\t')).join('\n') + '\n');
for (const [kind, lines] of Object.entries(q)) writeFileSync(join(outDir, `q-${kind}.txt`), lines.join('\n') + '\n');
const env = {
  NET: n, RESOLVER: addr.resolver, UPSTREAM: addr.upstream, NSD: addr.nsd, KNOT: addr.knot, SIGNED: cfg.signed,
  ...Object.fromEntries(['mail', 'dnsbl', 'ptr', 'dnssec', 'acme', 'cdn', 'srv', 'av', 'idn'].map((k) => [`C_${k.toUpperCase().replace('-', '_')}`, addr[k]])),
  D_MAIL: orgDomains.join(','), D_DNSBL: cfg.dnsbl, D_PTR: `${rev4},${rev6}`, D_DNSSEC: cfg.signed, D_ACME: orgDomains.join(','),
  D_CDN: `${cfg.cdn},${cfg.cdn2}`, D_SRV: orgDomains.join(','), D_AV: cfg.av, D_IDN: idnZones.join(','),
};
writeFileSync(join(outDir, 'env.sh'), Object.entries(env).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');
