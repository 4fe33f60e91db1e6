// The fast lane's memory is advised for transparent huge pages (src/flow/huge-pages.ts,
// native/huge-pages): what the addon advises, that the kernel then backs the memory with
// 2 MiB pages (when THP is not off), and that a run's lane asks for them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adviseHugePages, hugePagesAvailable } from '../../src/flow/huge-pages.js';
import type { LineSink } from '../../src/output/ndjson-sink.js';
import { DEFAULT_PIPELINE_OPTIONS, runFiles } from '../../src/pipeline.js';
import { openScoreRun } from '../../src/run/score.js';
import { DEFAULT_ALERT_POLICY } from '../../src/scoring/alert-policy.js';
import { openQuestionModel, openScorer } from '../../src/scoring/open-scorer.js';
import { ROOT, silentLog } from '../scoring/question/question-fixture.js';

const MIB = 1 << 20;
/** WebAssembly's Memory, which the project's TypeScript libraries do not declare. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => WasmMemory } }).WebAssembly;
const HUGE = 2 * MIB;

/** The process's anonymous memory in huge pages, bytes. */
function anonHugeBytes(): number {
  const m = /^AnonHugePages:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
  return Number(m![1]) * 1024;
}

/** Whether the kernel gives huge pages to advised memory (THP mode always or madvise). */
const thpOn = !/\[never\]/.test(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'));

/** Memories the tests made, kept so that no collection frees their huge pages while another test counts. */
const kept: WasmMemory[] = [];

afterEach(() => {
  delete process.env.DNSAE_HUGE_PAGES;
});

describe('adviseHugePages', () => {
  it('is available where npm ci built the addon', () => {
    expect(hugePagesAvailable()).toBe(true);
  });

  // First, while no other advised memory of this process can be freed under it.
  it.runIf(thpOn)("puts a score run's lane memory, the window table with it, in huge pages", async () => {
    const model = path.join(ROOT, 'models/default');
    const file = path.join(ROOT, 'data/sample/mixed.pcap');
    const out = { writeLine: () => undefined, drain: () => Promise.resolve() } as unknown as LineSink;
    const before = anonHugeBytes();
    const run = openScoreRun([file], out, {
      mode: 'hybrid',
      scorer: await openScorer(model),
      ruleMask: undefined,
      policy: DEFAULT_ALERT_POLICY,
      all: false,
      pipeline: DEFAULT_PIPELINE_OPTIONS,
      tunnel: { model: (await openQuestionModel(model))!, domains: {}, maxWindows: 65_536, allowDomains: new Set() },
    }, silentLog);
    expect(run.pipeline.assembler.questionLane).toBeDefined();
    const { errors } = await runFiles([file], run.pipeline, silentLog, (i) => run.endSource(i));
    expect(errors).toEqual([]);
    // Each part of the lane the run touched (flow table, windows, index, caches) is at least one huge page.
    expect(anonHugeBytes() - before).toBeGreaterThanOrEqual(4 * HUGE);
  });

  it('advises the whole 2 MiB pages of a buffer, and the kernel backs them with huge pages', () => {
    const memory = new Memory({ initial: (64 * MIB) / 65_536, maximum: (64 * MIB) / 65_536 });
    kept.push(memory);
    const advised = adviseHugePages(memory.buffer);
    expect(advised % HUGE).toBe(0);
    // V8 places the memory where it likes: at most one huge page at each end is not whole.
    expect(advised).toBeGreaterThanOrEqual(64 * MIB - 2 * HUGE);
    expect(advised).toBeLessThanOrEqual(64 * MIB);
    if (!thpOn) return;
    const before = anonHugeBytes();
    new Uint8Array(memory.buffer).fill(1);
    expect(anonHugeBytes() - before).toBeGreaterThanOrEqual(advised / 2);
  });

  it('advises nothing in a buffer smaller than a huge page', () => {
    expect(adviseHugePages(new ArrayBuffer(HUGE - 1))).toBe(0);
  });

  it('advises nothing with DNSAE_HUGE_PAGES=0', () => {
    process.env.DNSAE_HUGE_PAGES = '0';
    expect(hugePagesAvailable()).toBe(false);
    expect(adviseHugePages(new Memory({ initial: 256, maximum: 256 }).buffer)).toBe(0);
  });

});
