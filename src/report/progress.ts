import cliProgress from 'cli-progress';

/**
 * Bytes read over the inputs' total size, redrawn in place on a terminal;
 * nothing at all when stderr is not a TTY (logs and CI output stay clean).
 * Standard input has no size: the bar then counts lines only.
 */
export interface ReadProgress {
  bytes(n: number): void;
  lines(n: number): void;
  stop(): void;
}

const NONE: ReadProgress = { bytes: () => {}, lines: () => {}, stop: () => {} };

export function readProgress(totalBytes: number | undefined, tty = process.stderr.isTTY === true): ReadProgress {
  if (!tty) return NONE;
  const sized = totalBytes !== undefined && totalBytes > 0;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: sized ? 'report [{bar}] {percentage}% | {lines} lines' : 'report {lines} lines',
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(sized ? totalBytes : 1, 0, { lines: 0 });
  let done = 0;
  let lineCount = 0;
  return {
    bytes(n) {
      done += n;
    },
    lines(n) {
      lineCount = n;
      // cli-progress throttles redraws itself; this only updates its numbers.
      bar.update(sized ? Math.min(done, totalBytes) : 0, { lines: lineCount });
    },
    stop() {
      bar.stop();
    },
  };
}
