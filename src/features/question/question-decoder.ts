import type { WeirdCounters } from '../../decode/weirds.js';
import type { QuestionExtractorStats } from './question-extractor.js';
import { QuestionLane, type QuestionLaneMemory } from './question-lane.js';
import { RegisteredDomains, type RegisteredDomainOptions } from './registered-domain.js';
import type { WindowTableStats } from './window-table.js';

/** The decoding side's counters, under the names the stage's stats give them. */
export interface QuestionDecoderStats {
  readonly messages: number;
  readonly not_kept: number;
  readonly no_question: number;
  readonly root: number;
  readonly not_query: number;
}

/**
 * The first step of the question stage, in the reading thread of a score
 * run split by stage (src/run/stage-split.ts): a lane's question region
 * that decodes every row as the whole stage would, and packs each row
 * bound for a window for the question thread (FlowAssembler.packQuestionRows),
 * which finds its registered domain and adds it to its window. Its weirds
 * go to `weirds` as the whole stage's do.
 */
export class QuestionDecoder {
  private readonly lane: QuestionLane;

  constructor(mem: QuestionLaneMemory, windowSec: number, domains: Partial<RegisteredDomainOptions>, weirds: WeirdCounters) {
    // Its windows are never opened and its domain cache never asked: every row is packed after decoding (decodeOnly).
    this.lane = new QuestionLane(mem, windowSec, new RegisteredDomains(domains), weirds, () => undefined);
  }

  /** After a batch was packed: its weirds counted. */
  packed(): void {
    this.lane.onBatch();
  }

  stats(): QuestionDecoderStats {
    const q = { messages: 0, queries: 0, responses: 0, not_kept: 0, no_question: 0, root: 0, not_query: 0 } satisfies QuestionExtractorStats;
    this.lane.readStats(q, {} as WindowTableStats, { hits: 0, misses: 0, evictions: 0 });
    return { messages: q.messages, not_kept: q.not_kept, no_question: q.no_question, root: q.root, not_query: q.not_query };
  }
}
