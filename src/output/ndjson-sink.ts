import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { OutputError } from '../errors.js';

const CHUNK_BYTES = 128 * 1024;
const FLUSH_AT = 64 * 1024;

/**
 * Line-oriented output with coarse batching: records are appended to a byte
 * chunk and handed to the stream in ~64 KiB pieces, because one write per
 * record costs more than formatting it. Formatters on the hot path write
 * bytes straight into the chunk (reserve/commit) so a record costs no
 * string at all; writeLine encodes a string into the same chunk, so both
 * kinds of record keep their order. Write errors (EPIPE, ENOSPC, EBADF)
 * are kept and raised as one OutputError at the next drain/close, so the
 * caller can stop and report instead of crashing on an 'error' event.
 */
export class LineSink {
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
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
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const buf = this.reserve(line.length * 3 + 1);
    let p = this.pos;
    p += buf.write(line, p, 'utf8');
    buf[p++] = 10;
    this.commit(p);
  }

  /**
   * Room for a record of at most `maxBytes` bytes: write it into the
   * returned buffer from `position`, then call commit() with the end offset.
   */
  reserve(maxBytes: number): Buffer {
    if (this.pos + maxBytes > this.chunk.length) {
      this.flushPending();
      if (maxBytes > this.chunk.length) this.chunk = Buffer.allocUnsafe(maxBytes);
    }
    return this.chunk;
  }

  /** Where the next record starts in the buffer reserve() returned. */
  get position(): number {
    return this.pos;
  }

  /** Ends a record written after reserve(); `end` is the offset after its newline. */
  commit(end: number): void {
    this.pos = end;
    this.lines++;
    if (end >= FLUSH_AT) this.flushPending();
  }

  private flushPending(): void {
    if (this.pos === 0) return;
    if (this.error) {
      this.pos = 0;
      return;
    }
    // The stream may hold on to the bytes until the write completes: hand it
    // this chunk and start a new one rather than reuse it.
    const ok = this.stream.write(this.chunk.subarray(0, this.pos));
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
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
