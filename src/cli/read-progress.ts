import { statSync } from 'node:fs';
import type cliProgress from 'cli-progress';
import type { PacketSource } from '../capture/frame.js';
import type { SourceObserver } from '../pipeline.js';
import { count, megabytes, startBar, type ProgressTarget } from './progress.js';

/** score and evaluate show a bar for inputs of at least this size: smaller ones are read in well under a second. */
export const BIG_INPUT_BYTES = 8 << 20;
/** How often the reading display is refreshed from the source's counters. */
const POLL_MS = 250;
/** Without a terminal: one pino line per file at least this far apart while it is read. */
const LOG_EVERY_MS = 10_000;
/** Classic pcap record header; added per packet to estimate how far into the file the reader is. */
const RECORD_HEADER = 16;

/**
 * Reading progress per input: packets and bytes from the source's own
 * counters, polled on a timer between chunks (nothing on the per-packet
 * path). The bar's fraction is an estimate (captured bytes plus record
 * headers over the file size); the numbers beside it are exact.
 */
export class ReadProgress implements SourceObserver {
  private timer: NodeJS.Timeout | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private started = 0;
  private lastLog = 0;
  private size = 0;
  packets = 0;
  bytes = 0;

  /**
   * `terminalOnly` (score, evaluate): nothing without a terminal, so their
   * logs stay as they are, and on a terminal a bar only for inputs of at
   * least `minBytes` (or of unknown size) that take long enough to watch.
   */
  constructor(
    private readonly t: ProgressTarget,
    private readonly o: { terminalOnly?: boolean; minBytes?: number } = {},
  ) {}

  opened(source: PacketSource, index: number, path: string): void {
    this.started = performance.now();
    this.lastLog = this.started;
    this.size = 0;
    try {
      // For the display only: a pipe has no size.
      const st = statSync(path);
      if (st.isFile()) this.size = st.size;
    } catch {
      this.size = 0;
    }
    const name = path === '-' ? '<stdin>' : path;
    if (this.o.terminalOnly === true && (!this.t.tty || (this.size > 0 && this.size < (this.o.minBytes ?? 0)))) return;
    if (this.t.tty) {
      this.bar = startBar(`reading ${name} [{bar}] {percentage}% | {packets} packets | {mb}`, this.size > 0 ? this.size : 1, { packets: '0', mb: megabytes(0) });
    } else {
      this.t.log.info({ file: name, index }, 'reading capture');
    }
    this.timer = setInterval(() => this.tick(source, name), POLL_MS);
    this.timer.unref();
  }

  private tick(source: PacketSource, name: string): void {
    const { frames, bytes } = source.stats;
    if (this.bar !== undefined) {
      const at = this.size > 0 ? Math.min(this.size, bytes + frames * RECORD_HEADER) : 0;
      this.bar.update(at, { packets: count(frames), mb: megabytes(bytes) + (this.size > 0 ? ` of ${megabytes(this.size)}` : '') });
      return;
    }
    const now = performance.now();
    if (now - this.lastLog >= LOG_EVERY_MS) {
      this.lastLog = now;
      this.t.log.info({ file: name, packets: frames, bytes }, 'reading capture');
    }
  }

  closed(source: PacketSource, _index: number): void {
    const { frames, bytes } = source.stats;
    this.packets += frames;
    this.bytes += bytes;
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    const seconds = Math.round(performance.now() - this.started) / 1000;
    if (this.bar !== undefined) {
      this.bar.setTotal(1);
      this.bar.update(1, { packets: count(frames), mb: megabytes(bytes) + ` in ${seconds} s` });
      this.bar.stop();
      this.bar = undefined;
    } else {
      this.t.log.info({ file: source.name, packets: frames, bytes, seconds }, 'capture read');
    }
  }
}
