import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse } from 'tldts';
import { describe, expect, it } from 'vitest';
import { DnsaeError } from '../../../src/errors.js';
import { RegisteredDomains, readZoneList, type RegisteredDomainOptions } from '../../../src/features/question/registered-domain.js';

/** FNV-1a, standing in for the decoder's name hash. */
function fnv1a(bytes: Uint8Array, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h | 0;
}

const bytesOf = (name: string): Uint8Array => Uint8Array.from(name, (c) => c.charCodeAt(0));
const labelCountOf = (name: string): number => (name === '' ? 0 : name.split('.').length);

/** The count `rd` gives for `name` (a latin1 string), with the caller's hash forced when given. */
function count(rd: RegisteredDomains, name: string, hash?: number): number {
  const b = bytesOf(name);
  return rd.labels(b, b.length, labelCountOf(name), hash ?? fnv1a(b, b.length));
}

/** The registered domain `rd` gives for `name`, as text. */
/** The registered domain's text; '' for a name that has none (labels() answers UNREGISTERED, -1). */
function domainOf(rd: RegisteredDomains, name: string, hash?: number): string {
  const n = count(rd, name, hash);
  return n === -1 ? '' : name.split('.').slice(-n).join('.');
}

function rd(options: Partial<RegisteredDomainOptions> = {}): RegisteredDomains {
  return new RegisteredDomains(options);
}

describe('Public Suffix List rules', () => {
  const cases: [string, string][] = [
    ['a.b.example.co.uk', 'example.co.uk'],
    ['example.co.uk', 'example.co.uk'],
    ['co.uk', 'co.uk'],
    ['uk', 'uk'],
    ['www.example.com', 'example.com'],
    ['com', 'com'],
    // *.ck with !www.ck: any label under ck is a suffix, except www.ck which is registrable.
    ['x.y.ck', 'x.y.ck'],
    ['a.b.x.y.ck', 'x.y.ck'],
    ['y.ck', 'y.ck'],
    ['www.ck', 'www.ck'],
    ['a.b.www.ck', 'www.ck'],
    // *.kawasaki.jp with !city.kawasaki.jp.
    ['a.b.c.kawasaki.jp', 'b.c.kawasaki.jp'],
    ['a.city.kawasaki.jp', 'city.kawasaki.jp'],
    // Reverse zones: in-addr.arpa and ip6.arpa are suffixes, one label below them is the domain.
    ['1.2.0.192.in-addr.arpa', '192.in-addr.arpa'],
    ['in-addr.arpa', 'in-addr.arpa'],
    ['b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa', '4.ip6.arpa'],
    // Punycode TLDs (.рф, .中国).
    ['www.xn--80ak6aa92e.xn--p1ai', 'xn--80ak6aa92e.xn--p1ai'],
    ['mail.example.xn--fiqs8s', 'example.xn--fiqs8s'],
    ['xn--p1ai', 'xn--p1ai'],
  ];
  it.each(cases)('%s -> %s', (name, expected) => {
    expect(domainOf(rd(), name)).toBe(expected);
  });

  it('private section on by default: github.io and cloudfront.net are suffixes', () => {
    const r = rd();
    expect(domainOf(r, 'a.b.user.github.io')).toBe('user.github.io');
    expect(domainOf(r, 'github.io')).toBe('github.io');
    expect(domainOf(r, 'x.d111abcdef8.cloudfront.net')).toBe('d111abcdef8.cloudfront.net');
  });

  it('private section off: github.io is a registered domain under io', () => {
    const r = rd({ privateSuffixes: false });
    expect(domainOf(r, 'a.b.user.github.io')).toBe('github.io');
    expect(domainOf(r, 'x.d111abcdef8.cloudfront.net')).toBe('cloudfront.net');
    expect(domainOf(r, 'a.b.example.co.uk')).toBe('example.co.uk');
  });

  it('the root name is 0 labels', () => {
    expect(rd().labels(new Uint8Array(4), 0, 0, 0)).toBe(0);
  });
});

describe('suffixes not on the list', () => {
  it.each([1, 2, 3])('zoneDepth %i', (zoneDepth) => {
    const r = rd({ zoneDepth });
    const keep = (name: string) => name.split('.').slice(-zoneDepth).join('.');
    for (const name of ['a.b.c.host.test', 'x.y.printer.local', 'deep.er.still.corp', 'a.b.c.d.internal']) {
      expect(domainOf(r, name)).toBe(keep(name));
    }
    // Fewer labels than the depth: the whole name.
    expect(domainOf(r, 'localhost')).toBe('localhost');
    expect(domainOf(r, 'wpad')).toBe('wpad');
    expect(domainOf(r, 'host.test')).toBe(zoneDepth === 1 ? 'test' : 'host.test');
  });
});

