import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCapture, lengthFields, loadSeeds, mutate, runFuzz, TARGETS } from '../../scripts/fuzz/fuzz-harness.mjs';
import { buildPcap } from '../capture/build-capture.js';
import { srcFuzzApi } from './fuzz-api.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODEL_DIR = `${ROOT}models/default`;
/** Fixed so a CI failure reproduces with `npm run fuzz -- --runs 20000 --seed 20251123`. */
const SEED = 20251123;

describe('fuzz harness (short CI budget)', () => {
  it('20k mutated inputs across every target hold every invariant', async () => {
    const api = await srcFuzzApi();
    const result = await runFuzz(api, {
      runs: 20_000,
      seed: SEED,
      fixturesDir: `${ROOT}test/fixtures`,
      ...(existsSync(MODEL_DIR) ? { modelDir: MODEL_DIR } : {}),
      regressionsDir: `${ROOT}test/fixtures/fuzz-regressions`,
    });
    expect(result.failures.map((f) => `${f.target}: ${f.path}\n${f.error}`)).toEqual([]);
    expect(result.runs).toBeGreaterThanOrEqual(19_900);
    const expectedTargets = existsSync(MODEL_DIR) ? TARGETS : TARGETS.filter((t) => t !== 'model');
    expect(Object.keys(result.perTarget).sort()).toEqual([...expectedTargets].sort());
  });

  it('catches a planted decoder crash and writes its input (the harness can fail)', async () => {
    const api = await srcFuzzApi();
    const seeds = await loadSeeds(api, `${ROOT}test/fixtures`);
    const real = api.decodeFrame as (...a: unknown[]) => boolean;
    const planted = { ...api, decodeFrame: (f: { capLen: number }, ...rest: unknown[]) => (f.capLen % 97 === 5 ? (() => { throw new Error('planted'); })() : real(f, ...rest)) };
    const result = await runFuzz(planted, { runs: 3000, seed: 7, targets: ['decode'], seeds });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.error).toContain('planted');
  });

  it('catches a question decoder that reads one byte past its kept bytes', async () => {
    const api = await srcFuzzApi();
    const seeds = await loadSeeds(api, `${ROOT}test/fixtures`);
    expect(seeds.messages.length).toBeGreaterThan(1000);
    const real = api.decodeQuestion as (b: Uint8Array, off: number, len: number, msgLen: number, q: { id: number }) => number;
    const planted = {
      ...api,
      decodeQuestion: (b: Uint8Array, off: number, len: number, msgLen: number, q: { id: number }) => {
        const s = real(b, off, len, msgLen, q);
        q.id ^= b[off + len] ?? 0;
        return s;
      },
    };
    const result = await runFuzz(planted, { runs: 500, seed: 11, targets: ['question'], seeds });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.error).toContain('outside [off, off+len)');
  });

  it('finds the length fields of a hand-built pcap, and mutating one changes exactly those bytes', () => {
    const file = buildPcap({ snaplen: 65535 }, [
      { sec: 1, frac: 0, data: new Uint8Array(10) },
      { sec: 2, frac: 0, data: new Uint8Array(3) },
    ]);
    // Header snaplen and linktype, then incl/orig of the record at 24 and of the one at 24+16+10.
    expect(lengthFields(file).map((f) => f.at)).toEqual([16, 20, 32, 36, 58, 62]);
    const m = mutate(file, [{ k: 'lenfield', which: 2, field: 1, v: 0xffffffff, delta: 0 }], []);
    const changed = [...m.keys()].filter((i) => m[i] !== file[i]);
    expect(changed).toEqual([32, 33, 34, 35]);
  });

  it('checkCapture reports a cut record as truncation after delivering the whole records', async () => {
    const api = await srcFuzzApi();
    const file = buildPcap({}, [
      { sec: 1, frac: 0, data: new Uint8Array(20) },
      { sec: 2, frac: 0, data: new Uint8Array(20) },
    ]);
    const r = await checkCapture(api, 'x', file.subarray(0, 24 + 36 + 10), 3);
    expect(r.frames).toEqual([[24, 20]]);
    expect(r.error?.code).toBe('DNSAE_ERR_TRUNCATED_FILE');
    expect(r.error?.offset).toBe(60);
  });
});
