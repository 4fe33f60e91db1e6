import type { ReportSummary } from './summary.js';

/** Stable key order (the summary's own), two-space indent, trailing newline. */
export function formatJsonSummary(s: ReportSummary): string {
  return `${JSON.stringify({ report: 'dnsae-alert-trends', version: 1, ...s }, null, 2)}\n`;
}
