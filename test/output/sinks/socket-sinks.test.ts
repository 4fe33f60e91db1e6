import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LineSink } from '../../../src/output/ndjson-sink.js';
import { NetworkSink } from '../../../src/output/sinks/network-sink.js';
import { lineFrame, SocketTransport } from '../../../src/output/sinks/socket-transport.js';
import { UnixDgramTransport } from '../../../src/output/sinks/unix-dgram-transport.js';
import { OUTAGE_BUFFER, runOutage } from './outage.js';
import { haveBinary, range, record, seqs, tempDir, UnixDgramServer, UnixLineServer, waitFor } from './servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const d = tempDir('dnsae-sock-');
  cleanups.push(async () => rmSync(d, { recursive: true, force: true }));
  return d;
}

function sink(t: SocketTransport | UnixDgramTransport, bufferRecords = 10_000): NetworkSink {
  const n = new NetworkSink(t, { bufferRecords, bufferBytes: 64 << 20, backoffMinMs: 20, backoffMaxMs: 200 });
  cleanups.push(async () => void (await n.close(100)));
  n.start();
  return n;
}

describe('unix-stream: sink against a Unix stream socket served here', () => {
  it('writes one record per line, intact', async () => {
    const server = new UnixLineServer(join(dir(), 'eve.sock'));
    cleanups.push(() => server.stop());
    await server.start();
    const n = sink(new SocketTransport('unix-stream:test', { path: server.path }, lineFrame));
    const out = LineSink.toStream(n.stream, n.name);
    for (let i = 0; i < 2000; i++) out.writeLine(record(i, i % 10));
    await out.close();
    await waitFor(() => server.lines.length === 2000, '2000 lines');
    expect(server.lines).toEqual(range(0, 2000).map((i) => record(i, i % 10)));
  });

  it('a server gone mid-run and back: buffered records arrive once, drops only past the bound', async () => {
    const server = new UnixLineServer(join(dir(), 'eve.sock'));
    cleanups.push(() => server.stop());
    await server.start();
    const n = sink(new SocketTransport('unix-stream:test', { path: server.path }, lineFrame), OUTAGE_BUFFER);
    await runOutage({ sink: n, seesOutage: true, received: () => Promise.resolve(server.lines), stop: () => server.stop(), start: () => server.start() });
    expect(server.connections).toBe(2);
  });

  it('a peer that keeps up loses nothing, even through a buffer far smaller than the run', async () => {
    const server = new UnixLineServer(join(dir(), 'eve.sock'));
    cleanups.push(() => server.stop());
    await server.start();
    const n = sink(new SocketTransport('unix-stream:test', { path: server.path }, lineFrame), 10);
    await waitFor(() => n.connected, 'connected');
    const out = LineSink.toStream(n.stream, n.name);
    for (let i = 0; i < 5000; i++) {
      out.writeLine(record(i));
      if (i % 500 === 499) await out.drain();
    }
    await out.close();
    await waitFor(() => server.lines.length === 5000, '5000 lines');
    expect(seqs(server.lines)).toEqual(range(0, 5000));
    expect(n.stats.dropped).toBe(0);
  });

  it('a peer that is connected but reads nothing: writers go on after the stall bound, the excess is counted', async () => {
    const path = join(dir(), 'stuck.sock');
    const conns: import('node:net').Socket[] = [];
    const { createServer } = await import('node:net');
    const server = createServer((c) => {
      c.pause();
      conns.push(c);
    });
    await new Promise<void>((r) => server.listen(path, () => r()));
    cleanups.push(async () => {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const n = new NetworkSink(new SocketTransport('unix-stream:stuck', { path }, lineFrame), { bufferRecords: 40, bufferBytes: 64 << 20, stallMs: 50 });
    n.start();
    await waitFor(() => n.connected, 'connected');
    const out = LineSink.toStream(n.stream, n.name);
    const N = 20_000;
    // 20,000 records of ~1 KB are far more than the socket buffers hold: without the stall bound this would never finish.
    for (let i = 0; i < N; i++) {
      out.writeLine(record(i, 1000));
      if (i % 200 === 199) await out.drain();
    }
    await out.close();
    const mid = n.stats;
    expect(mid.dropped).toBeGreaterThan(0);
    expect(mid.buffered).toBeLessThanOrEqual(40);
    expect(mid.sent + mid.dropped + mid.buffered).toBe(N);
    const final = await n.close(100);
    expect(final.sent + final.dropped).toBe(N);
  });

  it('a socket that is not there yet: records wait in the buffer, then go', async () => {
    const server = new UnixLineServer(join(dir(), 'late.sock'));
    cleanups.push(() => server.stop());
    const n = sink(new SocketTransport('unix-stream:test', { path: server.path }, lineFrame));
    n.writeRecord(Buffer.from(record(0)));
    n.writeRecord(Buffer.from(record(1)));
    await waitFor(() => n.stats.buffered === 2, 'two buffered');
    await server.start();
    await waitFor(() => server.lines.length === 2, 'two lines', 15_000);
    expect(seqs(server.lines)).toEqual([0, 1]);
    expect(n.stats).toMatchObject({ reconnects: 0, dropped: 0 });
  });
});

const PY = haveBinary('python3');
describe.skipIf(!PY)(`unix-dgram: sink against a Unix datagram socket${PY ? '' : ' (skipped: python3 not installed; it relays and reads datagrams)'}`, () => {
  it('one record per datagram; a record over the datagram limit is dropped and counted, not split', async () => {
    const d = dir();
    const server = new UnixDgramServer(join(d, 'eve.sock'), join(d, 'got'));
    cleanups.push(() => server.stop());
    await server.start();
    const n = sink(new UnixDgramTransport('unix-dgram:test', server.path));
    const out = LineSink.toStream(n.stream, n.name);
    for (let i = 0; i < 300; i++) out.writeLine(record(i, i === 150 ? 400_000 : 0));
    await out.close();
    await waitFor(() => n.stats.sent + n.stats.dropped === 300, 'every record answered');
    // The limit is the socket's send buffer (net.core.wmem_default, about 208 KiB), far below 400 KB.
    expect(n.stats).toMatchObject({ sent: 299, dropped: 1 });
    await waitFor(() => server.lines().length === 299, '299 datagrams');
    expect(server.lines()).toEqual(range(0, 300).filter((i) => i !== 150).map((i) => record(i)));
  });

  it('a reader gone mid-run and back: buffered records arrive once, drops only past the bound', async () => {
    const d = dir();
    const server = new UnixDgramServer(join(d, 'eve.sock'), join(d, 'got'));
    cleanups.push(() => server.stop());
    await server.start();
    const n = sink(new UnixDgramTransport('unix-dgram:test', server.path), OUTAGE_BUFFER);
    await runOutage({ sink: n, seesOutage: false, received: () => Promise.resolve(server.lines()), stop: () => server.stop(), start: () => server.start() });
  });
});
