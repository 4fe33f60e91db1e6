import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AssembledFlowInfo } from '../../src/flow/assembled-flow-info.js';
import { newFlowKey } from '../../src/flow/flow-key.js';
import type { FlowInfo } from '../../src/flow/sample.js';
import { communityIdV1, flowCommunityId, ipTextWords, setCommunityIdSeed } from '../../src/output/community-id.js';
import { wordsOf } from './ip-words.js';

/**
 * The specification's own test data (corelight/community-id-spec
 * baseline/*.json, made by pycommunityid from its pcaps), used as shipped:
 * every TCP, UDP, SCTP and port-less (RSVP) entry, in both directions.
 * ICMP and ICMPv6 need the type/code mapping dnsae does not implement (it
 * reports only TCP and UDP flows); those entries are checked to give "".
 */
const VECTORS = '/work/shared/vectors/community-id/baseline';

interface Entry {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  communityid: string;
}

function load(name: string): Entry[] {
  return JSON.parse(readFileSync(`${VECTORS}/${name}`, 'utf8')) as Entry[];
}

function idOf(e: Entry, seed: number): string {
  const s = wordsOf(e.saddr);
  const d = wordsOf(e.daddr);
  const [a0, a1, a2, a3] = s.w;
  const [b0, b1, b2, b3] = d.w;
  return communityIdV1({ ipVersion: s.v, proto: e.proto, a0, a1, a2, a3, portA: e.sport ?? 0, b0, b1, b2, b3, portB: e.dport ?? 0 }, seed);
}

const hexOf = (id: string): string => '1:' + Buffer.from(id.slice(2), 'base64').toString('hex');

const files = [
  { file: 'baseline_deflt.json', seed: 0, render: (id: string) => id },
  { file: 'baseline_seed1.json', seed: 1, render: (id: string) => id },
  { file: 'baseline_nob64.json', seed: 0, render: hexOf },
];

describe('communityIdV1 against the specification baseline', () => {
  for (const { file, seed, render } of files) {
    const entries = load(file);
    const hashed = entries.filter((e) => e.proto !== 1 && e.proto !== 58);
    it(`${file}: every TCP/UDP entry (and SCTP, RSVP)`, () => {
      expect(entries.filter((e) => e.proto === 6).length).toBe(4);
      expect(entries.filter((e) => e.proto === 17).length).toBe(2);
      for (const e of hashed) expect({ e, got: render(idOf(e, seed)) }).toEqual({ e, got: e.communityid });
    });
    it(`${file}: ICMP entries give "" (not implemented)`, () => {
      for (const e of entries.filter((x) => x.proto === 1 || x.proto === 58)) expect(idOf(e, seed)).toBe('');
    });
  }

  it('is the same string for both directions and differs by seed', () => {
    const e: Entry = { proto: 17, saddr: '192.0.2.1', daddr: '198.51.100.53', sport: 40000, dport: 53, communityid: '' };
    const back: Entry = { ...e, saddr: e.daddr, daddr: e.saddr, sport: e.dport, dport: e.sport };
    expect(idOf(e, 0)).toBe(idOf(back, 0));
    expect(idOf(e, 0)).not.toBe(idOf(e, 65535));
    expect(idOf(e, 0)).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
  });
});

/** The specification's pseudo code, with Buffer and node:crypto: the second opinion for random tuples. */
function specId(v: 4 | 6, src: number[], dst: number[], proto: number, sport: number, dport: number, seed: number): string {
  const addr = (w: number[]): Buffer => {
    const b = Buffer.alloc(v === 4 ? 4 : 16);
    for (let k = 0; k < b.length / 4; k++) b.writeInt32BE(w[k]! | 0, 4 * k);
    return b;
  };
  let [sa, da, sp, dp] = [addr(src), addr(dst), sport, dport];
  const c = Buffer.compare(sa, da);
  if (c > 0 || (c === 0 && sp > dp)) [sa, da, sp, dp] = [da, sa, dp, sp];
  const tail = Buffer.alloc(6);
  tail.writeUInt8(proto, 0);
  tail.writeUInt16BE(sp, 2);
  tail.writeUInt16BE(dp, 4);
  const seedBytes = Buffer.alloc(2);
  seedBytes.writeUInt16BE(seed, 0);
  return '1:' + createHash('sha1').update(Buffer.concat([seedBytes, sa, da, tail])).digest('base64');
}

