import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { OutputError } from '../errors.js';

/**
 * Line-oriented output with coarse batching: records are appended to a
 * string and handed to the stream in ~64 KiB pieces, because one write per
 * record costs more than formatting it. Write errors (EPIPE, ENOSPC, EBADF)
 * are kept and raised as one OutputError at the next drain/close, so the
 * caller can stop and report instead of crashing on an 'error' event.
 */
export class LineSink {
  private pending = '';
  private error: OutputError | undefined;
  private needDrain = false;
  lines = 0;

  private constructor(
    private readonly stream: Writable,
    readonly name: string,
    private readonly ownsStream: boolean,
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => this.keep(err));
  }

  private keep(err: NodeJS.ErrnoException): void {
    const why = err.code === 'EPIPE' ? 'reader closed the pipe (EPIPE)' : err.code === 'ENOSPC' ? 'no space left on device' : (err.code ?? err.message);
    this.error ??= new OutputError(`cannot write output: ${why}`, { file: this.name, cause: err });
  }

  static toStdout(): LineSink {
    return new LineSink(process.stdout, '<stdout>', false);
  }

  static toStderr(): LineSink {
    return new LineSink(process.stderr, '<stderr>', false);
  }

  /** Creates (or truncates) `path` with mode 0640: alerts can carry addresses that are not for everyone. */
  static async toFile(path: string): Promise<LineSink> {
    const stream: WriteStream = createWriteStream(path, { mode: 0o640 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err: NodeJS.ErrnoException) =>
        reject(new OutputError(`cannot open output file (${err.code ?? err.message})`, { file: path, cause: err })),
      );
    });
    return new LineSink(stream, path, true);
  }

  static toStream(stream: Writable, name: string): LineSink {
    return new LineSink(stream, name, false);
  }

  get failed(): OutputError | undefined {
    return this.error;
  }

  writeLine(line: string): void {
    this.pending += line;
    this.pending += '\n';
    this.lines++;
    if (this.pending.length >= 65536) this.flushPending();
  }

  private flushPending(): void {
    if (this.pending.length === 0 || this.error) return;
    const ok = this.stream.write(this.pending);
    this.pending = '';
    if (!ok) this.needDrain = true;
  }

  /** Applies backpressure: resolves when the stream can take more. Throws a kept write error. */
  async drain(): Promise<void> {
    this.flushPending();
    if (this.error) throw this.error;
    if (this.needDrain) {
      this.needDrain = false;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          this.stream.off('close', done);
          resolve();
        };
        this.stream.once('drain', done);
        this.stream.once('error', done);
        this.stream.once('close', done);
      });
    }
    if (this.error) throw this.error;
  }

  async close(): Promise<void> {
    this.flushPending();
    if (this.error) throw this.error;
    await new Promise<void>((resolve) => {
      if (this.ownsStream) {
        // The last write's error (ENOSPC on /dev/full) reaches end()'s callback
        // before the 'error' event: take it from there or it is lost.
        this.stream.end((err?: Error | null) => {
          if (err) this.keep(err as NodeJS.ErrnoException);
          resolve();
        });
        this.stream.once('error', () => resolve());
      } else if (this.stream.writableNeedDrain) {
        this.stream.once('drain', () => resolve());
        this.stream.once('error', () => resolve());
      } else {
        // stdout to a pipe is asynchronous: an empty write's callback fires once earlier data is handed to the OS.
        this.stream.write('', () => resolve());
      }
    });
    if (this.error) throw this.error;
  }
}
