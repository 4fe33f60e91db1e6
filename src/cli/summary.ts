import type { Command } from 'commander';
import type { Logger } from '../logger.js';
import { oneOf } from './run-action.js';

export type SummaryMode = 'auto' | 'human' | 'json';

/**
 * The closing summary of train, score and evaluate: a few lines for a
 * person when stderr is a terminal, the one-line JSON log record otherwise
 * (scripts, tests and log shippers parse it, so its shape does not change).
 */
export function addSummaryOption(cmd: Command): Command {
  return cmd.option(
    '--summary <form>',
    'closing summary: human (a few lines), json (one JSON log line, as in logs and pipes) or auto (human when stderr is a terminal)',
    oneOf('--summary', ['auto', 'human', 'json'] as const),
    'auto',
  );
}

export function wantsHuman(mode: SummaryMode | undefined, tty: boolean = process.stderr.isTTY === true): boolean {
  return mode === 'human' || ((mode ?? 'auto') === 'auto' && tty);
}

/** Writes the summary: `lines` for a person, or the JSON record as before. */
export function writeSummary(mode: SummaryMode | undefined, log: Logger, record: Record<string, unknown>, msg: string, lines: () => readonly string[]): void {
  if (wantsHuman(mode)) process.stderr.write(lines().join('\n') + '\n');
  else log.info(record, msg);
}

/** "label  text" rows with the labels padded to one width. */
export function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
}
