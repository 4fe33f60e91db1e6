import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipTextWords } from '../../src/output/community-id.js';
import { clientHash } from '../../src/flow/flow-share.js';
import { CLI, ROOT } from '../golden/run-cli.js';
import { concat, dnsPayload, ipv4, tcp, udp, be16, V6_SRC } from '../decode/build-frame.js';
import { createVethPair, netnsSkipReason, removeVethPair, vethNames } from '../netns.js';
import { LiveSensorProcess } from '../live-sensor-process.js';
import { buildPcap } from '../capture/build-capture.js';

/**
 * `dnsae live --workers 2` on one end of a veth pair, tcpreplay of many
 * clients' flows into the other end from a namespace made here: no flow and
 * no client is split between the workers, each client's worker is the one
 * flow-share.ts's client hash names (so the kernel runs the fanout program
 * as the unit tests' interpreter does), and both workers get traffic. Root
 * only; the replay is bounded in packets and time.
 */

const SKIP = netnsSkipReason([['tcpreplay', ['--version']]]);

const UDP = 17;
const TCP = 6;

function ethernet(type: number, payload: Uint8Array, vlans: readonly [number, number][] = []): Uint8Array {
  const macs = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
  const tags = vlans.flatMap(([tpid, id]) => [...be16(tpid), ...be16(id)]);
  return concat(new Uint8Array([...macs, ...tags, ...be16(type)]), payload);
}

function ipv6(next: number, src: readonly number[], dst: readonly number[], rest: Uint8Array): Uint8Array {
  return concat(new Uint8Array([0x60, 0, 0, 0, ...be16(rest.length), next, 64, ...src, ...dst]), rest);
}

function answer(): Uint8Array {
  const p = dnsPayload(40);
  p[2] = 0x81;
  p[3] = 0x80;
  return p;
}

/** Frames of many clients: UDP exchanges with several servers and source ports, TCP connections, VLAN-tagged and IPv6 clients. */
function buildFrames(): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const servers = [
    [198, 51, 100, 1],
    [198, 51, 100, 2],
    [203, 0, 113, 53],
  ];
  for (let c = 0; c < 240; c++) {
    const client = [10, 7, c >> 8, c & 0xff];
    // A third of the clients behind one VLAN tag, a few behind two (QinQ).
    const vlans: [number, number][] = c % 3 === 1 ? [[0x8100, 100]] : c % 17 === 2 ? [[0x88a8, 10], [0x8100, 20]] : [];
    const v4 = (src: number[], dst: number[], proto: number, l4: Uint8Array): Uint8Array => ethernet(0x0800, ipv4(proto, l4, { src, dst }), vlans);
    for (let f = 0; f < 3; f++) {
      const server = servers[(c + f) % servers.length]!;
      const port = 20_000 + c * 8 + f;
      frames.push(v4(client, server, UDP, udp(port, 53, dnsPayload(30))));
      frames.push(v4(server, client, UDP, udp(53, port, answer())));
    }
    if (c % 4 === 0) {
      const server = servers[c % servers.length]!;
      const port = 40_000 + c;
      const q = dnsPayload(30);
      const a = answer();
      frames.push(v4(client, server, TCP, tcp(port, 53, new Uint8Array(0), { seq: 1000, flags: 0x02 })));
      frames.push(v4(server, client, TCP, tcp(53, port, new Uint8Array(0), { seq: 5000, ack: 1001, flags: 0x12 })));
      frames.push(v4(client, server, TCP, tcp(port, 53, concat(new Uint8Array(be16(q.length)), q), { seq: 1001, ack: 5001, flags: 0x18 })));
      frames.push(v4(server, client, TCP, tcp(53, port, concat(new Uint8Array(be16(a.length)), a), { seq: 5001, ack: 1001 + 2 + q.length, flags: 0x18 })));
    }
  }
  for (let c = 0; c < 80; c++) {
    const client = [...V6_SRC.slice(0, 12), 0, 0, c >> 8, c & 0xff];
    const server = [...V6_SRC.slice(0, 12), 0, 0, 0, 0x53 + (c % 2)];
    for (let f = 0; f < 2; f++) {
      const port = 30_000 + c * 4 + f;
      frames.push(ethernet(0x86dd, ipv6(UDP, client, server, udp(port, 53, dnsPayload(30)))));
      frames.push(ethernet(0x86dd, ipv6(UDP, server, client, udp(53, port, answer()))));
    }
  }
  return frames;
}

