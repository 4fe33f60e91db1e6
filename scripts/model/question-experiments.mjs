// Trains the question stage's autoencoder on the training captures of
// train-default.sh and measures it on captures it never saw, for comparing
// features, model sizes and calibration. Usage (after `npm run build`):
//   node scripts/model/question-experiments.mjs [--drop name,name] [--hidden N] [--bottleneck N]
//        [--epochs N] [--seed N] [--fpr RATE] [--unique] [--top N] [--corpus ../shared/corpus]
// --drop sets the named features to 0 in every window (training and
// measurement), which is how a feature's effect is measured without a second
// build. Benign measurement: data/hard-benign/test, data/population/test and
// the public benign corpus (never trained on); data/benign is trained on and
// also reported. Tunnels: data/tunnel and the public in-protocol tunnels.
// A session is one (file, client, registered domain), alerted when any of
// its windows is, as `dnsae evaluate` counts them.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_PIPELINE_OPTIONS, Pipeline, runFiles } from '../../dist/pipeline.js';
import { MESSAGE_KEEP_BYTES } from '../../dist/flow/sample.js';
import { QuestionExtractor } from '../../dist/features/question/question-extractor.js';
import { QUESTION_FEATURE_COUNT, QUESTION_FEATURES, windowFeatures } from '../../dist/features/question/question-features.js';
import { RegisteredDomains } from '../../dist/features/question/registered-domain.js';
import { B_DOMAIN, DOMAIN_BYTES, W_C0, W_DOM_LEN, WindowTable } from '../../dist/features/question/window-table.js';
import { trainQuestionModel } from '../../dist/model/question/question-train.js';
import { readQuestionModel } from '../../dist/model/question/question-model.js';
import { WindowScorer } from '../../dist/scoring/question/window-scorer.js';
import { selectBackend } from '../../dist/model/backend.js';
import { createRootLogger } from '../../dist/logger.js';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const corpus = opt('--corpus', path.resolve('../shared/corpus'));
const drop = new Set(opt('--drop', '').split(',').filter(Boolean));
for (const n of drop) if (!QUESTION_FEATURES.includes(n)) throw new Error(`--drop: no feature ${n}`);
const dropIdx = [...drop].map((n) => QUESTION_FEATURES.indexOf(n));
const top = Number(opt('--top', '5'));
const D = QUESTION_FEATURE_COUNT;

const pcaps = (dir) =>
  readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng|cap)$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
const all = (dir) => readdirSync(dir).sort().map((f) => path.join(dir, f));
const groups = {
  train: [...pcaps('data/benign'), ...pcaps('data/hard-benign/train'), ...pcaps('data/population/train')],
  benignTest: [...pcaps('data/hard-benign/test'), ...pcaps('data/population/test'), ...all(path.join(corpus, 'benign'))],
  tunnels: [...pcaps('data/tunnel'), ...all(path.join(corpus, 'anomalous/in-protocol-tunnel'))],
};

const log = createRootLogger('error');

/** Every window of `files`: its feature row and its session (file, client, domain). */
async function windowsOf(files) {
  const rows = [];
  const sessions = [];
  let file = files[0];
  const row = new Float32Array(D);
  let ex;
  const pipeline = new Pipeline({ ...DEFAULT_PIPELINE_OPTIONS, keepMessageBytes: MESSAGE_KEEP_BYTES }, { onBatch: (b) => ex.onBatch(b), drain: () => Promise.resolve() }, log);
  ex = new QuestionExtractor({ windowSec: 60, maxWindows: 65_536 }, new RegisteredDomains({}), pipeline.weirds, (t, s) => {
    windowFeatures(t, s, 60, row, 0);
    for (const k of dropIdx) row[k] = 0;
    rows.push(Float32Array.from(row));
    const b = s * WindowTable.I32_WORDS;
    const n = Math.min(t.i32[b + W_DOM_LEN], DOMAIN_BYTES);
    const o = s * WindowTable.BYTES_PER + B_DOMAIN;
    const domain = Buffer.from(t.bytes.subarray(o, o + n)).toString('latin1');
    const client = Array.from(t.i32.subarray(b + W_C0, b + W_C0 + 4)).join(':');
    sessions.push(`${file}\t${client}\t${domain}`);
  });
  await runFiles(files, pipeline, log, (i) => {
    ex.flush();
    ex.sourceIndex = i + 1;
    file = files[i + 1];
  });
  return { rows, sessions };
}

