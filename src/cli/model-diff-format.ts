import type { ModelMeta } from '../model/model-weights.js';
import type { ModelDiff } from '../run/model-diff.js';
import { count } from './progress.js';

const num = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 1e-3 ? v.toFixed(6) : v.toExponential(3));
const signed = (v: number): string => (v > 0 ? '+' : '') + num(v);

function filesChange(a: readonly string[], b: readonly string[]): string {
  const added = b.filter((f) => !a.includes(f));
  const removed = a.filter((f) => !b.includes(f));
  if (added.length === 0 && removed.length === 0) return 'same files';
  return [added.length > 0 ? `added ${added.join(', ')}` : '', removed.length > 0 ? `not in B ${removed.join(', ')}` : ''].filter((s) => s !== '').join('; ');
}

function trainingLine(m: ModelMeta): string {
  const t = m.training;
  return [
    `${count(t.samples)} samples`,
    t.distinctRows === undefined ? `${count(t.uniqueSamples)} distinct` : `${count(t.distinctRows)} distinct rows`,
    `${t.epochs} epochs`,
    t.base === undefined ? '' : `base ${t.base.modelId}`,
    t.benignAlerts === undefined ? '' : `${count(t.benignAlerts)} marked alerts`,
  ]
    .filter((s) => s !== '')
    .join(', ');
}

/** The text form of `dnsae model diff`: one aligned line per field, A, B and the change. */
export function formatModelDiff(d: ModelDiff): string {
  const { a, b } = d;
  const lines: string[] = [];
  const row = (k: string, va: string, vb: string, change = ''): void => void lines.push(`${k.padEnd(16)} ${va.padEnd(14)} ${vb.padEnd(14)} ${change}`.trimEnd());
  row('', 'A', 'B', 'change');
  row('model id', a.modelId, b.modelId, a.modelId === b.modelId ? 'same weights' : '');
  row('threshold', num(a.threshold), num(b.threshold), signed(b.threshold - a.threshold));
  row('target FPR', num(a.targetFpr), num(b.targetFpr));
  for (const k of ['q50', 'q90', 'q99', 'q999', 'max'] as const) row(`loss ${k}`, num(a.quantiles[k]), num(b.quantiles[k]), signed(b.quantiles[k] - a.quantiles[k]));
  for (let i = 0; i < 8; i++) {
    const ea = a.perByteMeanError[i]!;
    const eb = b.perByteMeanError[i]!;
    row(`byte ${i} error`, num(ea), num(eb), signed(eb - ea));
  }
  lines.push(`training A       ${trainingLine(a)}`);
  lines.push(`training B       ${trainingLine(b)}`);
  lines.push(`files            ${filesChange(a.training.files, b.training.files)}`);
  if (b.training.base !== undefined) lines.push(`B's base         ${b.training.base.modelId}${b.training.base.modelId === a.modelId ? ' (= A)' : ''}`);
  const c = d.capture;
  if (c !== undefined) {
    lines.push(`capture          ${c.file}: ${count(c.samples)} samples`);
    lines.push(`  alert in A only (quieted by B)   ${count(c.quieted)}`);
    lines.push(`  alert in B only (new in B)       ${count(c.raised)}`);
    lines.push(`  alert in both                    ${count(c.bothAlert)}`);
    lines.push(`  alert in neither                 ${count(c.neither)}`);
  }
  return lines.join('\n');
}

/** The JSON form (`--json`): both metadata records and the moves. */
export function modelDiffJson(d: ModelDiff): string {
  return JSON.stringify({ a: d.a, b: d.b, ...(d.capture === undefined ? {} : { capture: d.capture }) }, null, 2);
}
