// Times the question stage's forward pass (WindowScorer, no cache) per
// window, for each model directory given (after `npm run build`):
//   node scripts/bench/measure-question-forward.mjs [--windows N] MODEL_DIR...
// Rows are random eight-bit feature vectors of each model's width; a model
// of another feature version than this build's is timed as well, since only
// its weights are read.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readDenseNetwork } from '../../dist/model/model-weights.js';
import { createRng } from '../../dist/model/rng.js';
import { WindowScorer } from '../../dist/scoring/question/window-scorer.js';

const argv = process.argv.slice(2);
const wi = argv.indexOf('--windows');
const n = wi >= 0 ? Number(argv[wi + 1]) : 20_000;
const dirs = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1] === '--windows'));
if (dirs.length === 0) dirs.push('models/default');
const rng = createRng(53);
for (const dir of dirs) {
  const q = path.join(dir, 'question');
  const meta = JSON.parse(readFileSync(path.join(q, 'dnsae.json'), 'utf8'));
  const w = meta.features.length;
  const net = await readDenseNetwork(q, w, w, meta.modelId);
  const scorer = new WindowScorer(net.layers);
  const x = new Float32Array(n * w);
  for (let i = 0; i < x.length; i++) x[i] = Math.round(rng() * 255) / 255;
  const pf = new Float32Array(w);
  const times = [];
  let sum = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sum += scorer.lossPerFeature(x, i * w, pf);
    times.push(((performance.now() - t0) * 1000) / n);
  }
  const arch = `${w}-${meta.arch.hidden}-${meta.arch.bottleneck}-${meta.arch.hidden}-${w}`;
  console.log(`${dir} (${meta.modelId}, ${arch}): ${times.map((t) => t.toFixed(2)).join(', ')} us per window${sum > 0 ? '' : ' (no loss?)'}`);
}
