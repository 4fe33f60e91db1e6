import { TCP_FIN, TCP_SYN } from '../decode/packet.js';
import type { WeirdCounters } from '../decode/weirds.js';
import { DnsTcpFramer, newStreamState, S_FIN_SEQ, S_HAS_FIN, S_NEXT, S_PENDING, S_STATE, type FramerSink, type StreamState } from './dns-tcp-framer.js';
import { SAMPLE_MIDSTREAM } from './sample.js';

/**
 * One direction of a TCP connection, put back in sequence order and fed to
 * the DNS framer. In-order segments go straight from the frame buffer to the
 * framer (no copy); only out-of-order segments are copied, into a bounded
 * per-direction buffer that also counts against a shared global cap.
 *
 * - A SYN sets the initial sequence number. Without a SYN the stream starts
 *   at the first segment that carries data and its samples carry
 *   SAMPLE_MIDSTREAM.
 * - Retransmissions and overlaps: the first copy of a byte wins; later copies
 *   are dropped and counted.
 * - Holes: when buffering a segment would exceed a cap, or when the stream
 *   ends (FIN, RST, expiry, end of input), the stream skips ahead to the next
 *   buffered byte, counts `tcp_stream_gap` and tells the framer how many
 *   bytes were lost. Bytes the capture truncated (snaplen) are a hole too.
 */
export interface TcpReassemblyContext {
  readonly weirds: WeirdCounters;
  /** Out-of-order bytes one direction may hold. */
  readonly maxStreamBytes: number;
  /** Out-of-order bytes all directions together may hold. */
  readonly maxTotalBytes: number;
  /** Out-of-order bytes held now, all directions. */
  bufferedBytes: number;
  retransmissions: number;
  overlaps: number;
  gaps: number;
  gapBytes: number;
  bufferFull: number;
  /** Segments with data after the direction was closed (FIN/RST seen). */
  afterClose: number;
  /** Whole messages up to this size are kept for the framer's sink; 0 = headers only. */
  readonly maxBodyBytes: number;
  /** Keep every message's first maxBodyBytes instead (the question stage; see DnsTcpFramer). */
  readonly bodyPrefixOnly: boolean;
}

export function newTcpReassemblyContext(
  weirds: WeirdCounters,
  maxStreamBytes: number,
  maxTotalBytes: number,
  maxBodyBytes = 0,
  bodyPrefixOnly = false,
): TcpReassemblyContext {
  return {
    weirds,
    maxStreamBytes,
    maxTotalBytes,
    maxBodyBytes,
    bodyPrefixOnly,
    bufferedBytes: 0,
    retransmissions: 0,
    overlaps: 0,
    gaps: 0,
    gapBytes: 0,
    bufferFull: 0,
    afterClose: 0,
  };
}

interface Pending {
  seq: number;
  /** Sequence space the segment covers (>= data.length when the capture truncated it). */
  len: number;
  data: Uint8Array;
}

const STATE_IDLE = 0;
const STATE_OPEN = 1;
const STATE_CLOSED = 2;

/**
 * State, next expected sequence number, FIN and the count of out-of-order
 * pieces are words of the direction's StreamState (S_*), shared with the
 * framer; the pieces themselves stay here. Sequence numbers are signed int32
 * (arithmetic `| 0`, compared only as differences).
 */
export class TcpStream<T> {
  readonly framer: DnsTcpFramer<T>;
  private readonly w: Int32Array;
  private readonly b: number;
  private pending: Pending[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly ctx: TcpReassemblyContext,
    sink: FramerSink<T>,
    tag: T,
    state: StreamState = newStreamState(),
  ) {
    this.framer = new DnsTcpFramer(sink, tag, { maxBodyBytes: ctx.maxBodyBytes, prefixOnly: ctx.bodyPrefixOnly }, state);
    this.w = state.words;
    this.b = state.base;
  }

  private get state(): number {
    return this.w[this.b + S_STATE]!;
  }

  private set state(v: number) {
    this.w[this.b + S_STATE] = v;
  }

  private get next(): number {
    return this.w[this.b + S_NEXT]!;
  }

  private set next(v: number) {
    this.w[this.b + S_NEXT] = v;
  }

  private get finSeq(): number {
    return this.w[this.b + S_FIN_SEQ]!;
  }

  private set finSeq(v: number) {
    this.w[this.b + S_FIN_SEQ] = v;
  }

  private get hasFin(): boolean {
    return this.w[this.b + S_HAS_FIN] !== 0;
  }

  private set hasFin(v: boolean) {
    this.w[this.b + S_HAS_FIN] = v ? 1 : 0;
  }

  get closed(): boolean {
    return this.state === STATE_CLOSED;
  }

  get midstream(): boolean {
    return (this.framer.streamFlags & SAMPLE_MIDSTREAM) !== 0;
  }

  /** Out-of-order bytes held by this direction. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /**
   * One segment of this direction. `captured` bytes are at bytes[off..];
   * `claimed` is the segment's payload length per the IP header.
   */
  segment(flags: number, seq: number, bytes: Uint8Array, off: number, captured: number, claimed: number): void {
    this.segmentOf(flags, seq, bytes, off, captured, claimed);
    this.w[this.b + S_PENDING] = this.pending.length;
  }

