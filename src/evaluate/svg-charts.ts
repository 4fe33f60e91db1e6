import { escapeHtml } from './html-escape.js';
import type { LogHistogram } from './histogram.js';
import type { RocCurve } from './metrics.js';

/**
 * Plain inline SVG so the report opens offline with nothing to fetch. Every
 * chart is `<svg class="chart" id=...>`; marks carry classes (bar, curve,
 * point, threshold) that tests and stylesheets key on.
 */
const W = 560;
const H = 320;
const M = { l: 60, r: 16, t: 16, b: 48 };
const PW = W - M.l - M.r;
const PH = H - M.t - M.b;

export const COLORS = {
  benign: '#2b7bba',
  anomalous: '#d95f02',
  ae: '#2b7bba',
  hybrid: '#7b3294',
  rules: '#1b9e77',
  dns_decode: '#555555',
  tunnel: '#d95f02',
  model: '#2b7bba',
  baseline: '#1b9e77',
} as const;

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

function open(id: string, title: string): string {
  return (
    `<svg class="chart" id="${escapeHtml(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" ` +
    `width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>` +
    `<rect class="frame" x="${M.l}" y="${M.t}" width="${PW}" height="${PH}" fill="none" stroke="#999"/>`
  );
}

function xTick(x: number, label: string): string {
  const px = f1(M.l + x * PW);
  return (
    `<line class="tick" x1="${px}" y1="${M.t + PH}" x2="${px}" y2="${M.t + PH + 5}" stroke="#999"/>` +
    `<text x="${px}" y="${M.t + PH + 18}" text-anchor="middle" font-size="11">${escapeHtml(label)}</text>`
  );
}

function yTick(y: number, label: string): string {
  const py = f1(M.t + (1 - y) * PH);
  return (
    `<line class="tick" x1="${M.l - 5}" y1="${py}" x2="${M.l}" y2="${py}" stroke="#999"/>` +
    `<text x="${M.l - 8}" y="${py}" dy="4" text-anchor="end" font-size="11">${escapeHtml(label)}</text>`
  );
}

function axisLabels(x: string, y: string): string {
  return (
    `<text x="${M.l + PW / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(x)}</text>` +
    `<text transform="translate(14 ${M.t + PH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(y)}</text>`
  );
}

function legend(items: readonly (readonly [string, string, string])[]): string {
  return items
    .map(([cls, color, label], k) => {
      const y = M.t + 10 + k * 16;
      const x = M.l + 10;
      return (
        `<g class="legend ${escapeHtml(cls)}"><rect x="${x}" y="${y - 8}" width="10" height="10" fill="${color}"/>` +
        `<text x="${x + 16}" y="${y + 1}" font-size="11">${escapeHtml(label)}</text></g>`
      );
    })
    .join('');
}

function decadeLabel(k: number): string {
  return k === 0 ? '1' : `1e${k}`;
}

/** Names of a histogram's two classes and axis; the defaults are the header stage's. */
export interface HistogramLabels {
  readonly title: string;
  /** Class (mark class and colour key) and legend word of label 1. */
  readonly positive: 'anomalous' | 'tunnel';
  readonly x: string;
}

const HEADER_HISTOGRAM: HistogramLabels = { title: 'Loss histogram, benign vs anomalous', positive: 'anomalous', x: 'loss (log scale)' };

/** Fraction of each class per bin on a log10 loss axis, with the threshold marked. */
export function lossHistogramSvg(id: string, h: LogHistogram, threshold: number, labels: HistogramLabels = HEADER_HISTOGRAM): string {
  const span = h.log10Hi - h.log10Lo;
  const frac = (c: 0 | 1, k: number): number => (h.total[c] === 0 ? 0 : h.counts[c][k]! / h.total[c]);
  let yMax = 0;
  for (let k = 0; k < h.bins; k++) yMax = Math.max(yMax, frac(0, k), frac(1, k));
  if (yMax === 0) yMax = 1;
  const parts: string[] = [open(id, labels.title)];
  const bw = PW / h.bins;
  for (const c of [0, 1] as const) {
    const cls = c === 0 ? 'benign' : labels.positive;
    for (let k = 0; k < h.bins; k++) {
      const v = frac(c, k);
      if (v === 0) continue;
      const bh = (v / yMax) * PH;
      parts.push(
        `<rect class="bar ${cls}" x="${f1(M.l + k * bw)}" y="${f1(M.t + PH - bh)}" width="${f1(bw)}" ` +
          `height="${f1(bh)}" fill="${COLORS[cls]}" fill-opacity="0.55"/>`,
      );
    }
  }
  for (let k = Math.ceil(h.log10Lo); k <= Math.floor(h.log10Hi); k++) parts.push(xTick((k - h.log10Lo) / span, decadeLabel(k)));
  if (Math.floor(h.log10Hi) < Math.ceil(h.log10Lo)) {
    parts.push(xTick(0, (10 ** h.log10Lo).toPrecision(2)), xTick(1, (10 ** h.log10Hi).toPrecision(2)));
  }
  for (const y of [0, 0.5, 1]) parts.push(yTick(y, (y * yMax).toFixed(3)));
  if (threshold > 0 && Number.isFinite(threshold)) {
    const x = f1(M.l + ((Math.log10(threshold) - h.log10Lo) / span) * PW);
    parts.push(
      `<line class="threshold" x1="${x}" y1="${M.t}" x2="${x}" y2="${M.t + PH}" stroke="#c00" stroke-width="2" stroke-dasharray="6 3"/>` +
        `<text x="${x}" y="${M.t + 12}" dx="4" font-size="11" fill="#c00">threshold</text>`,
    );
  }
  parts.push(
    legend([
      ['benign', COLORS.benign, `benign (n=${h.total[0]})`],
      [labels.positive, COLORS[labels.positive], `${labels.positive} (n=${h.total[1]})`],
    ]),
    axisLabels(labels.x, 'fraction of class per bin'),
    '</svg>',
  );
  return parts.join('');
}

