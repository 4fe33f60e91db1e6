// The question stage's per-message work in the fast lane (wasm/question-lane.ts)
// against its TypeScript loop: the same windows, word for word, the same
// features, weirds and counters, on every capture with DNS we ship and on the
// corpus's malformed captures; with a table and a registered-domain cache small
// enough that windows are evicted and cache entries replaced all the time.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../../src/capture/open-capture.js';
import { WEIRD_NAMES, type WeirdName } from '../../../src/decode/weirds.js';
import { QuestionExtractor } from '../../../src/features/question/question-extractor.js';
import { QUESTION_FEATURE_COUNT, windowFeatures } from '../../../src/features/question/question-features.js';
import { RegisteredDomains } from '../../../src/features/question/registered-domain.js';
import { HIST_BINS, W_NEXT, W_PREV, WindowTable, type CloseReason } from '../../../src/features/question/window-table.js';
import { MESSAGE_KEEP_BYTES } from '../../../src/flow/sample.js';
import { DEFAULT_PIPELINE_OPTIONS, Pipeline } from '../../../src/pipeline.js';
import { ROOT, silentLog } from '../../scoring/question/question-fixture.js';

const WINDOW_SEC = 60;
const pcaps = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.pcap(ng)?$/.test(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
const CAPTURES = [
  path.join(ROOT, 'data/sample/mixed.pcap'),
  ...pcaps(path.join(ROOT, 'data/tunnel')),
  ...pcaps(path.join(ROOT, 'data/benign')),
  ...pcaps(path.join(ROOT, 'data/hard-benign/test')),
  ...pcaps(path.join(ROOT, 'test/fixtures/anomalous/in-protocol-tunnel')),
  ...pcaps(path.join(ROOT, 'test/fixtures/benign')),
  ...pcaps('/work/shared/corpus/malformed'),
];

interface Closed {
  reason: CloseReason;
  /** The window's words, without the slot links (slot numbers differ only if the paths do). */
  i32: number[];
  f64: number[];
  hist: number[];
  bytes: string;
  features: number[];
}

function snapshot(t: WindowTable, s: number, reason: CloseReason, features: Float32Array): Closed {
  const i32 = Array.from(t.i32.subarray(s * WindowTable.I32_WORDS, (s + 1) * WindowTable.I32_WORDS));
  i32[W_PREV] = 0;
  i32[W_NEXT] = 0;
  return {
    reason,
    i32,
    f64: Array.from(t.f64.subarray(s * WindowTable.F64_WORDS, (s + 1) * WindowTable.F64_WORDS)),
    hist: Array.from(t.hist.subarray(s * HIST_BINS, (s + 1) * HIST_BINS)),
    bytes:
      Buffer.from(t.bytes.subarray(s * WindowTable.BYTES_PER, (s + 1) * WindowTable.BYTES_PER)).toString('hex') +
      Buffer.from(t.nameTail.subarray(s * WindowTable.TAIL_PER, (s + 1) * WindowTable.TAIL_PER)).toString('hex'),
    features: Array.from(features),
  };
}

async function run(file: string, lane: boolean, maxWindows: number, cacheSize: number) {
  const closed: Closed[] = [];
  let ex: QuestionExtractor | undefined;
  const p = new Pipeline(
    { ...DEFAULT_PIPELINE_OPTIONS, fastLane: lane, keepMessageBytes: MESSAGE_KEEP_BYTES, questionWindows: maxWindows, questionCacheSize: cacheSize },
    { onBatch: (b) => ex!.onBatch(b), drain: () => Promise.resolve() },
    silentLog,
  );
  const domains = new RegisteredDomains({ cacheSize });
  const x = new Float32Array(QUESTION_FEATURE_COUNT);
  ex = new QuestionExtractor(
    { windowSec: WINDOW_SEC, maxWindows },
    domains,
    p.weirds,
    (t, s, reason) => {
      windowFeatures(t, s, WINDOW_SEC, x, 0);
      closed.push(snapshot(t, s, reason, x));
    },
    p.assembler.questionLane,
  );
  // In the lane, windows are scored there: the lane's own features reach the verdict.
  ex.scoreInLane({ threshold: 0, every: true, loss: () => 0, verdict: (t, s, reason, features) => closed.push(snapshot(t, s, reason, features)) });
  let error = '';
  try {
    await p.runSource(await openCapture(file), 0);
  } catch (e) {
    // A truncated capture of the corpus: what was read before the cut still counts.
    error = (e as Error).message;
  }
  ex.flush();
  ex.syncStats();
  const weirds: Record<string, number> = {};
  for (const name of WEIRD_NAMES) if (p.weirds.get(name as WeirdName) > 0) weirds[name] = p.weirds.get(name as WeirdName);
  return { error, closed, inLane: ex.inLane, stats: { ...ex.stats }, table: { ...ex.table.stats }, cache: { ...domains.stats }, weirds };
}

describe('the question lane', () => {
  it('has captures to compare', () => {
    expect(CAPTURES.length).toBeGreaterThan(40);
  });

  for (const [maxWindows, cacheSize] of [
    [65_536, 65_536],
    [8, 4],
  ] as const) {
    it(`closes the same windows with the same words and features as the TypeScript loop (${maxWindows} windows, ${cacheSize} cache entries)`, async () => {
      let windows = 0;
      let evicted = 0;
      let cacheEvictions = 0;
      for (const file of CAPTURES) {
        const a = await run(file, true, maxWindows, cacheSize);
        const b = await run(file, false, maxWindows, cacheSize);
        expect(a.inLane, file).toBe(true);
        expect(b.inLane, file).toBe(false);
        expect(a.error, file).toEqual(b.error);
        expect(a.closed, file).toEqual(b.closed);
        expect(a.stats, file).toEqual(b.stats);
        expect(a.table, file).toEqual(b.table);
        expect(a.cache, file).toEqual(b.cache);
        expect(a.weirds, file).toEqual(b.weirds);
        windows += a.closed.length;
        evicted += a.table.windows_evicted;
        cacheEvictions += a.cache.evictions;
      }
      expect(windows).toBeGreaterThan(200);
      if (maxWindows === 8) {
        expect(evicted).toBeGreaterThan(50);
        expect(cacheEvictions).toBeGreaterThan(50);
      }
    }, 300_000);
  }

  it('leaves the lane to the TypeScript loop when the table it was made for differs', async () => {
    const p = new Pipeline(
      { ...DEFAULT_PIPELINE_OPTIONS, keepMessageBytes: MESSAGE_KEEP_BYTES, questionWindows: 1024, questionCacheSize: 65_536 },
      { onBatch: () => undefined, drain: () => Promise.resolve() },
      silentLog,
    );
    expect(p.assembler.questionLane).toBeDefined();
    const ex = new QuestionExtractor({ windowSec: WINDOW_SEC, maxWindows: 2048 }, new RegisteredDomains(), p.weirds, () => undefined, p.assembler.questionLane);
    expect(ex.inLane).toBe(false);
  });
});
