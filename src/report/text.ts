import type { ReportSummary } from './summary.js';

/**
 * A few lines for a weekly e-mail: totals against the previous period of
 * the same length, the buckets outside the bands, the heaviest source and
 * domain, model changes and input damage.
 */
const MAX_FLAGS_LISTED = 10;

function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0' : 'new';
  const pct = ((now - before) / before) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

function day(iso: string | null): string {
  return iso === null ? '-' : iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

export function formatTextSummary(s: ReportSummary): string {
  const p = s.period;
  const prev = s.totals.previous;
  const out: string[] = [];
  out.push(`dnsae alerts ${day(p.from)} to ${day(p.to)}: ${p.buckets} ${p.bucket} buckets, moving average over ${p.window}`);
  const cmp = (now: number, before: number | undefined): string =>
    prev === null || before === undefined ? '' : ` (previous ${before}, ${change(now, before)}${prev.complete ? '' : ', previous period only partly in the input'})`;
  out.push(`alerts: ${s.totals.alerts}${cmp(s.totals.alerts, prev?.alerts)}`);
  for (const f of s.fleet.slice(1)) out.push(`  ${f.label}: ${f.total}${cmp(f.total, prev?.by_series[f.id])}`);
  if (s.sensors.length > 0) {
    out.push(`sensors (${s.sensors.length}): ${s.sensors.map((x) => `${x.label} ${x.total}`).join(', ')}`);
  }
  out.push(`outside the two-sigma band: ${s.flagged.length}`);
  for (const f of s.flagged.slice(0, MAX_FLAGS_LISTED)) {
    out.push(`  ${f.bucket} ${f.series}: ${f.count} (${f.direction} mean ${f.mean.toFixed(1)} ± 2 x ${f.sd.toFixed(1)})`);
  }
  if (s.flagged.length > MAX_FLAGS_LISTED) out.push(`  ... ${s.flagged.length - MAX_FLAGS_LISTED} more in the JSON summary`);
  const topLine = (name: string, rows: ReportSummary['top']['sources']): void => {
    if (rows.length > 0) out.push(`top ${name}: ${rows.slice(0, 3).map((r) => `${r.key} ${r.count}`).join(', ')}`);
  };
  topLine('sources', s.top.sources);
  topLine('destinations', s.top.destinations);
  topLine('registered domains', s.top.registered_domains);
  if (s.models.length > 0) {
    out.push(`models: ${s.models.map((m) => `${m.stage} ${m.model_id} (threshold ${m.threshold ?? '-'}) from ${m.first.slice(0, 10)}`).join('; ')}`);
  }
  const lines = s.inputs.files.reduce((a, f) => a + f.lines, 0);
  const first = s.inputs.malformed_at.length > 0 ? ` (first at ${s.inputs.malformed_at[0]})` : '';
  out.push(`input: ${s.inputs.files.length} files, ${lines} lines, ${s.inputs.malformed} malformed${first}`);
  return `${out.join('\n')}\n`;
}
