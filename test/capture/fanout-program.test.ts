import { describe, expect, it } from 'vitest';
import { encodeProgram, fanoutProgram, MAX_FANOUT_PORTS } from '../../src/capture/fanout-program.js';
import { clientHash } from '../../src/flow/flow-share.js';
import { runCbpf } from './cbpf-interpreter.js';

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_8021Q = 0x8100;

type Addr = readonly number[]; // 4 bytes (IPv4) or 16 (IPv6)

/** An IP packet from its header on (where the kernel's network header is), with a UDP/TCP header when `proto` has one. */
function ipPacket(src: Addr, dst: Addr, proto: number, sport: number, dport: number, opts: { fragment?: number; ihlWords?: number } = {}): Uint8Array {
  const l4 = [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 8, 0, 0];
  if (src.length === 4) {
    const ihl = opts.ihlWords ?? 5;
    const h = new Array<number>(ihl * 4).fill(0);
    h[0] = 0x40 | ihl;
    h[6] = (opts.fragment ?? 0) >> 8;
    h[7] = (opts.fragment ?? 0) & 0xff;
    h[8] = 64;
    h[9] = proto;
    h.splice(12, 4, ...src);
    h.splice(16, 4, ...dst);
    return Uint8Array.from([...h, ...l4]);
  }
  const h = new Array<number>(40).fill(0);
  h[0] = 0x60;
  h[6] = proto;
  h.splice(8, 16, ...src);
  h.splice(24, 16, ...dst);
  return Uint8Array.from([...h, ...l4]);
}

function words(a: Addr): [number, number, number, number] {
  const w = [0, 0, 0, 0] as [number, number, number, number];
  for (let i = 0; i < a.length; i++) w[i >> 2] = ((w[i >> 2]! << 8) | a[i]!) >>> 0;
  return w;
}

const hashOf = (a: Addr): number => clientHash(...words(a));

const program = fanoutProgram([53]);
const run = (p: Uint8Array, protocol: number): number => runCbpf(program, p, protocol);

const v4 = (x: number): Addr => [10, (x >> 16) & 0xff, (x >> 8) & 0xff, x & 0xff];
const v6 = (x: number): Addr => [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, (x >> 24) & 0xff, (x >> 16) & 0xff, (x >> 8) & 0xff, x & 0xff];

