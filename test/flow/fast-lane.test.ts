import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLane, type LaneOptions } from '../../scripts/fuzz/fuzz-harness.mjs';
import { openCapture } from '../../src/capture/open-capture.js';
import { FlowAssembler } from '../../src/flow/flow-assembler.js';
import type { SampleBatch } from '../../src/flow/sample.js';
import { Pipeline } from '../../src/pipeline.js';
import { srcFuzzApi } from '../robustness/fuzz-api.js';
import { buildPcap, type PcapHeaderSpec, type PcapRecord } from '../capture/build-capture.js';
import type { FuzzApi } from '../../scripts/fuzz/fuzz-harness.mjs';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Every capture file of the fixtures, pcap and pcapng. */
const PCAPS = ['benign', 'anomalous', 'malformed', 'live'].flatMap((d) =>
  readdirSync(join(FIXTURES, d), { withFileTypes: true })
    .filter((e) => e.isFile() && /\.pcap(ng)?$/.test(e.name))
    .map((e) => `${d}/${e.name}`),
);

const DEFAULTS: LaneOptions = { step: 1 << 30, chunk: undefined, maxFlows: 100_000, udpIdle: 60, tcpIdle: 300, batch: 4096, sources: 2 };
/** Limits small enough that flows of both lanes expire and are evicted, records are held, and batches fill mid-chunk. */
const TIGHT: LaneOptions[] = [
  { step: 7, chunk: 64, maxFlows: 2, udpIdle: 0.001, tcpIdle: 0.01, batch: 1, sources: 1 },
  { step: 100, chunk: 1000, maxFlows: 3, udpIdle: 0.5, tcpIdle: 1, batch: 3, sources: 2 },
  { step: 1 << 30, chunk: undefined, maxFlows: 1, udpIdle: 60, tcpIdle: 0, batch: 2, sources: 1 },
];

const fixture = (file: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, file)));

let api: FuzzApi;
beforeAll(async () => {
  api = await srcFuzzApi();
});

