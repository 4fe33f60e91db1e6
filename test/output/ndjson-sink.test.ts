import { mkdir, mkdtemp, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputError } from '../../src/errors.js';
import { LineSink } from '../../src/output/ndjson-sink.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('LineSink to a file', () => {
  it('reports a full disk at close (the error reaches end() before the error event)', async () => {
    const sink = await LineSink.toFile('/dev/full');
    sink.writeLine('{"a":1}');
    const err = await sink.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).toLine()).toBe('/dev/full: cannot write output: no space left on device [DNSAE_ERR_OUTPUT]');
  });

  it('creates the file with mode 0640 and writes every line', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'dnsae-sink-'));
    dirs.push(d);
    const f = path.join(d, 'out.ndjson');
    const old = process.umask(0o022);
    try {
      const sink = await LineSink.toFile(f);
      for (let i = 0; i < 20_000; i++) sink.writeLine(`{"i":${i}}`);
      await sink.drain();
      await sink.close();
    } finally {
      process.umask(old);
    }
    expect((await stat(f)).mode & 0o777).toBe(0o640);
    const lines = (await readFile(f, 'utf8')).split('\n');
    expect(lines.length).toBe(20_001);
    expect(lines[19_999]).toBe('{"i":19999}');
  });

  it('truncates an existing file by default and keeps it when appending', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'dnsae-sink-'));
    dirs.push(d);
    const f = path.join(d, 'out.ndjson');
    await writeFile(f, '{"earlier":1}\n');
    const appended = await LineSink.toFile(f, true);
    appended.writeLine('{"later":2}');
    await appended.close();
    expect(await readFile(f, 'utf8')).toBe('{"earlier":1}\n{"later":2}\n');
    const truncated = await LineSink.toFile(f);
    truncated.writeLine('{"only":3}');
    await truncated.close();
    expect(await readFile(f, 'utf8')).toBe('{"only":3}\n');
  });
});

