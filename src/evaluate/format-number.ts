/** Number formatting shared by the text and HTML reports. */
export function fmtRate(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(4);
}

/** Losses span decades; four significant digits keep them readable. */
export function fmtLoss(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? Number(v.toPrecision(4)).toString() : v.toExponential(3);
}
