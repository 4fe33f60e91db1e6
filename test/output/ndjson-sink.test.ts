import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
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
});
