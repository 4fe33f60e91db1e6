import { escapeHtml } from '../evaluate/html-escape.js';
import type { Series } from './summary.js';

/**
 * Counts per bucket as bars, the trailing moving average as a line, the
 * one- and two-sigma bands as shaded areas, flagged buckets as red dots
 * and model changes as dashed verticals. Plain inline SVG like evaluate's
 * charts (src/evaluate/svg-charts.ts), with the same class conventions:
 * `svg.chart`, marks classed bar, ma, band1, band2, flag, retrain.
 */
export interface TimeChartOptions {
  readonly width: number;
  readonly height: number;
  /** Shared y maximum for small multiples; default the series' own. */
  readonly yMax?: number;
  readonly labels: readonly string[];
  /** Bucket indexes where a model first appears (not the first model). */
  readonly markers: readonly number[];
  readonly compact?: boolean;
}

export const REPORT_COLORS = {
  bar: '#2b7bba',
  ma: '#222222',
  band1: '#9ecae1',
  band2: '#deebf7',
  flag: '#d62728',
  retrain: '#7b3294',
} as const;

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Top of the drawn range: the largest count or upper band, rounded up to a readable step. */
export function chartMax(s: Series): number {
  let m = 0;
  for (let t = 0; t < s.counts.length; t++) {
    m = Math.max(m, s.counts[t]!);
    const mean = s.mean[t];
    const sd = s.sd[t];
    if (mean !== null && mean !== undefined && sd !== null && sd !== undefined) m = Math.max(m, mean + 2 * sd);
  }
  return niceCeil(m);
}

export function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}

export function timeChartSvg(id: string, s: Series, o: TimeChartOptions): string {
  const M = o.compact === true ? { l: 44, r: 8, t: 20, b: 24 } : { l: 56, r: 12, t: 24, b: 40 };
  const PW = o.width - M.l - M.r;
  const PH = o.height - M.t - M.b;
  const n = s.counts.length;
  const yMax = o.yMax ?? chartMax(s);
  const bw = n === 0 ? 0 : PW / n;
  const xc = (t: number): number => M.l + (t + 0.5) * bw;
  const y = (v: number): number => M.t + PH - (Math.min(Math.max(v, 0), yMax) / yMax) * PH;
  const fs = o.compact === true ? 10 : 11;
  const p: string[] = [
    `<svg class="chart" id="${escapeHtml(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${o.width} ${o.height}" ` +
      `width="${o.width}" height="${o.height}" role="img" aria-label="${escapeHtml(s.label)}"><title>${escapeHtml(s.label)}</title>` +
      `<text x="${M.l}" y="${M.t - 8}" font-size="${fs + 1}" font-weight="600">${escapeHtml(s.label)}</text>` +
      `<rect class="frame" x="${M.l}" y="${M.t}" width="${PW}" height="${PH}" fill="none" stroke="#999"/>`,
  ];
  // Bands over each run of buckets that has one (none during warm-up).
  for (const [k, cls] of [
    [2, 'band2'],
    [1, 'band1'],
  ] as const) {
    let run: number[] = [];
    const flush = (): void => {
      if (run.length === 0) return;
      const up = run.map((t) => `${f1(xc(t))},${f1(y(s.mean[t]! + k * s.sd[t]!))}`);
      const down = run.reverse().map((t) => `${f1(xc(t))},${f1(y(s.mean[t]! - k * s.sd[t]!))}`);
      p.push(`<polygon class="${cls}" points="${[...up, ...down].join(' ')}" fill="${REPORT_COLORS[cls]}" stroke="none"/>`);
      run = [];
    };
    for (let t = 0; t < n; t++) {
      if (s.mean[t] === null) flush();
      else run.push(t);
    }
    flush();
  }
  const flagged = new Set(s.flagged);
  for (let t = 0; t < n; t++) {
    const c = s.counts[t]!;
    if (c === 0) continue;
    const top = y(c);
    p.push(
      `<rect class="bar${flagged.has(t) ? ' flagged' : ''}" x="${f1(M.l + t * bw + bw * 0.15)}" y="${f1(top)}" width="${f1(Math.max(bw * 0.7, 0.5))}" ` +
        `height="${f1(M.t + PH - top)}" fill="${flagged.has(t) ? REPORT_COLORS.flag : REPORT_COLORS.bar}" fill-opacity="0.8"><title>${escapeHtml(o.labels[t] ?? '')}: ${c}</title></rect>`,
    );
  }
  const d: string[] = [];
  let pen = false;
  for (let t = 0; t < n; t++) {
    const m = s.mean[t];
    if (m === null || m === undefined) {
      pen = false;
      continue;
    }
    d.push(`${pen ? 'L' : 'M'}${f1(xc(t))} ${f1(y(m))}`);
    pen = true;
  }
  if (d.length > 0) p.push(`<path class="ma" d="${d.join('')}" fill="none" stroke="${REPORT_COLORS.ma}" stroke-width="1.5"/>`);
  for (const t of s.flagged) {
    p.push(`<circle class="flag" cx="${f1(xc(t))}" cy="${f1(y(s.counts[t]!))}" r="${o.compact === true ? 3 : 4.5}" fill="${REPORT_COLORS.flag}" stroke="#fff"/>`);
  }
  for (const t of o.markers) {
    if (t < 0 || t >= n) continue;
    const x = f1(M.l + t * bw);
    p.push(
      `<line class="retrain" x1="${x}" y1="${M.t}" x2="${x}" y2="${M.t + PH}" stroke="${REPORT_COLORS.retrain}" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    );
    if (o.compact !== true) p.push(`<text x="${x}" y="${M.t + 11}" dx="3" font-size="10" fill="${REPORT_COLORS.retrain}">model change</text>`);
  }
  const ticks = Math.min(n, o.compact === true ? 3 : 6);
  for (let k = 0; k < ticks; k++) {
    const t = ticks === 1 ? 0 : Math.round((k * (n - 1)) / (ticks - 1));
    const x = f1(xc(t));
    // The end labels hang inwards so the frame does not clip them.
    const anchor = ticks > 1 && k === 0 ? 'start' : ticks > 1 && k === ticks - 1 ? 'end' : 'middle';
    const lx = anchor === 'start' ? f1(M.l) : anchor === 'end' ? f1(M.l + PW) : x;
    p.push(
      `<line class="tick" x1="${x}" y1="${M.t + PH}" x2="${x}" y2="${M.t + PH + 4}" stroke="#999"/>` +
        `<text x="${lx}" y="${M.t + PH + 15}" text-anchor="${anchor}" font-size="${fs - 1}">${escapeHtml(o.labels[t] ?? '')}</text>`,
    );
  }
  for (const v of [0, 0.5, 1]) {
    const py = f1(y(v * yMax));
    p.push(
      `<line class="tick" x1="${M.l - 4}" y1="${py}" x2="${M.l}" y2="${py}" stroke="#999"/>` +
        `<text x="${M.l - 6}" y="${py}" dy="3" text-anchor="end" font-size="${fs - 1}">${escapeHtml(fmtCount(v * yMax))}</text>`,
    );
  }
  if (s.total === 0) p.push(`<text x="${M.l + PW / 2}" y="${M.t + PH / 2}" text-anchor="middle" font-size="${fs}" fill="#777">no alerts</text>`);
  p.push('</svg>');
  return p.join('');
}

function fmtCount(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