describe('fast lane', () => {
  it('is on by default where the compiled module is there (npm run build), and off when asked', () => {
    expect(new FlowAssembler({}, () => undefined).fastLane).toBe(true);
    expect(new FlowAssembler({ fastLane: false }, () => undefined).fastLane).toBe(false);
    // Evaluation's payload tap needs every payload: the lane would not give them.
    expect(new FlowAssembler({ payloadTap: () => undefined }, () => undefined).fastLane).toBe(false);
  });

  it.each(PCAPS)('%s: the same rows, statistics and errors with and without it', async (file) => {
    const bytes = fixture(file);
    for (const o of [DEFAULTS, ...TIGHT]) await checkLane(api, file, bytes, o);
  });

  it.each(PCAPS)('%s: the same rows, kept message bytes included, with and without it when the question stage keeps messages', async (file) => {
    const bytes = fixture(file);
    // 512 as the stage keeps; 13 cuts most questions short, so the prefix bound is exercised on every path.
    for (const o of [DEFAULTS, ...TIGHT]) for (const keep of [512, 13]) await checkLane(api, file, bytes, { ...o, keep });
  });

  it('keeps each UDP message\'s first bytes through the lane, and every DNS-over-TCP message\'s through the TypeScript path', async () => {
    for (const [file, transport] of [
      ['benign/tcpdump__dns_udp.pcap', 0],
      ['benign/tcpdump__dns_tcp.pcap', 1],
    ] as const) {
      const src = await openCapture(join(FIXTURES, file));
      const rows: { len: number; kept: number; sameHead: boolean }[] = [];
      const p = new Pipeline(
        { ports: [53], maxFlows: 1000, udpIdleSec: 60, tcpIdleSec: 300, maxTcpBufferBytes: 65_536, batchSize: 64, keepMessageBytes: 512 },
        {
          onBatch(b: SampleBatch) {
            for (let i = 0; i < b.count; i++) {
              if (b.transport[i] !== transport) continue;
              const head = Buffer.from(b.head.subarray(i * 12, i * 12 + b.headLen[i]!)).toString('hex');
              const kept = Buffer.from(b.msg.subarray(i * 512, i * 512 + b.headLen[i]!)).toString('hex');
              rows.push({ len: b.payloadLength[i]!, kept: b.msgLen[i]!, sameHead: head === kept });
            }
          },
          drain: async () => undefined,
        },
        { debug() {}, info() {}, warn() {}, error() {} } as unknown as ConstructorParameters<typeof Pipeline>[2],
      );
      await p.runSource(src, 0);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.kept).toBe(Math.min(r.len, 512));
        expect(r.sameHead).toBe(true);
      }
    }
  });

  it.each([
    'benign/tcpdump__dns_udp.pcap',
    'benign/chrissanders__dns_lab.pcapng',
    'benign/zeek__pcapng-multi-interface.pcapng',
    'benign/suricata__dns-id0400-vlan.pcap',
    'benign/zeek__dns-loc-qinq.pcap',
  ])(
    'takes every record of %s (Ethernet UDP DNS; pcap, pcapng with one or several interfaces, 802.1Q, QinQ)',
    async (file) => {
      const src = await openCapture(join(FIXTURES, file));
      let frames = 0;
      await src.run(() => frames++);
      const r = await checkLane(api, file, fixture(file), { ...DEFAULTS, sources: 1 });
      expect(frames).toBeGreaterThan(0);
      expect(r.laneFrames).toBe(frames);
    },
  );

  it('leaves pcapng blocks whose time is 2^32 s or more to the TypeScript path', async () => {
    const file = 'malformed/tcpdump__time_2106_overflow.pcapng';
    const r = await checkLane(api, file, fixture(file), { ...DEFAULTS, sources: 1 });
    expect(r.rows).toBe(1);
    expect(r.laneFrames).toBe(0);
  });

  it('takes the in-order segments of a DNS-over-TCP conversation, and leaves SYN, FIN and RST to the TypeScript path', async () => {
    const file = 'benign/tcpdump__dns_tcp.pcap';
    const src = await openCapture(join(FIXTURES, file));
    let frames = 0;
    let plain = 0;
    let beforeFin = 0;
    let fin = false;
    await src.run((f) => {
      frames++;
      const ihl = (f.buf[f.offset + 14]! & 0x0f) * 4;
      const flags = f.buf[f.offset + 14 + ihl + 13]!;
      fin ||= (flags & 0x01) !== 0;
      if ((flags & 0x07) !== 0) return;
      plain++;
      if (!fin) beforeFin++;
    });
    const r = await checkLane(api, file, fixture(file), { ...DEFAULTS, sources: 1 });
    expect(beforeFin).toBeGreaterThan(0);
    expect(plain).toBeLessThan(frames);
    // After a FIN the direction may end with any segment: the TypeScript path takes those.
    expect(r.laneFrames).toBeGreaterThanOrEqual(beforeFin);
    expect(r.laneFrames).toBeLessThanOrEqual(plain);
    expect(r.rows).toBeGreaterThan(0);
  });

  it('agrees on 20,000 packets of 4,000 IPv4 and IPv6 flows through a 500-flow table, TCP among them', async () => {
    const file = await manyFlows();
    for (const o of [
      { ...DEFAULTS, maxFlows: 500, udpIdle: 2, tcpIdle: 5, batch: 256, sources: 1 },
      { ...DEFAULTS, maxFlows: 500, udpIdle: 60, tcpIdle: 0.5, batch: 4096, sources: 2, step: 4099 },
    ]) {
      const r = await checkLane(api, 'many-flows', file, o);
      // The lane takes about 19,000 UDP datagrams (RIPng among the IPv6 ones, on no DNS port, too) and the
      // TCP segments that carry data on in order; it leaves the TypeScript path new TCP flows, SYN, FIN
      // and the segments that a port change made mid-stream, and datagrams that must first evict or
      // expire a TCP flow.
      expect(r.laneFrames / o.sources).toBeGreaterThan(15_000);
      expect(r.laneFrames / o.sources).toBeLessThan(20_000);
      expect(r.rows / o.sources).toBeGreaterThan(15_000);
    }
  });

  it('takes nanosecond pcap files, and leaves big-endian and pcap 2.2 files (lengths swapped) to the TypeScript path', async () => {
    const o = { ...DEFAULTS, maxFlows: 500, sources: 1 };
    const nano = await checkLane(api, 'many-flows-ns', await manyFlows({ nano: true }), o);
    expect(nano.laneFrames).toBeGreaterThan(15_000);
    for (const header of [{ le: false }, { minor: 2 }]) {
      const r = await checkLane(api, 'many-flows', await manyFlows(header), o);
      expect(r.laneFrames).toBe(0);
      expect(r.rows).toBe(nano.rows);
    }
  });

  it('a planted difference in the lane is caught (the comparison can fail)', async () => {
    const file = await manyFlows();
    const planted: FuzzApi = {
      ...api,
      Pipeline: class extends (api.Pipeline as new (...a: unknown[]) => { assembler: unknown }) {
        constructor(...a: unknown[]) {
          super(...a);
          const o = a[0] as { fastLane: boolean; maxFlows: number; batchSize: number; udpIdleSec: number; tcpIdleSec: number };
          // The lane alone expires UDP flows after a millisecond.
          const lane = (this.assembler as { lane?: { configure(x: object): void } }).lane;
          lane?.configure({ ...o, udpIdleSec: 0.001, record: { msg0: 40, batch: 48, source: 52, flags: 56, pair: 60 } });
        }
      },
    };
    await expect(checkLane(planted, 'many-flows', file, { ...DEFAULTS, sources: 1 })).rejects.toThrow(/differ/);
  });
});