describe('internal zones', () => {
  const zones = ['corp.example.com', 'dc.corp.example.com', 'ad.local'];

  it('a name under a zone keeps the zone plus one label; the longest zone wins', () => {
    const r = rd({ internalZones: zones });
    expect(domainOf(r, 'h1.eng.corp.example.com')).toBe('eng.corp.example.com');
    expect(domainOf(r, 'a.b.c.eng.corp.example.com')).toBe('eng.corp.example.com');
    expect(domainOf(r, 'h.site1.dc.corp.example.com')).toBe('site1.dc.corp.example.com');
    expect(domainOf(r, 'x.ws.ad.local')).toBe('ws.ad.local');
  });

  it('a name equal to a zone is the zone', () => {
    const r = rd({ internalZones: zones });
    expect(domainOf(r, 'corp.example.com')).toBe('corp.example.com');
    expect(domainOf(r, 'dc.corp.example.com')).toBe('dc.corp.example.com');
    expect(domainOf(r, 'ad.local')).toBe('ad.local');
  });

  it('zones match on label boundaries only, and other names keep the PSL rule', () => {
    const r = rd({ internalZones: zones });
    expect(domainOf(r, 'a.xcorp.example.com')).toBe('example.com');
    expect(domainOf(r, 'www.example.com')).toBe('example.com');
    expect(domainOf(r, 'a.bad.local')).toBe('bad.local');
  });

  it('rejects zones not in query-name form', () => {
    expect(() => rd({ internalZones: ['Corp.Example'] })).toThrow(DnsaeError);
    expect(() => rd({ internalZones: ['corp..example'] })).toThrow(/empty label/);
    expect(() => rd({ internalZones: [''] })).toThrow(/empty zone/);
  });
});

describe('labels outside LDH', () => {
  it('underscore labels', () => {
    expect(domainOf(rd(), '_dmarc.example.com')).toBe('example.com');
    expect(domainOf(rd(), '_sip._udp.example.co.uk')).toBe('example.co.uk');
    expect(domainOf(rd(), '_ldap._tcp.dc._msdcs.corp.example')).toBe('corp.example');
    expect(domainOf(rd({ internalZones: ['corp.example'] }), '_ldap._tcp.dc._msdcs.corp.example')).toBe('_msdcs.corp.example');
    expect(domainOf(rd(), '_tcp.com')).toBe('_tcp.com');
  });

  it('binary, space and wildcard bytes', () => {
    const r = rd();
    expect(domainOf(r, '\u0000\u00ff\u0001\u007f.example.com')).toBe('example.com');
    expect(domainOf(r, 'a b*c.tunnel.co.uk')).toBe('tunnel.co.uk');
    expect(domainOf(r, '*.example.com')).toBe('example.com');
    expect(domainOf(r, '\u00e9t\u00e9.example.org')).toBe('example.org');
    // A binary TLD is not on the list: zoneDepth.
    expect(domainOf(r, 'a.b.c.\u00fe\u00ff')).toBe('c.\u00fe\u00ff');
    expect(count(r, '\u00fe\u00ff')).toBe(1);
  });

  it('empty labels give a count within 1..labelCount', () => {
    const r = rd();
    for (const name of ['.com', 'a..example.com', '..', 'x.']) {
      const n = count(r, name);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(labelCountOf(name));
    }
    expect(domainOf(r, 'a..example.com')).toBe('example.com');
  });
});

