import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import type { Logger } from '../logger.js';

/**
 * Where progress goes: bars redrawn in place (cli-progress) when stderr is
 * a terminal, pino lines otherwise, so CI logs and files never fill with
 * carriage returns. One bar at a time: the phases of a run follow each other.
 */
export interface ProgressTarget {
  readonly tty: boolean;
  readonly log: Logger;
}

export function progressTarget(log: Logger, tty: boolean = process.stderr.isTTY === true): ProgressTarget {
  return { tty, log };
}

let bars: typeof cliProgress | undefined;

/** A bar on stderr; its last state stays on screen when stopped. */
export function startBar(format: string, total: number, payload: Record<string, unknown>): cliProgress.SingleBar {
  // Required on first use, only on a terminal: score and evaluate would
  // otherwise load it at every start-up (test/cli/startup-imports.test.ts).
  bars ??= createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
  const cp = bars;
  const bar = new cp.SingleBar(
    { stream: process.stderr, format, hideCursor: true, clearOnComplete: false, fps: 5, barsize: 30 },
    cp.Presets.shades_classic,
  );
  bar.start(total, 0, payload);
  return bar;
}

/** A phase without a measurable amount of work (calibration, writing): a line either way. */
export function note(t: ProgressTarget, text: string, fields: Record<string, unknown>, msg: string): void {
  if (t.tty) process.stderr.write(text + '\n');
  else t.log.info(fields, msg);
}

// Made on first use: building an Intl formatter loads ICU's locale data, about 10 ms of every
// start-up, and most runs never print a count.
let grouped: Intl.NumberFormat | undefined;

/** 1234567 -> "1,234,567". */
export function count(n: number): string {
  grouped ??= new Intl.NumberFormat('en-US');
  return grouped.format(n);
}

/** Bytes as MB with one decimal (10^6, as file managers show them). */
export function megabytes(n: number): string {
  return (n / 1e6).toFixed(1) + ' MB';
}
