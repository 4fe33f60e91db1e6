import type { Frame } from './frame.js';

/** Bytes of a classic pcap record header (seconds, fraction, captured length, wire length). */
export const RECORD_HEADER = 16;

/**
 * Bounded FIFO of captured frames between the capture callback and the
 * pipeline. Everything is preallocated: frames are copied into one byte
 * ring and their offsets kept in typed arrays, so a burst costs no garbage.
 * When either the frame or the byte limit is reached the frame is counted
 * as dropped: capture never waits for the consumer, exactly like the kernel
 * ring in front of it.
 *
 * Each frame is held as a little-endian classic pcap record (16-byte header,
 * fraction in nanoseconds, then the captured bytes), and consecutive frames
 * sit back to back: a run of them is what the fast lane scans
 * (src/flow/fast-lane.ts), so the consumer hands it over with one copy
 * (moveRun) instead of a call per frame. The byte limit counts the headers.
 *
 * Records are placed contiguously. One that does not fit before the end of
 * the byte ring starts again at offset 0 (the tail gap is wasted until the
 * reader passes it), and a wrapped writer must stay strictly behind the
 * reader so that "writer == reader" can only mean "not wrapped".
 */
export class FrameRing {
  readonly capacityFrames: number;
  readonly capacityBytes: number;
  /** Frames refused because the ring was full. */
  drops = 0;
  /** Captured bytes of the refused frames. */
  dropBytes = 0;
  /** Largest number of frames queued at once. */
  highWater = 0;
  /** Bytes moved by the last moveRun. */
  runBytes = 0;

  private readonly data: Uint8Array;
  private readonly view: DataView;
  /** Where each queued frame's bytes start (its record header is the 16 bytes before). */
  private readonly offsets: Uint32Array;
  private readonly lengths: Uint32Array;
  private readonly wireLengths: Uint32Array;
  private readonly secs: Float64Array;
  private readonly nsecs: Uint32Array;
  private head = 0;
  private count = 0;
  private byteTail = 0;

