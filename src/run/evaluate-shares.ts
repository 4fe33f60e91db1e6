import { EvalColumnsBuilder } from '../evaluate/eval-columns.js';
import type { EvalColumns } from '../evaluate/eval-types.js';
import { BatchShare } from './batch-share.js';
import type { EvaluatePart, EvaluatePartSpec } from './evaluate.js';

/**
 * How `dnsae evaluate --jobs N` shares its work (docs/scaling.md). Every
 * part (the main thread's, part 0, and one per worker thread) reads every
 * input in command-line order and assembles every flow, so every table the
 * pipeline keeps (the flow table and its clock, its evictions) is one
 * run's in each. With the question stage, part 0 runs it, whole: its
 * windows, its clock, its client fan-out sketch and its bounded window
 * table see every client and every file, as in one run; none of them could
 * be split exactly (the sketch's collisions and the table's early closes
 * depend on every client, a window's fan-out on when the clock closes it).
 * The header stage's batches are shared among the other parts (all N
 * without the question stage) by BatchShare.
 */
export function partSpec(worker: number, workers: number, tunnel: boolean): EvaluatePartSpec {
  if (!tunnel) return { header: new BatchShare(worker, workers), tunnel: false };
  if (workers === 1) return { tunnel: true };
  return { header: new BatchShare(worker - 1, workers - 1), tunnel: worker === 0 };
}

/**
 * One run's part from the parts of every worker, part 0 first: the
 * header stage's rows put back in batch order (the order of one run), the
 * question stage's windows, summary and input faults of part 0 (every
 * part reads the same inputs and meets the same faults). Throws when a
 * batch is missing or taken twice: that is a bug, never the inputs'.
 */
export function mergeParts(parts: readonly EvaluatePart[]): EvaluatePart {
  const lead = parts[0]!;
  const segments: { batch: number; from: EvalColumns; start: number; rows: number }[] = [];
  let total = -1;
  let rows = 0;
  for (const p of parts) {
    if (p.batches === undefined) {
      if (parts.length === 1) return p;
      throw new Error('evaluate parts: a part without its batch numbers');
    }
    if (total === -1) total = p.batchCount ?? 0;
    else if (p.batchCount !== total) throw new Error(`evaluate parts: one part saw ${p.batchCount} batches, another ${total}`);
    let start = 0;
    for (let k = 0; k < p.batches.length; k += 2) {
      const n = p.batches[k + 1]!;
      segments.push({ batch: p.batches[k]!, from: p.samples, start, rows: n });
      start += n;
    }
    if (start !== p.samples.count) throw new Error(`evaluate parts: ${p.samples.count} rows, ${start} in its batches`);
    rows += start;
  }
  segments.sort((a, b) => a.batch - b.batch);
  if (segments.length !== total || segments.some((s, i) => s.batch !== i)) {
    throw new Error(`evaluate parts: ${segments.length} batches taken of ${total}, not each once`);
  }
  const out = new EvalColumnsBuilder(Math.max(1, rows));
  for (const s of segments) out.appendRows(s.from, s.start, s.rows);
  return {
    samples: out.build(),
    ...(lead.collected === undefined ? {} : { collected: lead.collected }),
    errors: lead.errors,
    stats: lead.stats,
  };
}