describe('communityIdV1 against the pseudo code', () => {
  it('agrees for random TCP/UDP tuples, IPv4 and IPv6, any seed', () => {
    const word = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, 1, -1));
    fc.assert(
      fc.property(
        fc.constantFrom(4 as const, 6 as const),
        fc.array(word, { minLength: 4, maxLength: 4 }),
        fc.array(word, { minLength: 4, maxLength: 4 }),
        fc.constantFrom(6, 17),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.boolean(),
        (v, a, b, proto, pa, pb, seed, same) => {
          const bw = same ? a : b; // equal addresses: the ports decide
          const z = (w: number[]): number[] => (v === 4 ? [w[0]!, 0, 0, 0] : w);
          const [a0, a1, a2, a3] = z(a);
          const [b0, b1, b2, b3] = z(bw);
          const got = communityIdV1({ ipVersion: v, proto, a0: a0!, a1: a1!, a2: a2!, a3: a3!, portA: pa, b0: b0!, b1: b1!, b2: b2!, b3: b3!, portB: pb }, seed);
          expect(got).toBe(specId(v, z(a), z(bw), proto, pa, pb, seed));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('flowCommunityId', () => {
  afterEach(() => setCommunityIdSeed(0));

  // The TCP entry of the README's table: 1.2.3.4:1122 -> 5.6.7.8:3344.
  const TCP_DEFAULT = '1:wCb3OG7yAFWelaUydu0D+125CLM=';
  const TCP_SEED1 = '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=';

  function assembled(clientIsA: boolean): AssembledFlowInfo {
    const key = newFlowKey();
    key.a0 = wordsOf('1.2.3.4').w[0];
    key.b0 = wordsOf('5.6.7.8').w[0];
    key.proto = 6;
    key.portA = 1122;
    key.portB = 3344;
    const [clientPort, serverPort] = clientIsA ? [1122, 3344] : [3344, 1122];
    return new AssembledFlowInfo(7, 'tcp', clientPort, serverPort, 4, [], 0, key, clientIsA);
  }

  it('hashes an assembled flow once per seed and keeps the string on it', () => {
    for (const clientIsA of [true, false]) {
      const f = assembled(clientIsA);
      expect(f.communityId).toBeUndefined();
      const first = flowCommunityId(f);
      expect(first).toBe(TCP_DEFAULT);
      expect(f.communityId).toBe(TCP_DEFAULT);
      expect(flowCommunityId(f)).toBe(first);
      setCommunityIdSeed(1);
      expect(flowCommunityId(f)).toBe(TCP_SEED1);
      expect(f.communityIdSeed).toBe(1);
      setCommunityIdSeed(0);
    }
  });

  it('hashes a plain FlowInfo from its address text, and gives "" for text that is no address', () => {
    const plain: FlowInfo = { flowId: 1, transport: 'tcp', clientIp: '5.6.7.8', clientPort: 3344, serverIp: '1.2.3.4', serverPort: 1122, ipVersion: 4, vlan: [], sourceIndex: 0 };
    expect(flowCommunityId(plain)).toBe(TCP_DEFAULT);
    expect(flowCommunityId({ ...plain, clientIp: 'a"b' })).toBe('');
  });

  it('rejects seeds outside 0..65535', () => {
    expect(() => setCommunityIdSeed(65536)).toThrow(RangeError);
    expect(() => setCommunityIdSeed(-1)).toThrow(RangeError);
    expect(() => setCommunityIdSeed(1.5)).toThrow(RangeError);
  });
});

describe('ipTextWords', () => {
  it('reads IPv4, IPv6 (compressed, full, IPv4-mapped) as the test parser does', () => {
    for (const t of ['192.0.2.1', '0.0.0.0', '255.255.255.255']) expect(ipTextWords(t, 4)).toEqual(wordsOf(t).w);
    for (const t of ['2001:db8::1', '::', '::1', 'fe80::200:86ff:fe05:80da', '3ffe:507:0:1:200:86ff:fe05:80da', 'ff02::2']) expect(ipTextWords(t, 6)).toEqual(wordsOf(t).w);
    expect(ipTextWords('::ffff:10.0.0.1', 6)).toEqual(wordsOf('::ffff:a00:1').w);
  });

  it('refuses what is no address', () => {
    for (const t of ['1.2.3', '256.1.1.1', 'a"b\\c\u0001', '']) expect(ipTextWords(t, 4)).toBeUndefined();
    for (const t of ['1:2:3', '1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8']) expect(ipTextWords(t, 6)).toBeUndefined();
  });
});