  constructor(capacityFrames: number, capacityBytes: number) {
    if (!Number.isInteger(capacityFrames) || capacityFrames < 1) {
      throw new RangeError(`queue frame limit must be a positive integer, got ${capacityFrames}`);
    }
    if (!Number.isInteger(capacityBytes) || capacityBytes < RECORD_HEADER + 1) {
      throw new RangeError(`queue byte limit must be an integer above ${RECORD_HEADER}, got ${capacityBytes}`);
    }
    this.capacityFrames = capacityFrames;
    this.capacityBytes = capacityBytes;
    this.data = new Uint8Array(capacityBytes);
    this.view = new DataView(this.data.buffer);
    this.offsets = new Uint32Array(capacityFrames);
    this.lengths = new Uint32Array(capacityFrames);
    this.wireLengths = new Uint32Array(capacityFrames);
    this.secs = new Float64Array(capacityFrames);
    this.nsecs = new Uint32Array(capacityFrames);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Copies `src[0, len)` into the ring as one record. Returns false (and
   * counts a drop) when it does not fit. `src` is a Buffer so that
   * Buffer#copy can copy a prefix.
   */
  push(src: Buffer, len: number, wireLen: number, tsSec: number, tsNsec: number): boolean {
    const at = this.place(RECORD_HEADER + len);
    if (at < 0) return this.refuse(len);
    src.copy(this.data, at + RECORD_HEADER, 0, len);
    this.record(at, len, wireLen < len ? len : wireLen, tsSec, tsNsec, true);
    return true;
  }

  /**
   * Takes the pcap records of `src[0, bytes)` (as the patched addon's
   * record mode writes them: little-endian, nanosecond fraction, wire length
   * at least the captured length), each as push would, copying each run of
   * accepted records that stays contiguous here in one piece.
   */
  pushRecords(src: Uint8Array, srcView: DataView, bytes: number): void {
    let p = 0;
    // The pending run: src[runFrom, p) goes to data[runAt, ...).
    let runFrom = 0;
    let runAt = -1;
    while (bytes - p >= RECORD_HEADER) {
      const len = srcView.getUint32(p + 8, true);
      const size = RECORD_HEADER + len;
      if (bytes - p < size) break;
      const at = this.place(size);
      if (at < 0) {
        this.refuse(len);
      } else {
        if (runAt >= 0 && at !== runAt + (p - runFrom)) {
          this.data.set(src.subarray(runFrom, p), runAt);
          runAt = -1;
        }
        if (runAt < 0) {
          runAt = at;
          runFrom = p;
        }
        this.record(at, len, srcView.getUint32(p + 12, true), srcView.getUint32(p, true), srcView.getUint32(p + 4, true), false);
      }
      p += size;
      if (at < 0 && runAt >= 0) {
        // A refused record ends the run; it is not copied.
        this.data.set(src.subarray(runFrom, p - size), runAt);
        runAt = -1;
      }
    }
    if (runAt >= 0) this.data.set(src.subarray(runFrom, p), runAt);
  }

  /**
   * Points `frame` at the oldest queued frame and releases it. The bytes stay
   * valid until the next push, which cannot happen while the caller is still
   * inside the same synchronous drain (the addon only calls back from the
   * event loop).
   */
  shiftInto(frame: Frame): boolean {
    if (this.count === 0) return false;
    const slot = this.head;
    frame.buf = this.data;
    frame.offset = this.offsets[slot]!;
    frame.capLen = this.lengths[slot]!;
    frame.origLen = this.wireLengths[slot]!;
    frame.tsSec = this.secs[slot]!;
    frame.tsNsec = this.nsecs[slot]!;
    this.release(1);
    return true;
  }

  /**
   * Copies the records of the oldest queued frames, up to `maxFrames` of
   * them and as many as lie back to back here and fit in `dst`, to
   * `dst[0, runBytes)` and releases them. Returns how many; 0 when the
   * ring is empty or its oldest record is larger than `dst`.
   */
  moveRun(dst: Uint8Array, maxFrames: number): number {
    const n = Math.min(maxFrames, this.count);
    if (n === 0) {
      this.runBytes = 0;
      return 0;
    }
    const cap = this.capacityFrames;
    const room = dst.length;
    const start = this.offsets[this.head]! - RECORD_HEADER;
    let end = start;
    let k = 0;
    let slot = this.head;
    while (k < n) {
      const at = this.offsets[slot]! - RECORD_HEADER;
      const next = this.offsets[slot]! + this.lengths[slot]!;
      if (at !== end || next - start > room) break;
      end = next;
      k++;
      slot = slot + 1 === cap ? 0 : slot + 1;
    }
    if (k > 0) {
      dst.set(this.data.subarray(start, end));
      this.release(k);
    }
    this.runBytes = end - start;
    return k;
  }

  /** Where a record of `size` bytes goes, or -1 when it does not fit. */
  private place(size: number): number {
    if (this.count === this.capacityFrames) return -1;
    if (this.count === 0) return size > this.capacityBytes ? -1 : 0;
    const byteHead = this.offsets[this.head]! - RECORD_HEADER;
    const tail = this.byteTail;
    if (tail >= byteHead) {
      if (tail + size <= this.capacityBytes) return tail;
      return size < byteHead ? 0 : -1;
    }
    return tail + size < byteHead ? tail : -1;
  }

  /** Queues the record placed at `at`; writes its header unless it was copied with one. */
  private record(at: number, len: number, wireLen: number, tsSec: number, tsNsec: number, writeHeader: boolean): void {
    if (writeHeader) {
      const v = this.view;
      v.setUint32(at, tsSec, true);
      v.setUint32(at + 4, tsNsec, true);
      v.setUint32(at + 8, len, true);
      v.setUint32(at + 12, wireLen, true);
    }
    let slot = this.head + this.count;
    if (slot >= this.capacityFrames) slot -= this.capacityFrames;
    this.offsets[slot] = at + RECORD_HEADER;
    this.lengths[slot] = len;
    this.wireLengths[slot] = wireLen < len ? len : wireLen;
    this.secs[slot] = tsSec;
    this.nsecs[slot] = tsNsec;
    this.byteTail = at + RECORD_HEADER + len;
    this.count++;
    if (this.count > this.highWater) this.highWater = this.count;
  }

  private release(n: number): void {
    const h = this.head + n;
    this.head = h >= this.capacityFrames ? h - this.capacityFrames : h;
    this.count -= n;
    if (this.count === 0) {
      this.head = 0;
      this.byteTail = 0;
    }
  }

  private refuse(len: number): false {
    this.drops++;
    this.dropBytes += len;
    return false;
  }
}
