import { EvalColumnsBuilder } from '../../src/evaluate/eval-columns.js';
import type { EvalFile, EvalInput } from '../../src/evaluate/eval-types.js';

/**
 * Synthetic evaluation input for rendering tests. The numbers are drawn from
 * a seeded generator and mean nothing about detection quality; they only
 * have to exercise every chart (both classes, ties, rule hits, infinities).
 */
export function syntheticInput(files: readonly EvalFile[], samplesPerFile = 400, seed = 7): EvalInput {
  let state = seed >>> 0;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const b = new EvalColumnsBuilder(16);
  const errs = new Float32Array(8);
  files.forEach((file, f) => {
    for (let i = 0; i < samplesPerFile; i++) {
      const anomalous = file.label === 1;
      // Log-normal losses: benign around 1e-3 with a tail past the threshold, anomalous around 3e-2.
      const loss = 10 ** (anomalous ? -1.5 + (rand() - 0.5) * 2 : -3 + (rand() - 0.5) * 2.4);
      for (let k = 0; k < 8; k++) errs[k] = loss * (anomalous && k >= 2 ? 2 + k : 1) * (0.5 + rand());
      const rule = anomalous && rand() < 0.3 ? 1 << Math.floor(rand() * 3) : 0;
      b.pushValues(file.label, f, Math.floor(i / 5), loss, i % 2 === 0 ? 0.01 : 0.02, rule, !anomalous || rand() < 0.4, errs, 0);
    }
  });
  return {
    files,
    samples: b.build(),
    modelId: 'synthetic-model',
    threshold: 0.01,
    ruleNames: (mask) => ['qdcount_not_one', 'opcode_reserved', 'z_bit_set'].filter((_, k) => (mask >>> k) & 1),
  };
}
