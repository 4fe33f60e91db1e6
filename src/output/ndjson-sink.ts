import { createWriteStream, WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { getSystemErrorMap } from 'node:util';
import { OutputError } from '../errors.js';

const CHUNK_BYTES = 128 * 1024;
const FLUSH_AT = 64 * 1024;
/** Written chunks kept for reuse: more than the stream holds at once when it keeps up. */
const SPARE_CHUNKS = 8;

/**
 * Line-oriented output with coarse batching: records are appended to a byte
 * chunk and handed to the stream in ~64 KiB pieces, because one write per
 * record costs more than formatting it. Formatters on the hot path write
 * bytes straight into the chunk (reserve/commit) so a record costs no
 * string at all; writeLine encodes a string into the same chunk, so both
 * kinds of record keep their order. Write errors (EPIPE, ENOSPC, EBADF)
 * are kept and raised as one OutputError at the next drain/close, so the
 * caller can stop and report instead of crashing on an 'error' event.
 *
 * A file sink can be reopened at its path (log rotation): records go whole
 * to the old or to the new file, because the chunk only ever holds whole
 * records and is handed to one stream or the other.
 */
export class LineSink {
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Chunks whose write has completed, to be filled again (see flushPending). */
  private readonly spare: Buffer[] = [];
  private pos = 0;
  private error: OutputError | undefined;
  private needDrain = false;
  private reopening: Promise<void> | undefined;
  lines = 0;
  /** Successful reopen() calls. */
  reopens = 0;
  /** reopen() calls that could not open the path; writing went on to the old file. */
  reopenFailures = 0;

  private constructor(
    private stream: Writable,
    readonly name: string,
    private readonly ownsStream: boolean,
    /** The path a file sink was opened at; only such a sink can be reopened. */
    private readonly path?: string,
  ) {
    this.watch(stream);
  }

  private watch(stream: Writable): void {
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

  /**
   * Opens `path`, created with mode 0640 (alerts can carry addresses that are
   * not for everyone): truncated, or with `append` kept and written after,
   * as a sensor's log is (a restart must not wipe the alerts it wrote).
   */
  static async toFile(path: string, append = false): Promise<LineSink> {
    const stream = await openFile(path, append ? 'a' : 'w', (err) => `cannot open output file (${err.code ?? err.message})`);
    return new LineSink(stream, path, true, path);
  }

  /**
   * A sink whose bytes are appended to `chunks` as it hands them over (at
   * flush(), drain() or 64 KiB), for a caller that moves them on itself.
   */
  static toChunks(chunks: Buffer[], name: string): LineSink {
    return LineSink.toStream(
      new Writable({
        highWaterMark: 1 << 30,
        write(chunk: Buffer, _enc, done) {
          chunks.push(chunk);
          done();
        },
      }),
      name,
    );
  }

  static toStream(stream: Writable, name: string): LineSink {
    return new LineSink(stream, name, false);
  }

  get failed(): OutputError | undefined {
    return this.error;
  }

  /** Whether reopen() applies: a file opened by path, not stdout or a stream. */
  get reopenable(): boolean {
    return this.path !== undefined;
  }

  /**
   * Opens the path again (append, created with mode 0640 if missing) and
   * writes every later record there, so a rotated file (renamed away) is
   * let go. Records committed before the new file is open go to the old
   * one, which is flushed and closed before this resolves. If the path
   * cannot be opened, throws an OutputError and keeps writing to the old
   * file. A call while another runs joins it.
   */
  reopen(): Promise<void> {
    this.reopening ??= this.swapStream().finally(() => (this.reopening = undefined));
    return this.reopening;
  }

  private async swapStream(): Promise<void> {
    const path = this.path;
    if (path === undefined) throw new Error(`${this.name} is not a file and cannot be reopened`);
    // What was buffered belongs to the file being rotated: hand it over before the new one can take anything.
    this.flushPending();
    let next: WriteStream;
    try {
      next = await openFile(path, 'a', (err) => `cannot reopen output file (${reason(err)})`);
    } catch (err) {
      this.reopenFailures++;
      throw err;
    }
    // Records committed while the open ran are still in the chunk: they go with the old file too.
    this.flushPending();
    const old = this.stream;
    this.stream = next;
    this.watch(next);
    // A drain pending on the old stream must not make the next drain() wait on the new one, which may never emit.
    this.needDrain = false;
    this.reopens++;
    // end() writes what the old stream still holds to the old descriptor, then closes it; a write error there is kept.
    await new Promise<void>((resolve) => {
      old.end((err?: Error | null) => {
        if (err) this.keep(err as NodeJS.ErrnoException);
        resolve();
      });
    });
  }

  writeLine(line: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const buf = this.reserve(line.length * 3 + 1);
    let p = this.pos;
    p += buf.write(line, p, 'utf8');
    buf[p++] = 10;
    this.commit(p);
  }

  /** Whole records formatted elsewhere (a job worker's), `lines` of them, newlines included, kept in order with the rest. */
  writeRecords(bytes: Uint8Array, lines: number): void {
    const buf = this.reserve(bytes.length);
    buf.set(bytes, this.pos);
    this.pos += bytes.length;
    this.lines += lines;
    if (this.pos >= FLUSH_AT) this.flushPending();
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
    // The stream holds on to the bytes until the write completes: it gets
    // this chunk and the next records go to another. A chunk comes back for
    // reuse once its write callback has run, but only from streams that are
    // done with the bytes then (a file or stdout); a new 128 KiB chunk per
    // flush was external memory that made the collector run more often.
    const chunk = this.chunk;
    const stream = this.stream;
    const ok = recycles(stream)
      ? stream.write(chunk.subarray(0, this.pos), () => {
          if (this.spare.length < SPARE_CHUNKS && chunk.length === CHUNK_BYTES) this.spare.push(chunk);
        })
      : stream.write(chunk.subarray(0, this.pos));
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    if (!ok) this.needDrain = true;
  }

  /** Hands what is buffered to the stream now, without waiting for it (a collecting stream takes it at once). */
  flush(): void {
    this.flushPending();
  }

  /** Applies backpressure: resolves when the stream can take more. Throws a kept write error. */
  async drain(): Promise<void> {
    this.flushPending();
    if (this.error) throw this.error;
    // The stream may have drained since the write that filled it (records written between drains, as
    // the stage split's are): wait only while it still needs to, or its 'drain' has come and gone.
    if (this.needDrain) {
      this.needDrain = false;
      if (this.stream.writableNeedDrain) await new Promise<void>((resolve) => {
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
    // A reopen that is still opening its file would otherwise swap in a stream nobody closes.
    await this.reopening?.catch(() => undefined);
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

/**
 * Whether the stream is done with a chunk when its write callback runs: a
 * file stream or a process stream hands the bytes to the OS by then; a
 * PassThrough, say, calls back while the chunk still waits to be read.
 */
function recycles(stream: Writable): boolean {
  return stream instanceof WriteStream || stream === process.stdout || stream === process.stderr;
}

function openFile(path: string, flags: 'w' | 'a', message: (err: NodeJS.ErrnoException) => string): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags, mode: 0o640 });
  return new Promise<WriteStream>((resolve, reject) => {
    stream.once('open', () => resolve(stream));
    stream.once('error', (err: NodeJS.ErrnoException) => reject(new OutputError(message(err), { file: path, cause: err })));
  });
}

/** "EACCES, permission denied": the code to search for and the words to read. */
function reason(err: NodeJS.ErrnoException): string {
  const text = err.errno === undefined ? undefined : getSystemErrorMap().get(err.errno)?.[1];
  return err.code === undefined ? err.message : text === undefined ? err.code : `${err.code}, ${text}`;
}