await selectBackend('auto');
const t0 = performance.now();
const train = await windowsOf(groups.train);
const test = await windowsOf(groups.benignTest);
const tun = await windowsOf(groups.tunnels);
// --unique trains on each distinct feature vector once (the measurement still counts every window).
const fitRows = argv.includes('--unique') ? [...new Map(train.rows.map((r) => [r.join(','), r])).values()] : train.rows;
const x = new Float32Array(fitRows.length * D);
fitRows.forEach((r, i) => x.set(r, i * D));
const dir = mkdtempSync(path.join(tmpdir(), 'dnsae-qexp-'));
const hidden = opt('--hidden', undefined);
const bottleneck = opt('--bottleneck', undefined);
const r = await trainQuestionModel(
  dir,
  x,
  fitRows.length,
  groups.train,
  {
    seed: Number(opt('--seed', '53')),
    epochs: Number(opt('--epochs', '200')),
    batchSize: 256,
    validationFraction: 0.25,
    patience: 15,
    targetFpr: Number(opt('--fpr', '1e-4')),
    windowSec: 60,
    ...(hidden === undefined ? {} : { hidden: Number(hidden) }),
    ...(bottleneck === undefined ? {} : { bottleneck: Number(bottleneck) }),
  },
  'experiment',
);
const model = await readQuestionModel(dir);
rmSync(dir, { recursive: true, force: true });
const scorer = new WindowScorer(model.layers);
const thr = r.meta.threshold;
const measure = (set) => {
  const losses = set.rows.map((row) => scorer.lossPerFeature(row, 0, new Float32Array(D)));
  const bySession = new Map();
  losses.forEach((l, i) => bySession.set(set.sessions[i], Math.max(bySession.get(set.sessions[i]) ?? 0, l)));
  return { losses, bySession, windowsAlerted: losses.filter((l) => l > thr).length, sessionsAlerted: [...bySession.values()].filter((l) => l > thr).length };
};
const trainBenign = measure(train);
const mt = measure(test);
const mu = measure(tun);
const pct = (a, n) => `${a} of ${n.toLocaleString('en-US')}`;
const summary = {
  drop: [...drop],
  arch: r.meta.arch,
  epochs: r.meta.training.epochs,
  valLoss: +r.meta.training.valLoss.toPrecision(4),
  threshold: +thr.toPrecision(6),
  calibration: r.meta.calibration,
  benignTestWindows: pct(mt.windowsAlerted, mt.losses.length),
  benignTestSessions: pct(mt.sessionsAlerted, mt.bySession.size),
  trainedBenignWindows: pct(trainBenign.windowsAlerted, trainBenign.losses.length),
  tunnelSessions: pct(mu.sessionsAlerted, mu.bySession.size),
  seconds: Math.round((performance.now() - t0) / 100) / 10,
};
console.log(JSON.stringify(summary));
const ratio = (l) => (l / thr).toFixed(2);
const short = (s) => s.split('\t').map((p, i) => (i === 0 ? path.basename(p) : i === 1 ? '' : p)).filter(Boolean).join(' ');
const sorted = (m, desc) => [...m.entries()].sort((a, b) => (desc ? b[1] - a[1] : a[1] - b[1]));
console.log('lowest tunnel sessions (loss / threshold):', sorted(mu.bySession, false).slice(0, top).map(([s, l]) => `${short(s)} ${ratio(l)}`).join('; '));
console.log('highest benign test sessions:', sorted(mt.bySession, true).slice(0, top).map(([s, l]) => `${short(s)} ${ratio(l)}`).join('; '));
console.log('highest trained-on benign sessions:', sorted(trainBenign.bySession, true).slice(0, top).map(([s, l]) => `${short(s)} ${ratio(l)}`).join('; '));