export interface RocSeries {
  readonly cls: string;
  readonly label: string;
  readonly curve: RocCurve;
}

export interface RocPointMark {
  readonly cls: string;
  readonly label: string;
  readonly fpr: number | null;
  readonly tpr: number | null;
}

export interface RocOptions {
  /** Log-scaled FPR axis from this lower bound to 1: the region a SOC lives in. */
  readonly logFprFrom?: number;
}

/** ROC curves of continuous scores plus single operating points of binary detectors. */
export function rocSvg(
  id: string,
  title: string,
  series: readonly RocSeries[],
  points: readonly RocPointMark[],
  options: RocOptions = {},
): string {
  const lo = options.logFprFrom;
  const logLo = lo === undefined ? 0 : Math.log10(lo);
  const xOf = (fpr: number): number =>
    lo === undefined ? fpr : fpr <= lo ? 0 : (Math.log10(fpr) - logLo) / -logLo;
  const parts: string[] = [open(id, title)];
  if (lo === undefined) {
    parts.push(
      `<line class="chance" x1="${M.l}" y1="${M.t + PH}" x2="${M.l + PW}" y2="${M.t}" stroke="#bbb" stroke-dasharray="4 4"/>`,
    );
    for (const v of [0, 0.25, 0.5, 0.75, 1]) parts.push(xTick(v, String(v)));
  } else {
    for (let k = Math.ceil(logLo); k <= 0; k++) parts.push(xTick(xOf(10 ** k), decadeLabel(k)));
  }
  for (const v of [0, 0.25, 0.5, 0.75, 1]) parts.push(yTick(v, String(v)));
  for (const s of series) {
    const n = s.curve.fpr.length;
    if (n === 0) continue;
    const d: string[] = [];
    let lx = Number.NaN;
    let ly = Number.NaN;
    // Millions of distinct scores become at most a few thousand vertices:
    // a vertex closer than half a pixel to the last one kept cannot be seen.
    for (let k = 0; k < n; k++) {
      const px = M.l + xOf(s.curve.fpr[k]!) * PW;
      const py = M.t + (1 - s.curve.tpr[k]!) * PH;
      if (k !== 0 && k !== n - 1 && Math.abs(px - lx) < 0.5 && Math.abs(py - ly) < 0.5) continue;
      d.push(`${d.length === 0 ? 'M' : 'L'}${f1(px)} ${f1(py)}`);
      lx = px;
      ly = py;
    }
    parts.push(
      `<path class="curve ${escapeHtml(s.cls)}" d="${d.join('')}" fill="none" stroke="${colorOf(s.cls)}" stroke-width="2"/>`,
    );
  }
  for (const p of points) {
    if (p.fpr === null || p.tpr === null) continue;
    parts.push(
      `<circle class="point ${escapeHtml(p.cls)}" cx="${f1(M.l + xOf(p.fpr) * PW)}" cy="${f1(M.t + (1 - p.tpr) * PH)}" ` +
        `r="5" fill="${colorOf(p.cls)}" stroke="#fff"/>`,
    );
  }
  const items = [...series, ...points].map((s) => [s.cls, colorOf(s.cls), s.label] as const);
  parts.push(
    legendBottomRight(items),
    axisLabels(lo === undefined ? 'false-positive rate' : 'false-positive rate (log scale)', 'true-positive rate'),
    '</svg>',
  );
  return parts.join('');
}

function colorOf(cls: string): string {
  const key = cls.split(' ')[0] as keyof typeof COLORS;
  return COLORS[key] ?? '#000';
}

function legendBottomRight(items: readonly (readonly [string, string, string])[]): string {
  return items
    .map(([cls, color, label], k) => {
      const y = M.t + PH - 12 - (items.length - 1 - k) * 16;
      const x = M.l + PW - 200;
      return (
        `<g class="legend ${escapeHtml(cls)}"><rect x="${x}" y="${y - 8}" width="10" height="10" fill="${color}"/>` +
        `<text x="${x + 16}" y="${y + 1}" font-size="11">${escapeHtml(label)}</text></g>`
      );
    })
    .join('');
}