  private segmentOf(flags: number, seq: number, bytes: Uint8Array, off: number, captured: number, claimed: number): void {
    if (this.state === STATE_CLOSED) {
      if (claimed > 0) this.ctx.afterClose++;
      return;
    }
    let dataSeq = seq | 0;
    if ((flags & TCP_SYN) !== 0) {
      dataSeq = (dataSeq + 1) | 0;
      if (this.state === STATE_IDLE) {
        this.next = dataSeq;
        this.state = STATE_OPEN;
      }
    }
    if (this.state === STATE_IDLE) {
      if (claimed === 0) {
        if ((flags & TCP_FIN) !== 0) this.state = STATE_CLOSED;
        return;
      }
      this.next = dataSeq;
      this.state = STATE_OPEN;
      this.framer.streamFlags |= SAMPLE_MIDSTREAM;
    }
    if ((flags & TCP_FIN) !== 0 && !this.hasFin) {
      this.hasFin = true;
      this.finSeq = (dataSeq + claimed) | 0;
    }
    if (claimed > 0) this.data(dataSeq, bytes, off, captured < claimed ? captured : claimed, claimed);
    if (this.hasFin && this.next === this.finSeq) this.end();
  }

  /** Back to a fresh direction for reuse by a new connection; drops anything held. */
  reset(): void {
    for (const p of this.pending) this.release(p.data.length);
    this.pending.length = 0;
    this.w[this.b + S_PENDING] = 0;
    this.state = STATE_IDLE;
    this.next = 0;
    this.finSeq = 0;
    this.hasFin = false;
    this.framer.reset();
  }

  /** Ends the direction: skips every remaining hole, then flushes the framer. */
  end(): void {
    if (this.state === STATE_CLOSED) return;
    while (this.pending.length > 0) this.skipToFirstPending();
    if (this.hasFin && this.state === STATE_OPEN) {
      const rel = (this.finSeq - this.next) | 0;
      if (rel > 0) this.gap(rel);
    }
    this.state = STATE_CLOSED;
    this.w[this.b + S_PENDING] = 0;
    this.framer.end();
  }

  private data(seq: number, bytes: Uint8Array, off: number, captured: number, claimed: number): void {
    const rel = (seq - this.next) | 0;
    if (rel > 0) {
      this.store(seq, bytes, off, captured, claimed);
      return;
    }
    if (rel + claimed <= 0) {
      this.ctx.retransmissions++;
      return;
    }
    if (rel < 0) this.ctx.overlaps++;
    this.deliver(bytes, off, captured, claimed, -rel);
    this.drainPending();
  }

  /** Hands bytes [skip, claimed) of an in-order segment to the framer. */
  private deliver(bytes: Uint8Array, off: number, captured: number, claimed: number, skip: number): void {
    if (captured > skip) {
      const n = captured - skip;
      this.framer.push(bytes, off + skip, n);
      this.next = (this.next + n) | 0;
    }
    const lost = claimed - (captured > skip ? captured : skip);
    if (lost > 0) this.gap(lost);
  }

  private gap(n: number): void {
    this.ctx.weirds.inc('tcp_stream_gap');
    this.ctx.gaps++;
    this.ctx.gapBytes += n;
    this.next = (this.next + n) | 0;
    this.framer.gap(n);
  }

  private drainPending(): void {
    const pending = this.pending;
    while (pending.length > 0) {
      const p = pending[0]!;
      const rel = (p.seq - this.next) | 0;
      if (rel > 0) return;
      pending.shift();
      this.release(p.data.length);
      if (rel + p.len > 0) this.deliver(p.data, 0, p.data.length, p.len, -rel);
    }
  }

  private skipToFirstPending(): void {
    const rel = (this.pending[0]!.seq - this.next) | 0;
    if (rel > 0) this.gap(rel);
    this.drainPending();
  }

  private fits(n: number): boolean {
    return this.pendingBytes + n <= this.ctx.maxStreamBytes && this.ctx.bufferedBytes + n <= this.ctx.maxTotalBytes;
  }

  private release(n: number): void {
    this.pendingBytes -= n;
    this.ctx.bufferedBytes -= n;
  }

  private store(seq: number, bytes: Uint8Array, off: number, captured: number, claimed: number): void {
    if (!this.fits(captured)) {
      this.ctx.weirds.inc('tcp_reassembly_buffer_full');
      this.ctx.bufferFull++;
      while (this.pending.length > 0 && !this.fits(captured)) this.skipToFirstPending();
      const rel = (seq - this.next) | 0;
      if (rel <= 0) {
        this.data(seq, bytes, off, captured, claimed);
        return;
      }
      if (!this.fits(captured)) {
        // Nothing left to give back: give up on the hole before this segment.
        this.gap(rel);
        this.deliver(bytes, off, captured, claimed, 0);
        this.drainPending();
        return;
      }
    }
    this.insert(seq, bytes, off, captured, claimed);
  }

  /**
   * Inserts the parts of [seq, seq+claimed) that no buffered segment covers
   * yet (first copy wins); the buffer stays sorted and non-overlapping.
   */
  private insert(seq: number, bytes: Uint8Array, off: number, captured: number, claimed: number): void {
    const pending = this.pending;
    const base = this.next;
    const segStart = (seq - base) | 0;
    let s = segStart;
    const e = s + claimed;
    const capEnd = s + captured;
    let i = 0;
    while (s < e) {
      while (i < pending.length && ((pending[i]!.seq - base) | 0) + pending[i]!.len <= s) i++;
      const p = i < pending.length ? pending[i]! : null;
      const ps = p === null ? e : (p.seq - base) | 0;
      if (ps <= s) {
        // s lies inside p: those bytes are already held.
        this.ctx.overlaps++;
        s = ps + p!.len;
        continue;
      }
      const pieceEnd = ps < e ? ps : e;
      const dataEnd = pieceEnd < capEnd ? pieceEnd : capEnd;
      const n = dataEnd > s ? dataEnd - s : 0;
      const from = off + (s - segStart);
      const data = bytes.slice(from, from + n);
      pending.splice(i, 0, { seq: (base + s) | 0, len: pieceEnd - s, data });
      this.pendingBytes += n;
      this.ctx.bufferedBytes += n;
      i++;
      s = pieceEnd;
    }
  }
}
