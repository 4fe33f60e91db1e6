import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { CaptureFileError } from '../../src/errors.js';
import { openCapture, openCaptureStream, STDIN_NAME } from '../../src/capture/open-capture.js';
import { PcapReader } from '../../src/capture/pcap-reader.js';
import { PcapngReader } from '../../src/capture/pcapng-reader.js';
import type { PacketSource } from '../../src/capture/frame.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const UDP_PCAP = join(fixtures, 'benign/tcpdump__dns_udp.pcap');
const MULTI_PCAPNG = join(fixtures, 'benign/zeek__pcapng-multi-interface.pcapng');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsae-open-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function countFrames(src: PacketSource): Promise<number> {
  let n = 0;
  await src.run(() => n++);
  return n;
}

async function openError(path: string): Promise<CaptureFileError> {
  const err = await openCapture(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CaptureFileError);
  return err as CaptureFileError;
}

describe('openCapture', () => {
  it('picks the reader from the magic, not the file name', async () => {
    const pcapNamedNg = file('really-pcap.pcapng', readFileSync(UDP_PCAP));
    const ngNamedPcap = file('really-ng.pcap', readFileSync(MULTI_PCAPNG));
    expect(await openCapture(pcapNamedNg)).toBeInstanceOf(PcapReader);
    expect(await openCapture(ngNamedPcap)).toBeInstanceOf(PcapngReader);
    expect(await countFrames(await openCapture(ngNamedPcap))).toBe(6);
  });

  it('reports a missing file, a directory and an unreadable file as one-line errors', async () => {
    expect((await openError(join(dir, 'nope.pcap'))).code).toBe('DNSAE_ERR_FILE_NOT_FOUND');
    const d = await openError(dir);
    expect(d.code).toBe('DNSAE_ERR_FILE_UNREADABLE');
    expect(d.toLine()).toBe(`${dir}: is a directory, not a capture file [DNSAE_ERR_FILE_UNREADABLE]`);
    if (process.getuid?.() !== 0) {
      const locked = file('locked.pcap', readFileSync(UDP_PCAP));
      chmodSync(locked, 0o000);
      expect((await openError(locked)).code).toBe('DNSAE_ERR_FILE_UNREADABLE');
    }
  });

  it('reports an empty file', async () => {
    const e = await openError(file('empty.pcap', new Uint8Array(0)));
    expect(e.code).toBe('DNSAE_ERR_FILE_EMPTY');
  });

  it('names what a non-capture file looks like', async () => {
    const png = await openError(file('x.png', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13)));
    expect(png.code).toBe('DNSAE_ERR_BAD_MAGIC');
    expect(png.message).toBe('not a pcap or pcapng file (starts with 89 50 4e 47: PNG image)');
    const gz = await openError(file('x.pcap.gz', Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3)));
    expect(gz.message).toMatch(/^not a pcap or pcapng file \(starts with 1f 8b 08 00: gzip-compressed data/);
    const txt = await openError(file('notes.txt', 'timestamp,src,dst\n1,2,3\n'));
    expect(txt.message).toBe('not a pcap or pcapng file (starts with 74 69 6d 65: text)');
    const blob = await openError(file('blob.bin', Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7)));
    expect(blob.message).toBe('not a pcap or pcapng file (starts with 00 01 02 03)');
  });

  it('calls a cut-off magic truncated and a Kuznetzov pcap unsupported', async () => {
    expect((await openError(file('cut.pcap', Uint8Array.of(0xd4, 0xc3)))).code).toBe('DNSAE_ERR_TRUNCATED_FILE');
    expect((await openError(file('cut2.pcap', Uint8Array.of(0x0a, 0x0d, 0x0d)))).code).toBe('DNSAE_ERR_TRUNCATED_FILE');
    const kuz = await openError(file('kuz.pcap', Uint8Array.of(0x34, 0xcd, 0xb2, 0xa1, 2, 0, 4, 0)));
    expect(kuz.code).toBe('DNSAE_ERR_UNSUPPORTED_CAPTURE');
  });

  it('reads standard input for "-"', async () => {
    const stdin = new PassThrough();
    const spy = vi.spyOn(process, 'stdin', 'get').mockReturnValue(stdin as unknown as typeof process.stdin);
    try {
      stdin.end(readFileSync(MULTI_PCAPNG));
      const src = await openCapture('-');
      expect(src.name).toBe(STDIN_NAME);
      expect(await countFrames(src)).toBe(6);
    } finally {
      spy.mockRestore();
    }
  });

  it('reads a non-seekable pipe that delivers a few bytes at a time', async () => {
    const bytes = readFileSync(UDP_PCAP);
    const pipe = new PassThrough();
    const opened = openCaptureStream('pipe', pipe);
    // Dribble the file in 3-byte writes across event-loop turns, as a live pipe would.
    void (async () => {
      for (let i = 0; i < bytes.length; i += 3) {
        pipe.write(bytes.subarray(i, i + 3));
        await new Promise((r) => setImmediate(r));
      }
      pipe.end();
    })();
    expect(await countFrames(await opened)).toBe(2);
  });

  const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
  it.skipIf(!hasTcpdump)('reads `tcpdump -r FILE -w -` through a real pipe', async () => {
    const child = spawn('tcpdump', ['-r', join(fixtures, 'benign/ndpi__android.pcap'), '-w', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const src = await openCaptureStream('tcpdump', child.stdout as Readable);
    expect(await countFrames(src)).toBe(500);
  });

  it('turns a stream error into a coded error naming the input', async () => {
    const pipe = new PassThrough();
    const opened = openCaptureStream('pipe', pipe);
    pipe.write(readFileSync(UDP_PCAP).subarray(0, 30));
    const src = await opened;
    setImmediate(() => pipe.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })));
    await expect(src.run(() => undefined)).rejects.toMatchObject({ code: 'DNSAE_ERR_FILE_UNREADABLE', file: 'pipe' });
  });
});