describe('LineSink.reopen', () => {
  async function scratch(): Promise<string> {
    const d = await mkdtemp(path.join(tmpdir(), 'dnsae-sink-reopen-'));
    dirs.push(d);
    return d;
  }

  /** Records of varied length (some over the 64 KiB flush mark together), numbered from `from`. */
  function write(sink: LineSink, from: number, count: number): void {
    for (let i = from; i < from + count; i++) sink.writeLine(JSON.stringify({ i, pad: 'x'.repeat((i * 37) % 3000) }));
  }

  async function numbers(file: string): Promise<number[]> {
    const text = await readFile(file, 'utf8');
    expect(text === '' || text.endsWith('\n')).toBe(true);
    // JSON.parse throws on a record split between the files.
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { i: number }).i);
  }

  const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

  it('sends every record whole to the old or the new file, in order, and appends to a file already at the path', async () => {
    const d = await scratch();
    const f = path.join(d, 'alerts.json');
    const rotated = `${f}.1`;
    const old = process.umask(0o022);
    try {
      const sink = await LineSink.toFile(f);
      expect(sink.reopenable).toBe(true);
      write(sink, 0, 1000);
      await sink.drain();
      write(sink, 1000, 77); // still in the chunk when the file is rotated
      await rename(f, rotated);
      await writeFile(f, '{"i":-1}\n'); // as logrotate's `create` leaves it
      const reopened = sink.reopen();
      write(sink, 1077, 500); // committed while the new file is being opened: the old file's
      await reopened;
      write(sink, 1577, 1000);
      await sink.drain();
      await sink.close();
      expect(sink.reopens).toBe(1);
      expect(sink.reopenFailures).toBe(0);
      expect(sink.lines).toBe(2577);
    } finally {
      process.umask(old);
    }
    const before = await numbers(rotated);
    const after = await numbers(f);
    expect(before).toEqual(range(0, 1577));
    expect(after).toEqual([-1, ...range(1577, 2577)]);
  });

  it('creates a missing file with mode 0640', async () => {
    const d = await scratch();
    const f = path.join(d, 'alerts.json');
    const old = process.umask(0o022);
    try {
      const sink = await LineSink.toFile(f);
      write(sink, 0, 3);
      await rename(f, `${f}.1`);
      await sink.reopen();
      write(sink, 3, 3);
      await sink.close();
    } finally {
      process.umask(old);
    }
    expect((await stat(f)).mode & 0o777).toBe(0o640);
    expect(await numbers(f)).toEqual([3, 4, 5]);
    expect(await numbers(`${f}.1`)).toEqual([0, 1, 2]);
  });

  it('keeps writing to the old file when the path cannot be opened, counts it, and reopens later', async () => {
    const d = await scratch();
    const sub = path.join(d, 'logs');
    await mkdir(sub);
    const f = path.join(sub, 'alerts.json');
    const rotated = path.join(d, 'alerts.json.1');
    const sink = await LineSink.toFile(f);
    write(sink, 0, 200);
    await rename(f, rotated);
    await rmdir(sub);
    const err = await sink.reopen().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).toLine()).toBe(`${f}: cannot reopen output file (ENOENT, no such file or directory) [DNSAE_ERR_OUTPUT]`);
    expect(sink.reopenFailures).toBe(1);
    expect(sink.reopens).toBe(0);
    expect(sink.failed).toBeUndefined(); // not a write error: the run goes on
    write(sink, 200, 300);
    await sink.drain();
    await mkdir(sub);
    await sink.reopen();
    write(sink, 500, 10);
    await sink.close();
    expect(sink.reopens).toBe(1);
    expect(await numbers(rotated)).toEqual(range(0, 500));
    expect(await numbers(f)).toEqual(range(500, 510));
  });

  it('does not leave drain() waiting on the new file for a drain the old one owed', async () => {
    const d = await scratch();
    const f = path.join(d, 'alerts.json');
    const sink = await LineSink.toFile(f);
    write(sink, 0, 2000); // several 64 KiB writes, each over the stream's high-water mark
    await rename(f, `${f}.1`);
    await sink.reopen();
    write(sink, 2000, 1);
    await sink.drain();
    await sink.close();
    expect(await numbers(`${f}.1`)).toEqual(range(0, 2000));
    expect(await numbers(f)).toEqual([2000]);
  });

  it('joins a second reopen to the running one, and close waits for it', async () => {
    const d = await scratch();
    const f = path.join(d, 'alerts.json');
    const sink = await LineSink.toFile(f);
    write(sink, 0, 5);
    await rename(f, `${f}.1`);
    const a = sink.reopen();
    const b = sink.reopen();
    expect(b).toBe(a);
    const closed = sink.close();
    await Promise.all([a, closed]);
    expect(sink.reopens).toBe(1);
    expect(await numbers(`${f}.1`)).toEqual(range(0, 5));
    expect(await numbers(f)).toEqual([]);
  });

  it('is not offered for standard output or a stream', async () => {
    const sink = LineSink.toStream(new PassThrough(), '<test>');
    expect(sink.reopenable).toBe(false);
    expect(LineSink.toStdout().reopenable).toBe(false);
    await expect(sink.reopen()).rejects.toThrow('cannot be reopened');
  });
});

describe('LineSink.drain after the stream drained on its own', () => {
  it('resolves when the stream filled by an earlier write has drained in the meantime', async () => {
    // A slow reader: the stream holds 16 bytes before write() returns false, and the reader takes
    // everything only when the test reads it, between the write and the drain.
    const stream = new PassThrough({ highWaterMark: 16 });
    const out = LineSink.toStream(stream, '<slow>');
    const line = 'x'.repeat(70 * 1024);
    out.writeLine(line); // past the sink's 64 KiB: handed to the stream at once, which is now full
    expect(stream.writableNeedDrain).toBe(true);
    const drained = new Promise<void>((r) => stream.once('drain', () => r()));
    let got = 0;
    stream.on('data', (c: Buffer) => (got += c.length));
    await drained;
    expect(stream.writableNeedDrain).toBe(false);
    // The stream's 'drain' came before this call: waiting for another would never end.
    await out.drain();
    expect(got).toBe(line.length + 1);
  }, 10_000);
});
