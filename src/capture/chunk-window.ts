import { fromFsError } from '../errors.js';
import type { ByteInput } from './byte-input.js';

export const DEFAULT_CHUNK_SIZE = 1 << 20;

/**
 * A sliding window over the input: one growable buffer that holds the unread
 * bytes `buf[start, end)`. Records are parsed in place; only the tail of a
 * record split across reads is moved to the front before the next read, so
 * memory stays at about one chunk plus the largest record whatever the file
 * size, and no per-record buffers are created.
 */
export class ChunkWindow {
  buf: Uint8Array;
  /** Recreated only when `buf` grows, never per record. */
  view: DataView;
  start = 0;
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  eof = false;

  private readonly input: ByteInput;
  private readonly chunkSize: number;
  private readonly name: string;

  constructor(name: string, input: ByteInput, chunkSize: number = DEFAULT_CHUNK_SIZE) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size must be a positive integer, got ${chunkSize}`);
    this.name = name;
    this.input = input;
    this.chunkSize = chunkSize;
    // Room for one chunk plus a typical carried-over record tail.
    this.buf = new Uint8Array(chunkSize + 65536);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get available(): number {
    return this.end - this.start;
  }

  /**
   * Reads into `buf` from now on instead of the window's own buffer (the
   * fast lane's memory). Only before the first read, and `buf` at least as
   * large as the window's buffer.
   */
  adopt(buf: Uint8Array): void {
    if (this.end !== 0 || this.base !== 0 || buf.length < this.buf.length) throw new RangeError('a window adopts a buffer only before its first read, and no smaller one');
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** File offset of `buf[pos]`. */
  offsetOf(pos: number): number {
    return this.base + pos;
  }

  /**
   * Reads until at least `need` unread bytes are buffered or the input ends.
   * Each read asks for at most one chunk, so a small chunk size really splits
   * records (the tests rely on that).
   */
  async fill(need: number): Promise<void> {
    if (this.available >= need || this.eof) return;
    this.compact(need);
    while (this.available < need) {
      const room = Math.min(this.chunkSize, this.buf.length - this.end);
      let n: number;
      try {
        n = await this.input.read(this.buf, this.end, room);
      } catch (err) {
        throw fromFsError(err, this.name);
      }
      if (n === 0) {
        this.eof = true;
        return;
      }
      this.end += n;
    }
  }

  close(): Promise<void> {
    return this.input.close();
  }

  private compact(need: number): void {
    const avail = this.available;
    if (need > this.buf.length) {
      // Grows only for a record larger than anything seen so far; the record
      // size is capped by the readers, so this is bounded too.
      const grown = new Uint8Array(need + this.chunkSize);
      grown.set(this.buf.subarray(this.start, this.end));
      this.buf = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    } else if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.base += this.start;
    this.start = 0;
    this.end = avail;
  }
}
