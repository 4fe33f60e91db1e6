import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newDecodedPacket } from '../../src/decode/packet.js';
import { copyFlowKey, flowIdOf, flowKeyEquals, flowKeyFromPacket, newFlowKey } from '../../src/flow/flow-key.js';
import { buildPacket } from './build-packet.js';

describe('flowKeyFromPacket', () => {
  it('gives both directions of a conversation the same key and flow id', () => {
    const a = newFlowKey();
    const b = newFlowKey();
    expect(flowKeyFromPacket(buildPacket({ src: '10.0.0.1', dst: '10.0.0.53', sport: 40000, dport: 53 }), a)).toBe(true);
    expect(flowKeyFromPacket(buildPacket({ src: '10.0.0.53', dst: '10.0.0.1', sport: 53, dport: 40000 }), b)).toBe(true);
    expect(flowKeyEquals(a, b)).toBe(true);
    expect(flowIdOf(a)).toBe(flowIdOf(b));
    // 10.0.0.1 < 10.0.0.53 bytewise, so the query's sender is endpoint A.
    expect(a.srcIsA).toBe(true);
    expect(b.srcIsA).toBe(false);
    expect(a.portA).toBe(40000);
    expect(a.portB).toBe(53);
  });

  it('orders equal addresses by port', () => {
    const k = newFlowKey();
    flowKeyFromPacket(buildPacket({ src: '::1', dst: '::1', sport: 53, dport: 5353 }), k);
    expect(k.srcIsA).toBe(true);
    flowKeyFromPacket(buildPacket({ src: '::1', dst: '::1', sport: 5353, dport: 53 }), k);
    expect(k.srcIsA).toBe(false);
  });

  it('distinguishes protocol, ports, vlan and addresses', () => {
    const base = { src: '192.0.2.1', dst: '192.0.2.53', sport: 1111, dport: 53 } as const;
    const variants = [
      buildPacket(base),
      buildPacket({ ...base, proto: 'tcp' }),
      buildPacket({ ...base, sport: 1112 }),
      buildPacket({ ...base, vlan0: 7 }),
      buildPacket({ ...base, vlan0: 7, vlan1: 8 }),
      buildPacket({ ...base, src: '192.0.2.2' }),
      buildPacket({ src: '2001:db8::1', dst: '2001:db8::53', sport: 1111, dport: 53 }),
    ];
    const keys = variants.map((p) => {
      const k = newFlowKey();
      flowKeyFromPacket(p, k);
      return k;
    });
    for (let i = 0; i < keys.length; i++) {
      for (let j = 0; j < keys.length; j++) expect(flowKeyEquals(keys[i]!, keys[j]!)).toBe(i === j);
    }
    expect(new Set(keys.map(flowIdOf)).size).toBe(keys.length);
  });

  it('refuses packets without an IP layer', () => {
    expect(flowKeyFromPacket(newDecodedPacket(), newFlowKey())).toBe(false);
  });

  it('copies keys faithfully', () => {
    const k = newFlowKey();
    flowKeyFromPacket(buildPacket({ src: '2001:db8::1', dst: '2001:db8::2', sport: 9, dport: 53, vlan0: 3 }), k);
    const c = newFlowKey();
    copyFlowKey(k, c);
    expect(flowKeyEquals(k, c)).toBe(true);
    expect(flowIdOf(c)).toBe(flowIdOf(k));
  });

  it('makes flow ids that are positive integers below 2^53 and direction-independent', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const port = fc.integer({ min: 0, max: 65535 });
    fc.assert(
      fc.property(fc.array(octet, { minLength: 8, maxLength: 8 }), port, port, (o, sp, dp) => {
        const src = o.slice(0, 4).join('.');
        const dst = o.slice(4).join('.');
        const k1 = newFlowKey();
        const k2 = newFlowKey();
        flowKeyFromPacket(buildPacket({ src, dst, sport: sp, dport: dp }), k1);
        flowKeyFromPacket(buildPacket({ src: dst, dst: src, sport: dp, dport: sp }), k2);
        const id = flowIdOf(k1);
        expect(Number.isSafeInteger(id) && id > 0).toBe(true);
        expect(flowIdOf(k2)).toBe(id);
        expect(k1.hash).toBeLessThan(2 ** 30);
      }),
      { numRuns: 3000 },
    );
  });
});
