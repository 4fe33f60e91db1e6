import { escapeHtml } from '../evaluate/html-escape.js';
import type { ReportSummary, Series, TopRow } from './summary.js';
import { chartMax, REPORT_COLORS, timeChartSvg } from './time-chart.js';

/**
 * One self-contained page, built like evaluate's report
 * (src/evaluate/report-html.ts): inline CSS and SVG, no script, and a CSP
 * that forbids fetching anything, so it opens the same offline.
 */
const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#555;font-size:13px}p{font-size:14px;max-width:900px}
table{border-collapse:collapse;font-size:13px;margin-bottom:8px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f2f2f2}td.text,th.text{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0}figcaption{font-size:12px;color:#555;max-width:600px}
.key span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
.tables{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
`;

function rows(cells: readonly (string | number)[][]): string {
  return cells.map((r) => `<tr>${r.map((c, i) => `<td${i === 0 ? ' class="text"' : ''}>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('');
}

function table(id: string, head: readonly string[], body: readonly (string | number)[][]): string {
  const th = head.map((h, i) => `<th${i === 0 ? ' class="text"' : ''}>${escapeHtml(h)}</th>`).join('');
  return `<table id="${escapeHtml(id)}"><thead><tr>${th}</tr></thead><tbody>${rows(body)}</tbody></table>`;
}

function topTable(id: string, title: string, r: readonly TopRow[]): string {
  const body = r.map((x) => [x.key, x.count, x.error, x.first.replace('.000Z', 'Z'), x.last.replace('.000Z', 'Z')]);
  return `<div><h3 style="font-size:14px">${escapeHtml(title)}</h3>${
    r.length === 0 ? '<p>none</p>' : table(id, ['key', 'alerts', '± error', 'first seen', 'last seen'], body)
  }</div>`;
}

const shortIso = (v: string | null): string => (v === null ? '-' : v.replace(/T00:00:00\.000Z$/, '').replace('.000Z', 'Z'));

const chartId = (s: Series, prefix: string): string => `${prefix}-${s.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function renderReportHtml(s: ReportSummary, generatedAt: Date = new Date()): string {
  const labels = s.buckets;
  // A stage's model after its first is a retrain (or a rollout) worth seeing on the charts.
  const markers = s.models.filter((m) => m.change).map((m) => m.first_bucket);
  const p = s.period;
  const [all, ...perSignature] = s.fleet;
  const sensorMax = Math.max(1, ...s.sensors.map(chartMax));
  const prev = s.totals.previous;
  const totals = s.fleet.map((f) => [f.label, f.total, prev === null ? '-' : f.id === 'all' ? prev.alerts : (prev.by_series[f.id] ?? '-'), f.flagged.length]);
  const key =
    `<p class="meta key"><span style="background:${REPORT_COLORS.bar}"></span>alerts per ${escapeHtml(p.bucket)}` +
    `<span style="background:${REPORT_COLORS.ma};height:2px"></span>moving average (${p.window} buckets before)` +
    `<span style="background:${REPORT_COLORS.band1}"></span>± 1 sd<span style="background:${REPORT_COLORS.band2}"></span>± 2 sd` +
    `<span style="background:${REPORT_COLORS.flag};border-radius:6px"></span>outside ± 2 sd` +
    `<span style="border-left:2px dashed ${REPORT_COLORS.retrain};width:0"></span>model change</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dnsae alert report ${escapeHtml(p.from ?? '')}</title>
<style>${CSS}</style></head><body>
<h1>dnsae alert report</h1>
<p class="meta">${escapeHtml(shortIso(p.from))} to ${escapeHtml(shortIso(p.to))} &middot; ${p.buckets} ${escapeHtml(p.bucket)} buckets &middot;
${s.sensors.length} sensors &middot; ${s.inputs.files.length} input files &middot; generated ${escapeHtml(generatedAt.toISOString())}</p>
${key}
<h2>Fleet</h2>
<div class="charts">
<figure>${all === undefined ? '' : timeChartSvg('fleet-all', all, { width: 1100, height: 300, labels, markers })}</figure>
</div>
<div class="charts">
${perSignature.map((f) => `<figure>${timeChartSvg(chartId(f, 'fleet'), f, { width: 545, height: 220, labels, markers })}</figure>`).join('\n')}
</div>
<p>The band at a bucket comes from the ${p.window} buckets before it, not from the bucket itself, so a spike does not widen its own band;
the first ${p.window} buckets of the input have no band. Empty buckets count as zero.</p>
<h2>Sensors</h2>
<p class="meta">Same axes for every sensor (0 to ${sensorMax} alerts per ${escapeHtml(p.bucket)}), all dnsae signatures together.</p>
<div class="charts">
${s.sensors.map((x) => `<figure>${timeChartSvg(chartId(x, 'sensor'), x, { width: 270, height: 160, labels, markers, yMax: sensorMax, compact: true })}</figure>`).join('\n')}
</div>
<h2>Totals</h2>
${table('totals', ['series', 'alerts', prev === null ? 'previous period' : `previous ${prev.from.slice(0, 10)} to ${prev.to.slice(0, 10)}${prev.complete ? '' : ' (partial)'}`, 'buckets flagged'], totals)}
<h2>Outside the two-sigma band</h2>
${s.flagged.length === 0 ? '<p id="flagged">No bucket outside the band.</p>' : table('flagged', ['bucket', 'series', 'alerts', 'mean', 'sd', ''], s.flagged.map((f) => [f.bucket, f.series, f.count, f.mean.toFixed(1), f.sd.toFixed(1), f.direction]))}
<h2>Top talkers</h2>
<p class="meta">Space-saving tables of ${s.top_sketch.capacity} keys: a count is at most "± error" above the true one
(evictions: sources ${s.top_sketch.evictions.sources}, destinations ${s.top_sketch.evictions.destinations}, domains ${s.top_sketch.evictions.registered_domains}).</p>
<div class="tables">
${topTable('top-sources', 'Sources', s.top.sources)}
${topTable('top-destinations', 'Destinations', s.top.destinations)}
${topTable('top-domains', 'Registered domains (tunnel stage)', s.top.registered_domains)}
</div>
<h2>Models</h2>
${s.models.length === 0 ? '<p>No alert named a model.</p>' : table('models', ['model id', 'stage', 'threshold', 'alerts', 'first', 'last'], s.models.map((m) => [m.model_id, m.stage, m.threshold ?? '-', m.alerts, m.first, m.last]))}
<h2>Inputs</h2>
${table('inputs', ['file', 'lines', 'dnsae alerts', 'other producers', 'not alerts', 'malformed'], s.inputs.files.map((f) => [f.file, f.lines, f.alerts, f.otherProducers, f.notAlert, f.malformed]))}
${s.inputs.malformed_at.length === 0 ? '' : `<p class="meta">Malformed lines (first ${s.inputs.malformed_at.length}): ${escapeHtml(s.inputs.malformed_at.join(', '))}</p>`}
</body></html>
`;
}