function writePcap(frames: readonly Uint8Array[], out: string): void {
  const records = frames.map((data, i) => ({ sec: 1_700_000_000 + Math.floor(i / 10_000), frac: (i % 10_000) * 100, data }));
  writeFileSync(out, buildPcap({}, records));
}

interface Rec {
  event_type: string;
  worker?: number;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  proto: string;
}

function hashOfText(ip: string): number {
  const w = ipTextWords(ip, ip.includes(':') ? 6 : 4);
  if (w === undefined) throw new Error(`not an address: ${ip}`);
  return clientHash(...w);
}

describe.skipIf(SKIP !== undefined)(`dnsae live --workers on a veth pair${SKIP === undefined ? '' : ` (skipped: ${SKIP})`}`, () => {
  const pair = vethNames('df', 'fan');
  const { ns, host, peer, tag } = pair;
  const dir = join(ROOT, 'tmp', `live-fanout-${tag}`);
  const capture = join(dir, 'clients.pcap');
  let frames = 0;
  const sensors: LiveSensorProcess[] = [];
  const replays: ChildProcess[] = [];

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
    mkdirSync(dir, { recursive: true });
    const built = buildFrames();
    frames = built.length;
    writePcap(built, capture);
    createVethPair(pair);
  });

  afterAll(async () => {
    for (const s of sensors) {
      s.kill('SIGKILL');
      await s.exited;
    }
    for (const r of replays) if (r.exitCode === null) r.kill('SIGKILL');
    removeVethPair(pair);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every flow and every client on one worker, the one the client hash names, and uses both', async () => {
    const out = join(dir, 'records.ndjson');
    const s = new LiveSensorProcess(['-i', host, '--filter', '', '--workers', '2', '--all', '-d', 'rules', '--stats-interval', '1', '-o', out]);
    sensors.push(s);
    await s.waitFor('start', () => s.find('live capture started') !== undefined);
    expect(s.find('live capture started')).toMatchObject({ workers: 2, fast_lane: true });

    const child = spawn('ip', ['netns', 'exec', ns, 'tcpreplay', '-q', '--pps=4000', '-i', peer, capture], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    replays.push(child);
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code, log).toBe(0);
    const sent = Number(/Actual: (\d+) packets/.exec(log)?.[1]);
    expect(sent).toBe(frames);

    await s.waitFor('every frame', () => s.lastStats()?.packets === sent);
    s.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.errorLines).toEqual([]);
    const f = s.statsLines().at(-1)!.stats!;
    expect(f.kernel_received).toBe(sent);
    expect(f.kernel_drops).toBe(0);
    expect(f.queue_drops).toBe(0);

    const records = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Rec)
      .filter((r) => r.event_type === 'dns_ae');
    // Both directions of every UDP exchange and both TCP messages: one record each.
    expect(records.length).toBe(240 * 3 * 2 + 60 * 2 + 80 * 2 * 2);
    expect(records.length).toBe(f.samples);

    const flowWorkers = new Map<string, Set<number>>();
    const clientWorkers = new Map<string, Set<number>>();
    const perWorker = [0, 0];
    for (const r of records) {
      expect(r.worker === 0 || r.worker === 1).toBe(true);
      perWorker[r.worker!]!++;
      const ends = [`${r.src_ip}/${r.src_port}`, `${r.dest_ip}/${r.dest_port}`].sort();
      const flow = `${r.proto} ${ends.join(' ')}`;
      const client = r.dest_port === 53 ? r.src_ip : r.dest_ip;
      (flowWorkers.get(flow) ?? flowWorkers.set(flow, new Set()).get(flow)!).add(r.worker!);
      (clientWorkers.get(client) ?? clientWorkers.set(client, new Set()).get(client)!).add(r.worker!);
    }
    expect(flowWorkers.size).toBe(240 * 3 + 60 + 80 * 2);
    expect(clientWorkers.size).toBe(240 + 80);
    expect([...flowWorkers].filter(([, w]) => w.size > 1)).toEqual([]);
    expect([...clientWorkers].filter(([, w]) => w.size > 1)).toEqual([]);
    for (const [client, w] of clientWorkers) expect([...w][0], client).toBe(hashOfText(client) % 2);
    // The clients spread: each worker has at least a quarter of the records.
    for (const n of perWorker) expect(n).toBeGreaterThan(records.length / 4);
  });
});
