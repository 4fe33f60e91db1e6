import type { WeirdCounters } from '../decode/weirds.js';
import { QuestionExtractor } from '../features/question/question-extractor.js';
import { QUESTION_FEATURE_COUNT, windowFeatures } from '../features/question/question-features.js';
import type { RegisteredDomains } from '../features/question/registered-domain.js';
import type { SampleBatch } from '../flow/sample.js';
import { createRng } from '../model/rng.js';

/**
 * Collects the feature rows of benign (client, registered domain) windows
 * for training the question stage: the same extractor and features as
 * scoring. Past `maxWindows` it keeps a uniform reservoir (seeded), so a
 * big corpus costs bounded memory.
 */
export class WindowCollector {
  readonly extractor: QuestionExtractor;
  private x: Float32Array;
  count = 0;
  seen = 0;
  private readonly rng: () => number;

  constructor(
    private readonly maxWindows: number,
    windowSec: number,
    tableWindows: number,
    domains: RegisteredDomains,
    weirds: WeirdCounters,
    seed: number,
  ) {
    this.x = new Float32Array(Math.min(maxWindows, 16_384) * QUESTION_FEATURE_COUNT);
    this.rng = createRng(seed ^ 0x71e5);
    this.extractor = new QuestionExtractor({ windowSec, maxWindows: tableWindows }, domains, weirds, (t, s) => {
      this.seen++;
      let row: number;
      if (this.count < this.maxWindows) {
        if ((this.count + 1) * QUESTION_FEATURE_COUNT > this.x.length) {
          const bigger = new Float32Array(Math.min(this.maxWindows, this.count * 2) * QUESTION_FEATURE_COUNT);
          bigger.set(this.x);
          this.x = bigger;
        }
        row = this.count++;
      } else {
        const j = Math.floor(this.rng() * this.seen);
        if (j >= this.maxWindows) return;
        row = j;
      }
      windowFeatures(t, s, windowSec, this.x, row * QUESTION_FEATURE_COUNT);
    });
  }

  onBatch(batch: SampleBatch): void {
    this.extractor.onBatch(batch);
  }

  endSource(nextSource: number): void {
    this.extractor.flush();
    this.extractor.sourceIndex = nextSource;
  }

  rows(): Float32Array {
    return this.x.subarray(0, this.count * QUESTION_FEATURE_COUNT);
  }
}
