import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open-capture.js';
import type { FlowShare } from '../../src/flow/flow-share.js';
import { clientHash, shareOf } from '../../src/flow/flow-share.js';
import { flowKeyFromPacket, newFlowKey } from '../../src/flow/flow-key.js';
import { DEFAULT_PIPELINE_OPTIONS, Pipeline } from '../../src/pipeline.js';
import { stageLogger } from '../../src/logger.js';
import { buildPcap, type PcapRecord } from '../capture/build-capture.js';
import { dnsPayload, ethernet, ipv4, tcp, udp } from '../decode/build-frame.js';
import { buildPacket, rowsOf, type Row } from './build-packet.js';

const dir = mkdtempSync(join(tmpdir(), 'dnsae-flow-share-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IPv6 header from `src` to `dst` (build-frame's ipv6 has fixed addresses) and `rest`. */
function ipv6Between(nextHeader: number, rest: Uint8Array, src: Uint8Array, dst: Uint8Array): Uint8Array {
  const h = new Uint8Array(40 + rest.length);
  h[0] = 0x60;
  h[4] = rest.length >> 8;
  h[5] = rest.length & 255;
  h[6] = nextHeader;
  h[7] = 64;
  h.set(src, 8);
  h.set(dst, 24);
  h.set(rest, 40);
  return h;
}

/** A deterministic stream of numbers, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // The high bits: an LCG's low bits repeat with short periods.
    return s >>> 12;
  };
}

/**
 * Queries and responses of many clients (IPv4 and IPv6), each with several
 * source ports, to three servers, over UDP and in-order TCP, interleaved in
 * time: many 5-tuples, both directions of each.
 */
function manyFlows(seed: number, exchanges: number): Uint8Array {
  const rnd = lcg(seed);
  const records: PcapRecord[] = [];
  const tcpSeq = new Map<string, number>();
  for (let i = 0; i < exchanges; i++) {
    const client = rnd() % 300;
    const v6 = client % 5 === 0;
    const server = rnd() % 3;
    const sport = 1024 + ((client * 7 + (rnd() % 16)) % 60000);
    const overTcp = rnd() % 8 === 0;
    const q = dnsPayload(20 + (rnd() % 40));
    const r = dnsPayload(40 + (rnd() % 80));
    r[2] = 0x81;
    const sec = 1_700_000_000 + Math.floor(i / 50);
    const frac = (i % 50) * 1000;
    const cAddr4 = [10, (client >> 8) & 255, client & 255, 7];
    const sAddr4 = [198, 51, 100, 53 + server];
    const l4 = (from: 'c' | 's', payload: Uint8Array): Uint8Array => {
      const [sp, dp] = from === 'c' ? [sport, 53] : [53, sport];
      if (!overTcp) return udp(sp, dp, payload);
      const k = `${client}/${sport}/${server}/${from}`;
      const seq = tcpSeq.get(k) ?? 1000;
      const framedPayload = new Uint8Array(payload.length + 2);
      framedPayload[0] = payload.length >> 8;
      framedPayload[1] = payload.length & 255;
      framedPayload.set(payload, 2);
      tcpSeq.set(k, seq + framedPayload.length);
      return tcp(sp, dp, framedPayload, { seq });
    };
    const proto = overTcp ? 6 : 17;
    const frameOf = (from: 'c' | 's', payload: Uint8Array): Uint8Array => {
      const seg = l4(from, payload);
      if (v6) {
        const c = new Uint8Array(16);
        c[0] = 0x20;
        c[1] = 0x01;
        c[2] = 0x0d;
        c[3] = 0xb8;
        c[14] = client >> 8;
        c[15] = client & 255;
        const s = new Uint8Array(16);
        s.set(c.subarray(0, 4));
        s[15] = 0x53 + server;
        return ethernet(0x86dd, ipv6Between(proto, seg, from === 'c' ? c : s, from === 'c' ? s : c));
      }
      return ethernet(0x0800, ipv4(proto, seg, from === 'c' ? { src: cAddr4, dst: sAddr4 } : { src: sAddr4, dst: cAddr4 }));
    };
    records.push({ sec, frac, data: frameOf('c', q) });
    records.push({ sec, frac: frac + 500, data: frameOf('s', r) });
  }
  return buildPcap({}, records);
}

async function rowsFor(path: string, share: FlowShare | undefined, fastLane: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const pipeline = new Pipeline(
    { ...DEFAULT_PIPELINE_OPTIONS, fastLane, ...(share === undefined ? {} : { share }) },
    { onBatch: (b) => rows.push(...rowsOf(b)), drain: () => Promise.resolve() },
    stageLogger('test'),
  );
  await pipeline.runSource(await openCapture(path), 0);
  return rows;
}

const key = (r: Row): string => JSON.stringify(r);

describe('flow shares', () => {
  const path = join(dir, 'many-flows.pcap');
  writeFileSync(path, manyFlows(53, 6000));

  for (const by of ['flow', 'client'] as const)
    for (const count of [2, 3])
      for (const fastLane of [true, false])
        it(`by ${by}, ${count} shares, fast lane ${fastLane ? 'on' : 'off'}: every row in exactly one share, no flow or client split, the union is the one-share run`, async () => {
          const whole = await rowsFor(path, undefined, fastLane);
          expect(whole.length).toBeGreaterThan(10_000);
          // TCP flows start on the TypeScript path and go on in the lane: both must agree on the share.
          expect(whole.filter((r) => r.transport === 'tcp').length).toBeGreaterThan(500);
          expect(new Set(whole.filter((r) => r.clientIp.includes(':')).map((r) => r.clientIp)).size).toBeGreaterThan(20);
          const parts: Row[][] = [];
          for (let index = 0; index < count; index++) parts.push(await rowsFor(path, { index, count, by }, fastLane));
          // Each share has some of the traffic, none has all of it.
          for (const p of parts) {
            expect(p.length).toBeGreaterThan(whole.length / (count * 4));
            expect(p.length).toBeLessThan(whole.length);
          }
          const flowShare = new Map<number, number>();
          const clientShare = new Map<string, number>();
          parts.forEach((p, s) => {
            for (const r of p) {
              expect(flowShare.get(r.flowId) ?? s).toBe(s);
              flowShare.set(r.flowId, s);
              if (by === 'client') {
                expect(clientShare.get(r.clientIp) ?? s).toBe(s);
                clientShare.set(r.clientIp, s);
              }
            }
          });
          // Both directions of a flow: responses are in the share of their queries.
          const dirs = new Map<number, Set<number>>();
          for (const p of parts) for (const r of p) (dirs.get(r.flowId) ?? dirs.set(r.flowId, new Set()).get(r.flowId)!).add(r.direction);
          expect([...dirs.values()].filter((d) => d.size === 2).length).toBeGreaterThan(dirs.size / 2);
          expect(parts.flat().map(key).sort()).toEqual(whole.map(key).sort());
        });

  it('hashes both directions of a packet pair alike, by flow and by client', () => {
    const ports = new Set([53]);
    const k = newFlowKey();
    for (const [src, dst, sp, dp] of [
      ['192.0.2.7', '198.51.100.53', 40000, 53],
      ['2001:db8::7', '2001:db8::53', 5353, 53],
      ['198.51.100.53', '198.51.100.54', 53, 53],
    ] as const) {
      const shares: number[] = [];
      for (const p of [buildPacket({ src, dst, sport: sp, dport: dp }), buildPacket({ src: dst, dst: src, sport: dp, dport: sp })]) {
        expect(flowKeyFromPacket(p, k)).toBe(true);
        for (const by of ['flow', 'client'] as const) shares.push(shareOf(k, ports.has(p.srcPort), ports.has(p.dstPort), { index: 0, count: 7, by }));
      }
      expect(shares.slice(0, 2)).toEqual(shares.slice(2));
    }
  });

  it('spreads clients: 10,000 IPv4 addresses fall in each of 4 shares about equally', () => {
    const n = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) n[clientHash((10 << 24) | i, 0, 0, 0) % 4]!++;
    for (const c of n) expect(Math.abs(c - 2500)).toBeLessThan(250);
  });
});