describe('cache', () => {
  it('names that share a hash (and a set) each get their own answer', () => {
    const r = rd({ cacheSize: 2 });
    const names = ['a.b.example.co.uk', 'user.github.io', 'x.y.ck', 'host.test', 'a.example.com', 'b.example.com'];
    for (let round = 0; round < 3; round++) {
      for (const name of names) expect(domainOf(r, name, 7)).toBe(domainOf(rd(), name));
    }
  });

  it('names of equal length differing in one byte are told apart', () => {
    const r = rd({ cacheSize: 2, zoneDepth: 3 });
    expect(domainOf(r, 'a.b.c.test', 1)).toBe('b.c.test');
    expect(domainOf(r, 'a.bxc.test', 1)).toBe('a.bxc.test');
    expect(domainOf(r, 'a.b.c.test', 1)).toBe('b.c.test');
    expect(r.stats).toEqual({ hits: 1, misses: 2, evictions: 0 });
  });

  it('long names with the same length, hash and last 64 bytes are told apart', () => {
    const tail = `${'y'.repeat(59)}.test`;
    expect(tail.length).toBe(64);
    const a = `a.b.c.${tail}`; // 5 labels
    const b = `aabbc.${tail}`; // 3 labels
    expect(a.length).toBe(b.length);
    const r = rd({ cacheSize: 2, zoneDepth: 5 });
    expect(count(r, a, 99)).toBe(5);
    expect(count(r, b, 99)).toBe(3);
    expect(count(r, a, 99)).toBe(5);
    expect(count(r, b, 99)).toBe(3);
    expect(r.stats).toEqual({ hits: 2, misses: 2, evictions: 0 });
  });

  it('counts hits, misses and evictions; a miss replaces the way not used last', () => {
    const r = rd({ cacheSize: 2 });
    count(r, 'one.example.com', 5); // miss, way 0
    count(r, 'two.example.com', 5); // miss, way 1
    count(r, 'one.example.com', 5); // hit
    expect(r.stats).toEqual({ hits: 1, misses: 2, evictions: 0 });
    count(r, 'three.example.com', 5); // miss: replaces two (one was used last)
    expect(r.stats).toEqual({ hits: 1, misses: 3, evictions: 1 });
    count(r, 'one.example.com', 5); // still there
    expect(r.stats).toEqual({ hits: 2, misses: 3, evictions: 1 });
    count(r, 'two.example.com', 5); // gone: miss, replaces three
    expect(r.stats).toEqual({ hits: 2, misses: 4, evictions: 2 });
  });

  it('a cache much larger than the working set answers the second pass from the cache', () => {
    // 200 names over 32768 two-way sets: a set with three of them is unlikely (~0.1%), and the hashes are fixed.
    const r = rd();
    const names = Array.from({ length: 200 }, (_, i) => `h${i}.s${i % 7}.example.co.uk`);
    for (const name of names) count(r, name);
    for (const name of names) expect(domainOf(r, name)).toBe(name.split('.').slice(-3).join('.'));
    expect(r.stats).toEqual({ hits: 200, misses: 200, evictions: 0 });
  });

  it('rejects a cache size that is not a power of two', () => {
    expect(() => rd({ cacheSize: 1000 })).toThrow(DnsaeError);
    expect(() => rd({ cacheSize: 1 })).toThrow(DnsaeError);
    expect(() => rd({ zoneDepth: 0 })).toThrow(DnsaeError);
  });
});

/**
 * Suffixes to build random names on: a fixed sample covering ICANN, private,
 * wildcard and exception rules, plus the ASCII rules of the system's copy of
 * the list when Debian's publicsuffix package is installed (its version may
 * differ from the list built into tldts; only tldts is the oracle here).
 */
function suffixPool(): string[] {
  const pool = [
    'com', 'co.uk', 'uk', 'org', 'net', 'de', 'jp', 'kawasaki.jp', 'city.kawasaki.jp', 'ck', 'www.ck', 'github.io',
    'cloudfront.net', 's3.amazonaws.com', 'blogspot.com', 'in-addr.arpa', 'ip6.arpa', 'arpa', 'xn--p1ai', 'xn--fiqs8s',
    'test', 'local', 'internal', 'corp', 'home.arpa', 'gov.uk', 'k12.ca.us', 'appspot.com', 'herokuapp.com',
  ];
  const file = '/usr/share/publicsuffix/public_suffix_list.dat';
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const rule = line.trim();
      if (rule === '' || rule.startsWith('//') || !/^[!*a-z0-9.-]+$/.test(rule)) continue;
      pool.push(rule.replace(/^!/, '').replace(/^\*\./, 'wild.'));
    }
  }
  return pool;
}

/** The answer straight from tldts on the string, with the rule written out again independently of the module. */
function oracle(name: string, o: { zoneDepth: number; privateSuffixes: boolean }): string {
  const labels = name.split('.');
  const r = parse(name, { allowPrivateDomains: o.privateSuffixes, extractHostname: false, validateHostname: false, detectIp: false });
  if (r.isIcann || r.isPrivate) return r.domain ? r.domain : name;
  // Under no listed suffix: a top label with a digit or over 15 bytes is no zone, so no registered domain.
  const top = labels[labels.length - 1]!;
  if (top.length > 15 || /[0-9]/.test(top)) return '';
  return labels.slice(-o.zoneDepth).join('.');
}

