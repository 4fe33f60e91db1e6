import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineSink } from '../../src/output/ndjson-sink.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Distinct lines of ~100 bytes, so a chunk holding the wrong bytes shows. */
const line = (i: number): string => `{"i":${i},"pad":"${String(i).repeat(80 / String(i).length)}"}`;

describe('LineSink chunks', () => {
  it('reuses chunks a file has written without losing or mixing records, with many writes pending', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'dnsae-sink-'));
    dirs.push(d);
    const f = path.join(d, 'out.ndjson');
    const sink = await LineSink.toFile(f);
    const n = 60_000; // ~6 MB: about 90 flushes
    for (let i = 0; i < n; i++) {
      sink.writeLine(line(i));
      // Let written chunks come back now and then, but leave many writes in flight between.
      if (i % 20_000 === 19_999) await sink.drain();
      else if (i % 2_000 === 1_999) await new Promise((resolve) => setImmediate(resolve));
    }
    await sink.close();
    const lines = (await readFile(f, 'utf8')).split('\n');
    expect(lines.length).toBe(n + 1);
    for (let i = 0; i < n; i++) if (lines[i] !== line(i)) expect(lines[i]).toBe(line(i));
  });

  it('never refills a chunk a stream may still hold after its write callback (a PassThrough read only at the end)', async () => {
    const stream = new PassThrough({ highWaterMark: 1 << 24 });
    const sink = LineSink.toStream(stream, 'pass');
    const n = 30_000; // ~3 MB: about 45 chunks, all still unread in the PassThrough
    for (let i = 0; i < n; i++) {
      sink.writeLine(line(i));
      // Give write callbacks their turn, as a run does between input chunks.
      if (i % 2_000 === 1_999) await new Promise((resolve) => setImmediate(resolve));
    }
    await sink.drain();
    const parts: Buffer[] = [];
    stream.on('data', (b: Buffer) => parts.push(b));
    await sink.close();
    stream.end();
    await new Promise<void>((resolve) => stream.once('end', resolve));
    const lines = Buffer.concat(parts).toString('utf8').split('\n');
    expect(lines.length).toBe(n + 1);
    for (let i = 0; i < n; i++) if (lines[i] !== line(i)) expect(lines[i]).toBe(line(i));
  });
});
