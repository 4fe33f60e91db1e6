import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { LineSink } from '../../../src/output/ndjson-sink.js';
import { NetworkSink } from '../../../src/output/sinks/network-sink.js';
import { RedisTransport, type RedisMode } from '../../../src/output/sinks/redis-transport.js';
import { OUTAGE_BUFFER, runOutage } from './outage.js';
import { freePort, haveBinary, range, record, RedisServer, seqs, tempDir, waitFor } from './servers.js';

const HAVE = haveBinary('redis-server') && haveBinary('redis-cli');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(): Promise<RedisServer> {
  const dir = tempDir('dnsae-redis-');
  const s = new RedisServer(await freePort(), dir);
  cleanups.push(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await s.start();
  return s;
}

function sink(s: RedisServer, mode: RedisMode, extra: { streamMaxlen?: number; bufferRecords?: number } = {}): NetworkSink {
  const n = new NetworkSink(new RedisTransport({ host: '127.0.0.1', port: s.port, db: 2, mode, key: 'eve', streamMaxlen: extra.streamMaxlen ?? 0 }), {
    bufferRecords: extra.bufferRecords ?? 10_000,
    bufferBytes: 64 << 20,
    backoffMinMs: 20,
    backoffMaxMs: 200,
  });
  cleanups.push(async () => void (await n.close(100)));
  n.start();
  return n;
}

/** LPUSH puts the newest first: reversed, the list reads in sending order. */
const readList = (s: RedisServer, reverse: boolean): string[] => {
  const l = s.raw('-n', '2', 'LRANGE', 'eve', '0', '-1');
  return reverse ? l.reverse() : l;
};
/** XRANGE --raw prints id, field, value per entry. */
const readStream = (s: RedisServer): { field: string; value: string }[] => {
  const l = s.raw('-n', '2', 'XRANGE', 'eve', '-', '+');
  const out: { field: string; value: string }[] = [];
  for (let i = 0; i + 2 < l.length; i += 3) out.push({ field: l[i + 1]!, value: l[i + 2]! });
  return out;
};

async function send(n: NetworkSink, from: number, to: number): Promise<void> {
  const out = LineSink.toStream(n.stream, n.name);
  for (let i = from; i < to; i++) out.writeLine(record(i));
  await out.close();
}

describe.skipIf(!HAVE)(`redis:// sink against redis-server${HAVE ? '' : ' (skipped: redis-server or redis-cli not installed)'}`, () => {
  it('list mode is LPUSH, rpush appends: every record once, as sent', async () => {
    const s = await server();
    const lp = sink(s, 'list');
    await send(lp, 0, 500);
    await waitFor(() => readList(s, true).length === 500, '500 records in the list');
    const got = readList(s, true);
    expect(seqs(got)).toEqual(range(0, 500));
    for (const l of got) expect(l).toBe(record(JSON.parse(l).seq));
    s.cli('-n', '2', 'DEL', 'eve');
    const rp = sink(s, 'rpush');
    await send(rp, 0, 10);
    await waitFor(() => readList(s, false).length === 10, '10 records');
    expect(seqs(readList(s, false))).toEqual(range(0, 10));
  });

  it('stream mode is XADD with the record in field "eve", trimmed approximately to --redis-stream-maxlen', async () => {
    const s = await server();
    const n = sink(s, 'stream');
    await send(n, 0, 300);
    await waitFor(() => readStream(s).length === 300, '300 entries');
    const got = readStream(s);
    expect(new Set(got.map((e) => e.field))).toEqual(new Set(['eve']));
    expect(seqs(got.map((e) => e.value))).toEqual(range(0, 300));
    // MAXLEN ~ trims whole macro nodes (100 entries by default): the stream stays near the bound, never far below it.
    s.cli('-n', '2', 'DEL', 'eve');
    const t = sink(s, 'stream', { streamMaxlen: 1000 });
    await send(t, 0, 5000);
    await waitFor(() => t.stats.sent === 5000, 'every XADD answered');
    const len = Number(s.raw('-n', '2', 'XLEN', 'eve')[0]);
    expect(len).toBeGreaterThanOrEqual(1000);
    expect(len).toBeLessThan(5000);
  });

  it('channel mode PUBLISHes each record to subscribers', async () => {
    const s = await server();
    const sub = new Redis({ port: s.port, host: '127.0.0.1', lazyConnect: true });
    cleanups.push(async () => void sub.disconnect());
    await sub.connect();
    const heard: string[] = [];
    sub.on('message', (_ch: string, m: string) => heard.push(m));
    await sub.subscribe('eve');
    const n = sink(s, 'channel');
    await send(n, 0, 200);
    await waitFor(() => heard.length === 200, '200 messages');
    expect(seqs(heard)).toEqual(range(0, 200));
  });

  it('a server killed mid-run: buffered records arrive after restart, drops only past the bound and exactly as counted', async () => {
    const s = await server();
    const n = sink(s, 'list', { bufferRecords: OUTAGE_BUFFER });
    // The server keeps nothing across the restart (--save ''): what it held before is read before it goes.
    let before: string[] = [];
    await runOutage({
      sink: n,
      seesOutage: true,
      received: () => Promise.resolve([...before, ...readList(s, true)]),
      stop: async () => {
        before = readList(s, true);
        await s.stop();
      },
      start: () => s.start(),
    });
  });

  it('a reply error (key of the wrong type) drops that record and counts it; the rest go on', async () => {
    const s = await server();
    s.cli('-n', '2', 'SET', 'eve', 'a string');
    const n = sink(s, 'list');
    await send(n, 0, 3);
    await waitFor(() => n.stats.dropped === 3, 'three refusals');
    expect(n.stats).toMatchObject({ sent: 0, buffered: 0 });
  });
});