describe('against tldts directly (property)', () => {
  const pool = suffixPool();
  const ldh = fc.stringMatching(/^[a-z0-9_][a-z0-9_-]{0,15}$/);
  const binary = fc
    .uint8Array({ minLength: 1, maxLength: 12 })
    .map((b) => String.fromCharCode(...Array.from(b, (x) => (x === 0x2e ? 0x2f : x))));
  const label = fc.oneof({ arbitrary: ldh, weight: 4 }, { arbitrary: binary, weight: 1 });
  const name = fc
    .tuple(fc.array(label, { minLength: 0, maxLength: 5 }), fc.constantFrom(...pool))
    .map(([front, suffix]) => [...front, suffix].join('.'));

  it.each([
    { zoneDepth: 2, privateSuffixes: true },
    { zoneDepth: 3, privateSuffixes: false },
  ])('cached answers equal tldts on random names (%o)', (o) => {
    // A small cache and a weak caller hash (the length) force collisions and evictions.
    const cached = rd({ ...o, cacheSize: 8 });
    const wide = rd({ ...o });
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 20 }), (names) => {
        for (const n of [...names, ...names]) {
          const expected = oracle(n, o);
          expect(domainOf(cached, n, n.length)).toBe(expected);
          expect(domainOf(wide, n)).toBe(expected);
        }
      }),
      { numRuns: 300 },
    );
    expect(cached.stats.evictions).toBeGreaterThan(0);
    expect(wide.stats.hits).toBeGreaterThan(0);
  });
});

describe('readZoneList', () => {
  it('one zone per line, comments and blank lines skipped, case folded, trailing dot dropped, duplicates once', () => {
    const text = '# site zones\n\ncorp.example.com\n  AD.Local.  # domain controllers\r\nad.local\n_msdcs.corp.example\n';
    expect(readZoneList('zones.txt', text)).toEqual(['corp.example.com', 'ad.local', '_msdcs.corp.example']);
    expect(readZoneList('empty.txt', '')).toEqual([]);
  });

  it.each([
    ['two zones on a line', 'ok.example\ncorp.example other.example\n', 2, /one zone per line/],
    ['an empty label', '# x\n\na..example\n', 3, /empty label/],
    ['a bad character', 'corp/example\n', 1, /not letters, digits/],
    ['a leading hyphen', '-corp.example\n', 1, /not letters, digits/],
    ['a long label', `${'a'.repeat(64)}.example\n`, 1, /longer than 63/],
  ])('names the file and line on %s', (_what, text, line, message) => {
    let err: unknown;
    try {
      readZoneList('/etc/dnsae/zones.txt', text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DnsaeError);
    const e = err as DnsaeError;
    expect(e.code).toBe('DNSAE_ERR_USAGE');
    expect(e.exitCode).toBe(2);
    expect(e.file).toBe('/etc/dnsae/zones.txt');
    expect(e.message).toMatch(new RegExp(`^line ${line}: `));
    expect(e.message).toMatch(message);
    expect(e.toLine()).toContain('/etc/dnsae/zones.txt: line');
  });
});

describe('names with no registered domain', () => {
  it('a top label under no listed suffix with a digit or more than 15 bytes is UNREGISTERED; words and known suffixes are not', async () => {
    const { RegisteredDomains, UNREGISTERED } = await import('../../../src/features/question/registered-domain.js');
    const rd = new RegisteredDomains({ zoneDepth: 2 });
    const enc = new TextEncoder();
    const ask = (n: string): number => {
      const b = enc.encode(n);
      return rd.labels(b, b.length, n.split('.').length, n.length * 31);
    };
    expect(ask('dnscat.5b6e01f500ae0fa44b9d9a000c6d5901c4')).toBe(UNREGISTERED);
    expect(ask('a.b.19e4d098dc8c618f8d81cfeb02')).toBe(UNREGISTERED);
    expect(ask('x.y.internal1')).toBe(UNREGISTERED);
    expect(ask('h.averyveryverylongtld')).toBe(UNREGISTERED);
    expect(ask('host.corp')).toBe(2);
    expect(ask('a.b.pirate.sea')).toBe(2);
    expect(ask('www.example.com')).toBe(2);
    // On the list, digits or not: the list decides.
    expect(ask('12498283719301382971974.net')).toBe(2);
  });
});
