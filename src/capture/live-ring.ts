import type { Frame } from './frame.js';

/**
 * Bounded FIFO of captured frames between the capture callback and the
 * pipeline. Everything is preallocated: the callback copies the addon's
 * scratch buffer into one byte ring and records offset, lengths and time in
 * typed arrays, so a burst costs no garbage. When either the frame or the
 * byte limit is reached the frame is counted as dropped: capture never
 * waits for the consumer, exactly like the kernel ring in front of it.
 *
 * Bytes are placed contiguously. A frame that does not fit before the end
 * of the byte ring starts again at offset 0 (the tail gap is wasted until
 * the reader passes it), and a wrapped writer must stay strictly behind the
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

  private readonly data: Uint8Array;
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
    if (!Number.isInteger(capacityBytes) || capacityBytes < 1) {
      throw new RangeError(`queue byte limit must be a positive integer, got ${capacityBytes}`);
    }
    this.capacityFrames = capacityFrames;
    this.capacityBytes = capacityBytes;
    this.data = new Uint8Array(capacityBytes);
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
   * Copies `src[0, len)` into the ring. Returns false (and counts a drop)
   * when it does not fit. `src` is a Buffer so that Buffer#copy can copy a
   * prefix without creating a view.
   */
  push(src: Buffer, len: number, wireLen: number, tsSec: number, tsNsec: number): boolean {
    if (this.count === this.capacityFrames) return this.refuse(len);
    let at: number;
    if (this.count === 0) {
      if (len > this.capacityBytes) return this.refuse(len);
      at = 0;
    } else {
      const byteHead = this.offsets[this.head];
      const tail = this.byteTail;
      if (tail >= byteHead) {
        if (tail + len <= this.capacityBytes) at = tail;
        else if (len < byteHead) at = 0;
        else return this.refuse(len);
      } else if (tail + len < byteHead) {
        at = tail;
      } else {
        return this.refuse(len);
      }
    }
    src.copy(this.data, at, 0, len);
    let slot = this.head + this.count;
    if (slot >= this.capacityFrames) slot -= this.capacityFrames;
    this.offsets[slot] = at;
    this.lengths[slot] = len;
    this.wireLengths[slot] = wireLen < len ? len : wireLen;
    this.secs[slot] = tsSec;
    this.nsecs[slot] = tsNsec;
    this.byteTail = at + len;
    this.count++;
    if (this.count > this.highWater) this.highWater = this.count;
    return true;
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
    const off = this.offsets[slot];
    const len = this.lengths[slot];
    frame.buf = this.data;
    frame.offset = off;
    frame.capLen = len;
    frame.origLen = this.wireLengths[slot];
    frame.tsSec = this.secs[slot];
    frame.tsNsec = this.nsecs[slot];
    this.head = slot + 1 === this.capacityFrames ? 0 : slot + 1;
    this.count--;
    if (this.count === 0) {
      this.head = 0;
      this.byteTail = 0;
    }
    return true;
  }

  private refuse(len: number): false {
    this.drops++;
    this.dropBytes += len;
    return false;
  }
}