let manyFlowsRecords: PcapRecord[] | undefined;

/**
 * Real frames of the fixtures (Ethernet UDP DNS over IPv4 and IPv6, and a
 * DNS-over-TCP conversation), copied with other client addresses and ports
 * so they make thousands of flows, at times 1-40 ms apart.
 */
async function manyFlows(header: PcapHeaderSpec = {}): Promise<Uint8Array> {
  manyFlowsRecords ??= await manyFlowsRecordsOf();
  const nano = header.nano === true;
  return buildPcap({ snaplen: 65535, ...header }, nano ? manyFlowsRecords.map((r) => ({ ...r, frac: r.frac * 1000 + 7 })) : manyFlowsRecords);
}

async function manyFlowsRecordsOf(): Promise<PcapRecord[]> {
  const frames = async (file: string): Promise<Uint8Array[]> => {
    const out: Uint8Array[] = [];
    const src = await openCapture(join(FIXTURES, file));
    await src.run((f) => {
      if (f.linktype === 1) out.push(f.buf.slice(f.offset, f.offset + f.capLen));
    });
    return out;
  };
  const isUdp = (b: Uint8Array, v6: boolean): boolean => (v6 ? b[12] === 0x86 && b[13] === 0xdd && b[20] === 17 : b[12] === 8 && b[13] === 0 && b[23] === 17);
  const v4 = (await frames('benign/tcpdump__dns_udp.pcap')).filter((b) => isUdp(b, false));
  const v6 = (await frames('benign/arkime__v6.pcap')).filter((b) => isUdp(b, true));
  const tcp = await frames('benign/tcpdump__dns_tcp.pcap');
  expect(v4.length).toBeGreaterThan(0);
  expect(v6.length).toBeGreaterThan(0);
  expect(tcp.length).toBeGreaterThan(0);
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const records: PcapRecord[] = [];
  let usec = 0;
  for (let i = 0; i < 20_000; i++) {
    usec += 1000 + rand(40_000);
    const client = rand(4000);
    const kind = rand(20);
    const src = kind === 0 ? tcp[(i >> 3) % tcp.length]! : kind < 8 ? v6[rand(v6.length)]! : v4[rand(v4.length)]!;
    const b = src.slice();
    if (kind === 0) {
      // One TCP conversation at a time, on client ports that change every 64 packets.
      b[14 + 20] = 0xc0 | ((i >> 6) & 0x3f);
    } else {
      const ip6 = b[12] === 0x86;
      const udp = ip6 ? 54 : 34;
      const toServer = b[udp + 2] === 0 && b[udp + 3] === 53;
      const addr = ip6 ? (toServer ? 14 + 8 : 14 + 24) : toServer ? 14 + 12 : 14 + 16;
      b[addr + (ip6 ? 15 : 3)] = client & 0xff;
      b[addr + (ip6 ? 14 : 2)] = client >> 8;
      const port = udp + (toServer ? 0 : 2);
      b[port] = 0x80 | (client & 0x3f);
    }
    records.push({ sec: 1_700_000_000 + Math.floor(usec / 1e6), frac: usec % 1e6, data: b });
  }
  return records;
}