describe('the fanout program', () => {
  it('returns the client hash of flow-share.ts for both directions of IPv4 and IPv6 UDP and TCP flows', () => {
    for (const [mk, proto] of [
      [v4, ETH_P_IP],
      [v6, ETH_P_IPV6],
    ] as const) {
      for (const l4 of [17, 6]) {
        const client = mk(0x0102_0304);
        const server = mk(0x0000_0035);
        const query = ipPacket(client, server, l4, 40_000, 53);
        const answer = ipPacket(server, client, l4, 53, 40_000);
        expect(run(query, proto)).toBe(hashOf(client));
        expect(run(answer, proto)).toBe(hashOf(client));
      }
    }
  });

  it('gives one client the same value whatever its server and ports, and the kernel member the share flow-share.ts gives', () => {
    const client = v4(77);
    const values = new Set<number>();
    for (let s = 0; s < 50; s++) {
      values.add(run(ipPacket(client, v4(1000 + s), 17, 1024 + s * 7, 53), ETH_P_IP));
      values.add(run(ipPacket(v4(1000 + s), client, 6, 53, 2000 + s), ETH_P_IP));
    }
    expect([...values]).toEqual([hashOf(client)]);
  });

  it('spreads many clients over the members', () => {
    for (const members of [2, 4]) {
      const counts = new Array<number>(members).fill(0);
      for (let c = 0; c < 4000; c++) counts[run(ipPacket(v4(c), v4(0xffff), 17, 5000 + (c % 1000), 53), ETH_P_IP) % members]!++;
      for (const n of counts) {
        expect(n).toBeGreaterThan((4000 / members) * 0.85);
        expect(n).toBeLessThan((4000 / members) * 1.15);
      }
    }
  });

  it('takes the lower endpoint when both or neither port is a DNS port, as the canonical key does', () => {
    const a = v4(5);
    const b = v4(9);
    for (const [sp, dp] of [
      [53, 53],
      [1000, 2000],
    ]) {
      expect(run(ipPacket(a, b, 17, sp, dp), ETH_P_IP)).toBe(hashOf(a));
      expect(run(ipPacket(b, a, 17, dp, sp), ETH_P_IP)).toBe(hashOf(a));
    }
    // Equal addresses: the lower port's side, which is the same address.
    expect(run(ipPacket(a, a, 17, 53, 53), ETH_P_IP)).toBe(hashOf(a));
    // IPv6: the words compared in order, the first differing one decides.
    const lo = [...v6(1)];
    const hi = [...v6(1)];
    hi[3] = 0xb9; // higher in the first word
    lo[15] = 0xff; // higher in the last word only
    expect(run(ipPacket(lo, hi, 17, 53, 53), ETH_P_IPV6)).toBe(hashOf(lo));
    expect(run(ipPacket(hi, lo, 17, 53, 53), ETH_P_IPV6)).toBe(hashOf(lo));
  });

  it('honours IPv4 options, the ports given, VLAN tags left in the frame, fragments and other protocols', () => {
    const client = v4(0x0a0b0c);
    const server = v4(0x35);
    expect(run(ipPacket(client, server, 17, 999, 53, { ihlWords: 7 }), ETH_P_IP)).toBe(hashOf(client));
    // 5353 is not a DNS port by default: the lower endpoint (the server here); with it, the client.
    expect(run(ipPacket(client, server, 17, 999, 5353), ETH_P_IP)).toBe(hashOf(server));
    expect(runCbpf(fanoutProgram([53, 5353]), ipPacket(client, server, 17, 999, 5353), ETH_P_IP)).toBe(hashOf(client));
    // One or two tags in front of the IP header (the kernel has removed the outer one).
    const packet = ipPacket(client, server, 17, 999, 53);
    const tagged = Uint8Array.from([0x00, 0x64, 0x08, 0x00, ...packet]);
    expect(run(tagged, ETH_P_8021Q)).toBe(hashOf(client));
    const twice = Uint8Array.from([0x60, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x86, 0xdd, ...ipPacket(v6(3), v6(4), 17, 53, 999)]);
    expect(run(twice, ETH_P_8021Q)).toBe(hashOf(v6(4)));
    // Fragments go by their destination, first and later ones alike.
    expect(run(ipPacket(server, client, 17, 53, 999, { fragment: 0x2000 }), ETH_P_IP)).toBe(hashOf(client));
    expect(run(ipPacket(server, client, 17, 0, 0, { fragment: 0x00b9 }), ETH_P_IP)).toBe(hashOf(client));
    expect(run(ipPacket(v6(8), v6(2), 44, 0, 0), ETH_P_IPV6)).toBe(hashOf(v6(2)));
    // GRE: the lower address, both directions.
    expect(run(ipPacket(v4(200), v4(100), 47, 0, 0), ETH_P_IP)).toBe(hashOf(v4(100)));
    expect(run(ipPacket(v4(100), v4(200), 47, 0, 0), ETH_P_IP)).toBe(hashOf(v4(100)));
    // Not IP, or cut short: member 0.
    expect(run(Uint8Array.from([0, 1, 8, 0, 6, 4, 0, 1]), 0x0806)).toBe(0);
    expect(run(ipPacket(client, server, 17, 999, 53).subarray(0, 22), ETH_P_IP)).toBe(0);
  });

  it('fits the kernel: jumps resolved, at most 4096 instructions, 8 bytes each', () => {
    const ports = Array.from({ length: MAX_FANOUT_PORTS }, (_, i) => 53 + i);
    const big = fanoutProgram(ports);
    expect(big.length).toBeLessThan(4096);
    expect(encodeProgram(big).length).toBe(big.length * 8);
    expect(runCbpf(big, ipPacket(v4(1), v4(2), 17, 1000, 53 + MAX_FANOUT_PORTS - 1), ETH_P_IP)).toBe(hashOf(v4(1)));
    expect(() => fanoutProgram([...ports, 9999])).toThrow(/at most 64/);
  });
});
