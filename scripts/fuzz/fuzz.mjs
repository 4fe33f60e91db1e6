#!/usr/bin/env node
// npm run fuzz [-- --runs N] [--seed S] [--targets decode,capture,...] [--no-shrink]
// Fuzzes the built modules (dist/) with the inputs in test/fixtures; see
// scripts/fuzz/fuzz-harness.mjs for the targets and docs/robustness.md for results.
// Exit status: 0 when every property held, 1 when one failed (its input is in
// test/fixtures/fuzz-regressions/), 2 for bad arguments.
import { fileURLToPath } from 'node:url';
import { runFuzz, TARGETS } from './fuzz-harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

function parseArgs(argv) {
  const o = { runs: 100_000, seed: Date.now() % 2 ** 31, targets: TARGETS, shrink: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--runs') o.runs = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--targets') o.targets = v().split(',');
    else if (a === '--no-shrink') o.shrink = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs takes a positive whole number');
  if (!Number.isInteger(o.seed)) throw new Error('--seed takes a whole number');
  for (const t of o.targets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t} (known: ${TARGETS.join(', ')})`);
  return o;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`fuzz: ${err.message}\n`);
  process.exit(2);
}

const { fuzzApi } = await import('./fuzz-api.mjs');
const api = await fuzzApi(`${root}dist/`);
process.stdout.write(`fuzz: seed ${opts.seed}, ${opts.runs} inputs over ${opts.targets.join(', ')}\n`);
const t0 = Date.now();
const result = await runFuzz(api, {
  runs: opts.runs,
  seed: opts.seed,
  targets: opts.targets,
  shrink: opts.shrink,
  fixturesDir: `${root}test/fixtures`,
  modelDir: `${root}models/default`,
  regressionsDir: `${root}test/fixtures/fuzz-regressions`,
  onProgress: (t, r) => process.stdout.write(`  ${t.padEnd(8)} ${String(r.runs).padStart(8)} inputs ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${r.failed ? 'FAILED' : 'ok'}\n`),
});
const secs = ((Date.now() - t0) / 1000).toFixed(1);
process.stdout.write(`fuzz: seed ${result.seed}, ${result.runs} inputs in ${secs} s, ${result.failures.length} failure(s)\n`);
for (const f of result.failures) {
  process.stdout.write(`\n[${f.target}] ${f.path ?? ''}\n${f.error}\n`);
}
if (result.failures.length > 0) {
  process.stdout.write(`\nreproduce: npm run fuzz -- --runs ${opts.runs} --seed ${result.seed} --targets ${result.failures.map((f) => f.target).join(',')}\n`);
}
process.exitCode = result.failures.length > 0 ? 1 : 0;
