import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameBytes, type PacketSource } from '../../src/capture/frame.js';
import type { CapModule } from '../../src/capture/live-addon.js';
import { openCapture } from '../../src/capture/open-capture.js';
import { openLive, type LiveSource } from '../../src/capture/live-source.js';
import { dropPrivileges } from '../../src/capture/privileges.js';
import { DnsaeError, UsageError } from '../../src/errors.js';
import type { SampleBatch } from '../../src/flow/sample.js';
import { createRootLogger } from '../../src/logger.js';
import { DEFAULT_PIPELINE_OPTIONS, Pipeline } from '../../src/pipeline.js';
import { createVethPair, must, netnsSkipReason, removeVethPair, vethNames } from '../netns.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'test/fixtures/live');
const UDP = join(FIXTURES, 'tcpdump__dns_udp.pcap');
const TCP = join(FIXTURES, 'tcpdump__dns_tcp.pcap');
const EDNS = join(FIXTURES, 'tcpdump__edns-opts.pcap');
const UDP_8053 = join(FIXTURES, 'tcpdump__dns_udp_8053.pcap');

const SKIP = netnsSkipReason([
  ['tcpreplay', ['--version']],
  ['tcpdump', ['--version']],
  ['setpriv', ['--version']],
]);

interface FileFrame {
  bytes: Buffer;
  origLen: number;
}

/** Classic pcap records, parsed here so the check does not lean on our own reader. */
function pcapFrames(path: string): FileFrame[] {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: FileFrame[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = u32(o + 8);
    out.push({ bytes: b.subarray(o + 16, o + 16 + incl), origLen: u32(o + 12) });
    o += 16 + incl;
  }
  return out;
}