/** Grouped bars: mean error per header byte, benign next to anomalous. */
export function perByteSvg(
  id: string,
  byteLabels: readonly string[],
  benign: readonly (number | null)[],
  anomalous: readonly (number | null)[],
): string {
  let yMax = 0;
  for (const v of [...benign, ...anomalous]) if (v !== null && Number.isFinite(v)) yMax = Math.max(yMax, v);
  if (yMax === 0) yMax = 1;
  const parts: string[] = [open(id, 'Mean reconstruction error per header byte')];
  const group = PW / byteLabels.length;
  const bw = group * 0.36;
  byteLabels.forEach((label, k) => {
    for (const [c, vals] of [
      ['benign', benign],
      ['anomalous', anomalous],
    ] as const) {
      const v = vals[k];
      if (v === null || v === undefined || !Number.isFinite(v) || v <= 0) continue;
      const bh = (v / yMax) * PH;
      const x = M.l + k * group + group * 0.14 + (c === 'benign' ? 0 : bw);
      parts.push(
        `<rect class="bar ${c}" x="${f1(x)}" y="${f1(M.t + PH - bh)}" width="${f1(bw)}" height="${f1(bh)}" fill="${COLORS[c]}"/>`,
      );
    }
    parts.push(xTick((k + 0.5) / byteLabels.length, label));
  });
  for (const y of [0, 0.5, 1]) parts.push(yTick(y, (y * yMax).toPrecision(3)));
  parts.push(
    legend([
      ['benign', COLORS.benign, 'benign'],
      ['anomalous', COLORS.anomalous, 'anomalous'],
    ]),
    axisLabels('header byte', 'mean reconstruction error'),
    '</svg>',
  );
  return parts.join('');
}

/**
 * Horizontal grouped bars, one row per feature (too many, with names too
 * long, for ticks under vertical bars): mean error of benign next to tunnel
 * windows, on a linear axis from 0.
 */
export function perFeatureSvg(
  id: string,
  features: readonly string[],
  benign: readonly (number | null)[],
  tunnel: readonly (number | null)[],
): string {
  const rowH = 14;
  const left = 170;
  const top = 28;
  const width = W;
  const plotW = width - left - M.r;
  const height = top + features.length * rowH + 36;
  let xMax = 0;
  for (const v of [...benign, ...tunnel]) if (v !== null && Number.isFinite(v)) xMax = Math.max(xMax, v);
  if (xMax === 0) xMax = 1;
  const title = 'Mean reconstruction error per feature, benign vs tunnel windows';
  const parts: string[] = [
    `<svg class="chart" id="${escapeHtml(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" ` +
      `width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>` +
      `<rect class="frame" x="${left}" y="${top}" width="${plotW}" height="${features.length * rowH}" fill="none" stroke="#999"/>`,
  ];
  features.forEach((name, k) => {
    const y = top + k * rowH;
    parts.push(`<text x="${left - 6}" y="${f1(y + rowH - 3)}" text-anchor="end" font-size="10">${escapeHtml(name)}</text>`);
    for (const [c, vals, dy] of [
      ['benign', benign, 1],
      ['tunnel', tunnel, rowH / 2],
    ] as const) {
      const v = vals[k];
      if (v === null || v === undefined || !Number.isFinite(v) || v <= 0) continue;
      parts.push(
        `<rect class="bar ${c}" x="${left}" y="${f1(y + dy)}" width="${f1((v / xMax) * plotW)}" height="${f1(rowH / 2 - 1)}" fill="${COLORS[c]}"/>`,
      );
    }
  });
  const axisY = top + features.length * rowH;
  for (const x of [0, 0.5, 1]) {
    const px = f1(left + x * plotW);
    parts.push(
      `<line class="tick" x1="${px}" y1="${axisY}" x2="${px}" y2="${axisY + 5}" stroke="#999"/>` +
        `<text x="${px}" y="${axisY + 18}" text-anchor="middle" font-size="11">${escapeHtml((x * xMax).toPrecision(3))}</text>`,
    );
  }
  parts.push(
    `<g class="legend benign"><rect x="${left}" y="8" width="10" height="10" fill="${COLORS.benign}"/><text x="${left + 16}" y="17" font-size="11">benign</text></g>`,
    `<g class="legend tunnel"><rect x="${left + 90}" y="8" width="10" height="10" fill="${COLORS.tunnel}"/><text x="${left + 106}" y="17" font-size="11">tunnel</text></g>`,
    `<text x="${left + plotW / 2}" y="${height - 4}" text-anchor="middle" font-size="12">mean squared error</text>`,
    '</svg>',
  );
  return parts.join('');
}