/** What libpcap itself says passes `filter` in `path`: one tcpdump line per packet. */
function tcpdumpCount(path: string, filter: string): number {
  const out = must('tcpdump', ['-nn', '-r', path, filter]);
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe.skipIf(SKIP !== undefined)(`live capture on a veth pair${SKIP === undefined ? '' : ` (skipped: ${SKIP})`}`, () => {
  const pair = vethNames('dl', 'live');
  const { tag, ns, host, peer } = pair;
  const buildDir = join(ROOT, 'tmp', `live-test-${tag}`);
  const open: LiveSource[] = [];

  function live(opts: Parameters<typeof openLive>[0]): LiveSource {
    const s = openLive(opts);
    open.push(s);
    return s;
  }

  /** Sends `files` out of the namespace end at a modest, bounded rate. */
  function replay(...files: string[]): void {
    for (const f of files) must('ip', ['netns', 'exec', ns, 'tcpreplay', '-q', '-i', peer, '--pps=500', f], 60_000);
  }

  beforeAll(() => {
    createVethPair(pair);
  });

  afterAll(async () => {
    for (const s of open) await s.stop();
    removeVethPair(pair);
    rmSync(buildDir, { recursive: true, force: true });
  });

  it('delivers every replayed DNS frame byte for byte, with the pcap header time', async () => {
    const src = live({ device: host });
    expect(src.linktype).toBe(1);
    expect(src.timestampSource).toBe('pcap');
    const got: { bytes: Buffer; origLen: number; sec: number; nsec: number }[] = [];
    const running = src.run((f) => {
      got.push({ bytes: Buffer.from(frameBytes(f)), origLen: f.origLen, sec: f.tsSec, nsec: f.tsNsec });
    });
    const files = [UDP, UDP_8053, EDNS, TCP];
    const want = files.flatMap((f) => (f === UDP_8053 ? [] : pcapFrames(f)));
    const expected = files.reduce((n, f) => n + tcpdumpCount(f, 'port 53'), 0);
    expect(expected).toBe(want.length); // the 8053 capture is the only one the filter rejects

    const before = Date.now() / 1000;
    replay(...files);
    await until(() => got.length >= expected, 20_000);
    await src.stop();
    await running;
    const after = Date.now() / 1000;

    expect(got.length).toBe(expected);
    for (let i = 0; i < want.length; i++) {
      expect(got[i].bytes.equals(want[i].bytes), `frame ${i}`).toBe(true);
      expect(got[i].origLen).toBe(want[i].bytes.length);
    }
    let prev = 0;
    for (const g of got) {
      const t = g.sec + g.nsec / 1e9;
      expect(g.nsec).toBeGreaterThanOrEqual(0);
      expect(g.nsec).toBeLessThan(1e9);
      expect(t).toBeGreaterThanOrEqual(before - 1);
      expect(t).toBeLessThanOrEqual(after + 1);
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
    }
    expect(src.stats.frames).toBe(expected);
    expect(src.stats.bytes).toBe(want.reduce((n, w) => n + w.bytes.length, 0));
    expect(src.queue.drops).toBe(0);
    const k = src.kernelStats();
    expect(k.source).toBe('pcap_stats');
    expect(k.received).toBe(expected);
    expect(k.dropped).toBe(0);
  });

  it('hands Ethernet frames to the fast lane in pcap records: the rows the TypeScript path makes of the same frames, most of them from the lane', async () => {
    /** Every row as text: time, flow, direction, index, flags, lengths, header bytes. */
    const rowsOf = (rows: string[]) => ({
      onBatch(b: SampleBatch) {
        for (let i = 0; i < b.count; i++) {
          const f = b.flow(i);
          const head = Buffer.from(b.head.subarray(i * 12, i * 12 + b.headLen[i]!)).toString('hex');
          rows.push(
            [b.tsSec[i], b.tsNsec[i], f.transport, f.clientIp, f.clientPort, f.serverIp, f.serverPort, b.direction[i], b.messageIndex[i], b.flags[i], b.payloadLength[i], head].join(' '),
          );
        }
      },
      drain: async () => undefined,
    });
    const log = createRootLogger('silent');
    const withLane: string[] = [];
    const without: string[] = [];
    // Two capture handles on one interface see the same frames with the same kernel timestamps.
    const a = live({ device: host });
    const b = live({ device: host });
    expect(a.recordMode).toBe(true);
    const pa = new Pipeline(DEFAULT_PIPELINE_OPTIONS, rowsOf(withLane), log);
    const pb = new Pipeline({ ...DEFAULT_PIPELINE_OPTIONS, fastLane: false }, rowsOf(without), log);
    expect(pa.assembler.fastLane).toBe(true);
    const ra = pa.runSource(a, 0);
    const rb = pb.runSource(b, 0);
    const files = [UDP, EDNS, TCP];
    const expected = files.reduce((n, f) => n + tcpdumpCount(f, 'port 53'), 0);
    replay(...files);
    await until(() => a.stats.frames >= expected && b.stats.frames >= expected, 20_000);
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([ra, rb]);

    expect(a.stats.frames).toBe(expected);
    expect(b.stats.frames).toBe(expected);
    expect(withLane.length).toBeGreaterThan(40);
    expect(withLane).toEqual(without);
    expect(pa.stats()).toEqual(pb.stats());
    // Every UDP datagram and in-order TCP segment went the lane's way; SYN, FIN and the first data of each TCP flow did not.
    expect(b.laneFrames).toBe(0);
    expect(a.laneFrames).toBeGreaterThan(expected * 0.8);
    expect(a.laneFrames).toBeLessThan(expected);
  });

  it('counts a drop instead of blocking when the queue is full, and stop() drains what is queued', async () => {
    const src = live({ device: host, queueFrames: 4 });
    const want = pcapFrames(EDNS);
    const expected = tcpdumpCount(EDNS, 'port 53');
    replay(EDNS);
    await until(() => src.queue.queued + src.queue.drops >= expected, 20_000);
    expect(src.queue.queued).toBe(4);
    expect(src.queue.drops).toBe(expected - 4);

    const got: Buffer[] = [];
    const running = src.run((f) => {
      got.push(Buffer.from(frameBytes(f)));
    });
    await src.stop();
    await running;
    expect(got.length).toBe(4);
    for (let i = 0; i < 4; i++) expect(got[i].equals(want[i].bytes)).toBe(true);
    expect(src.kernelStats().received).toBe(expected); // the kernel delivered all of them
  });

  for (const immediate of [false, true]) {
    it(`stop() right after the traffic still delivers every frame (immediate: ${immediate})`, async () => {
      const src = live({ device: host, immediate });
      expect(src.immediate).toBe(immediate);
      const want = pcapFrames(EDNS);
      let n = 0;
      const running = src.run((f) => {
        if (Buffer.compare(Buffer.from(frameBytes(f)), want[n].bytes) === 0) n++;
      });
      // The replay blocks this thread, so every frame is still in the kernel
      // (in block mode: in a block the kernel has not handed over yet).
      replay(EDNS);
      await src.stop();
      await running;
      expect(n).toBe(tcpdumpCount(EDNS, 'port 53'));
      expect(src.stats.frames).toBe(n);
    });
  }

  it('rejects run() when the consumer throws, and closes the device', async () => {
    const src = live({ device: host });
    const running = src.run(() => {
      throw new Error('consumer failed');
    });
    replay(UDP);
    await expect(running).rejects.toThrow('consumer failed');
    expect(src.isStopped).toBe(true);
  });

  it('reports a missing device with the devices that exist', () => {
    let caught: unknown;
    try {
      live({ device: 'dnsae-nope0' });
    } catch (err) {
      caught = err;
    }
    expect((caught as DnsaeError).code).toBe('DNSAE_ERR_LIVE_DEVICE');
    const line = (caught as DnsaeError).toLine();
    expect(line).toMatch(/^no such capture device 'dnsae-nope0' \(available: .*\) \[DNSAE_ERR_LIVE_DEVICE\]$/);
    expect(line).toContain(host);
  });

  it('reports a filter that does not compile, naming it', () => {
    expect(() => live({ device: host, filter: 'port 53 and bogus' })).toThrow(
      expect.objectContaining({ code: 'DNSAE_ERR_LIVE_FILTER', message: expect.stringContaining("'port 53 and bogus'") }),
    );
  });

  it('refuses a queue smaller than one frame', () => {
    expect(() => live({ device: host, snaplen: 2048, queueBytes: 1024 })).toThrow(UsageError);
  });

  it('refuses to switch to a user that does not exist, before touching any id', () => {
    expect(() => dropPrivileges('dnsae-no-such-user')).toThrow(
      expect.objectContaining({ code: 'DNSAE_ERR_PRIVILEGE_DROP', message: expect.stringContaining('no such user') }),
    );
    expect(process.getuid?.()).toBe(0);
  });

  describe('in a child process', () => {
    const nobodyUid = Number(SKIP === undefined ? must('id', ['-u', 'nobody']).trim() : -1);
    const nobodyGid = Number(SKIP === undefined ? must('id', ['-g', 'nobody']).trim() : -1);

    beforeAll(() => {
      mkdirSync(buildDir, { recursive: true });
      must(
        process.execPath,
        [
          join(ROOT, 'node_modules/typescript/bin/tsc'),
          ...['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'],
          ...['--types', 'node', '--rootDir', join(ROOT, 'src'), '--outDir', buildDir],
          join(ROOT, 'src/capture/live-source.ts'),
          join(ROOT, 'src/capture/privileges.ts'),
        ],
        120_000,
      );
      writeFileSync(
        join(buildDir, 'drop-and-capture.mjs'),
        `import { openLive } from './capture/live-source.js';
import { dropPrivileges } from './capture/privileges.js';
const [device, user, expected] = process.argv.slice(2);
const src = openLive({ device });
dropPrivileges(user);
let frames = 0;
const done = src.run(() => { if (++frames >= Number(expected)) void src.stop(); });
const guard = setTimeout(() => void src.stop(), 20000);
console.log(JSON.stringify({ ready: true, uid: process.getuid(), euid: process.geteuid(), gid: process.getgid(), groups: process.getgroups() }));
await done;
clearTimeout(guard);
console.log(JSON.stringify({ frames, kernel: src.kernelStats() }));
`,
      );
      writeFileSync(
        join(buildDir, 'unprivileged.mjs'),
        `import { openLive } from './capture/live-source.js';
import { dropPrivileges } from './capture/privileges.js';
const out = {};
try { openLive({ device: process.argv[2] }); out.open = 'opened'; } catch (e) { out.open = e.code; out.openLine = e.toLine(); }
try { dropPrivileges('daemon'); out.drop = 'dropped'; } catch (e) { out.drop = e.code; }
console.log(JSON.stringify(out));
`,
      );
    });

    it('keeps capturing after dropping from root to nobody', async () => {
      const expected = tcpdumpCount(UDP, 'port 53') + tcpdumpCount(EDNS, 'port 53');
      const child = spawn(process.execPath, [join(buildDir, 'drop-and-capture.mjs'), host, 'nobody', String(expected)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      try {
        await until(() => lines.length >= 1 || child.exitCode !== null, 20_000);
        expect(lines.length, stderr).toBeGreaterThanOrEqual(1);
        const ready = JSON.parse(lines[0]) as { uid: number; euid: number; gid: number; groups: number[] };
        expect(ready.uid).toBe(nobodyUid);
        expect(ready.euid).toBe(nobodyUid);
        expect(ready.uid).not.toBe(0);
        expect(ready.gid).toBe(nobodyGid);
        expect(ready.groups.every((g) => g === nobodyGid)).toBe(true);
        replay(UDP, EDNS);
        expect(await exited, stderr).toBe(0);
      } finally {
        clearTimeout(killer);
      }
      const result = JSON.parse(lines[1]) as { frames: number; kernel: { source: string; received: number } };
      expect(result.frames).toBe(expected);
      expect(result.kernel.source).toBe('pcap_stats');
      expect(result.kernel.received).toBe(expected);
    });

    it('maps a capture attempt without privileges and refuses --user when not root', () => {
      const out = must('setpriv', [
        `--reuid=${nobodyUid}`,
        `--regid=${nobodyGid}`,
        '--clear-groups',
        process.execPath,
        join(buildDir, 'unprivileged.mjs'),
        host,
      ]);
      const r = JSON.parse(out) as { open: string; openLine: string; drop: string };
      expect(r.open).toBe('DNSAE_ERR_LIVE_PERMISSION');
      expect(r.openLine).toContain(`'${host}'`);
      expect(r.drop).toBe('DNSAE_ERR_PRIVILEGE_DROP');
    });
  });
});

/**
 * A cap module in process: frames are "captured" by calling feed(), as the
 * addon's poll callback would. `records` gives it the patched addon's
 * record mode, `patched` its pcap header timestamps and stats.
 */
function fakeCap(mode: { patched: boolean; records: boolean }): { cap: CapModule; feed: (frames: readonly FileRecord[]) => void } {
  let handle: (EventEmitter & { scratch?: Buffer; recordBuffer?: Buffer; seen: number }) | undefined;
  class Cap extends EventEmitter {
    static deviceList(): { name: string }[] {
      return [{ name: 'fake0' }];
    }
    scratch?: Buffer;
    recordBuffer?: Buffer;
    seen = 0;
    open(_device: string, _filter: string, _bufSize: number, buffer: Buffer): string {
      this.scratch = buffer;
      handle = this;
      return 'ETHERNET';
    }
    close(): boolean {
      return true;
    }
  }
  const proto = Cap.prototype as unknown as Record<string, unknown>;
  if (mode.patched) {
    proto.stats = function (this: Cap) {
      return { received: this.seen, dropped: 0, ifDropped: 0 };
    };
  }
  if (mode.records) {
    proto.setRecordBuffer = function (this: Cap, b: Buffer) {
      this.recordBuffer = b;
    };
  }
  const feed = (frames: readonly FileRecord[]): void => {
    const h = handle!;
    if (h.recordBuffer === undefined) {
      for (const f of frames) {
        f.bytes.copy(h.scratch!);
        h.seen++;
        h.emit('packet', f.bytes.length, false, f.origLen, f.sec, f.nsec);
      }
      return;
    }
    // Two calls, as two poll wake-ups would make.
    const half = Math.ceil(frames.length / 2);
    for (const part of [frames.slice(0, half), frames.slice(half)]) {
      let p = 0;
      for (const f of part) {
        const b = h.recordBuffer;
        b.writeUInt32LE(f.sec, p);
        b.writeUInt32LE(f.nsec, p + 4);
        b.writeUInt32LE(f.bytes.length, p + 8);
        b.writeUInt32LE(Math.max(f.origLen, f.bytes.length), p + 12);
        f.bytes.copy(b, p + 16);
        p += 16 + f.bytes.length;
      }
      h.seen += part.length;
      h.emit('records', p, part.length);
    }
  };
  return { cap: { Cap } as unknown as CapModule, feed };
}

interface FileRecord {
  bytes: Buffer;
  origLen: number;
  sec: number;
  nsec: number;
}

/** A little-endian microsecond pcap's records with their times in nanoseconds. */
function fileRecords(path: string): FileRecord[] {
  const b = readFileSync(path);
  expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const out: FileRecord[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = b.readUInt32LE(o + 8);
    out.push({ bytes: b.subarray(o + 16, o + 16 + incl), origLen: b.readUInt32LE(o + 12), sec: b.readUInt32LE(o), nsec: b.readUInt32LE(o + 4) * 1000 });
    o += 16 + incl;
  }
  return out;
}

describe('live source through the fast lane, with the addon in process', () => {
  /** Every row as text, and the pipeline's summary. */
  async function rows(source: PacketSource, fastLane: boolean): Promise<{ rows: string[]; stats: Record<string, unknown> }> {
    const out: string[] = [];
    const p = new Pipeline(
      { ...DEFAULT_PIPELINE_OPTIONS, fastLane, batchSize: 16 },
      {
        onBatch(b: SampleBatch) {
          for (let i = 0; i < b.count; i++) {
            const f = b.flow(i);
            const head = Buffer.from(b.head.subarray(i * 12, i * 12 + b.headLen[i]!)).toString('hex');
            out.push([b.tsSec[i], b.tsNsec[i], f.transport, f.clientIp, f.clientPort, f.serverIp, f.serverPort, b.direction[i], b.messageIndex[i], b.flags[i], b.payloadLength[i], head].join(' '));
          }
        },
        drain: async () => undefined,
      },
      createRootLogger('silent'),
    );
    await p.runSource(source, 0);
    return { rows: out, stats: p.stats() };
  }

  for (const mode of [
    { patched: true, records: true },
    { patched: true, records: false },
  ]) {
    it(`gives the rows of the capture file of the same frames (${mode.records ? 'record mode' : 'frame by frame'})`, async () => {
      const files = ['tcpdump__dns_udp.pcap', 'tcpdump__dns_tcp.pcap', 'tcpdump__edns-opts.pcap'].map((f) => join(FIXTURES, f));
      const frames = files.flatMap(fileRecords);
      const { cap, feed } = fakeCap(mode);
      const src = openLive({ device: 'fake0', readTimeoutMs: 1 }, { cap });
      expect(src.recordMode).toBe(mode.records);
      const running = rows(src, true);
      feed(frames);
      await src.stop();
      const got = await running;

      // The same frames as one capture file, read by the pcap reader on the TypeScript path.
      const dir = join(ROOT, 'tmp', `live-fake-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'frames.pcap');
      const header = Buffer.alloc(24);
      header.writeUInt32LE(0xa1b23c4d, 0); // nanosecond pcap
      header.writeUInt16LE(2, 4);
      header.writeUInt16LE(4, 6);
      header.writeUInt32LE(65_535, 16);
      header.writeUInt32LE(1, 20);
      const parts: Buffer[] = [header];
      for (const f of frames) {
        const h = Buffer.alloc(16);
        h.writeUInt32LE(f.sec, 0);
        h.writeUInt32LE(f.nsec, 4);
        h.writeUInt32LE(f.bytes.length, 8);
        h.writeUInt32LE(Math.max(f.origLen, f.bytes.length), 12);
        parts.push(h, f.bytes);
      }
      writeFileSync(file, Buffer.concat(parts));
      const want = await rows(await openCapture(file), false);
      rmSync(dir, { recursive: true, force: true });

      expect(got.rows.length).toBeGreaterThan(40);
      expect(got.rows).toEqual(want.rows);
      expect(got.stats).toEqual(want.stats);
      expect(src.stats.frames).toBe(frames.length);
      expect(src.laneFrames).toBeGreaterThan(frames.length * 0.8);
      expect(src.laneFrames).toBeLessThan(frames.length);
    });
  }

  it('takes no frame through the lane when the pipeline has none', async () => {
    const { cap, feed } = fakeCap({ patched: true, records: true });
    const src = openLive({ device: 'fake0', readTimeoutMs: 1 }, { cap });
    const frames = fileRecords(join(FIXTURES, 'tcpdump__dns_udp.pcap'));
    const running = rows(src, false);
    feed(frames);
    await src.stop();
    expect((await running).rows.length).toBe(frames.length);
    expect(src.stats.frames).toBe(frames.length);
    expect(src.laneFrames).toBe(0);
  });
});
