import { HEAD_BYTES, SAMPLE_GAP, SAMPLE_UNFRAMED } from './sample.js';

/**
 * DNS-over-TCP framing (RFC 1035 4.2.2 / RFC 7766) as a streaming state
 * machine over in-order bytes of one direction. Per message it keeps only
 * the 2-byte length prefix and the first HEAD_BYTES of the message; the rest
 * is skipped by counting, so memory per direction is constant whatever the
 * peer sends (a 65535-byte message or a stream that never completes its
 * prefix).
 *
 * A message that the stream's end cuts short is emitted with
 * SAMPLE_UNFRAMED; its header bytes are the first bytes after the 2-byte
 * prefix (the same positions as for a framed message, so a real DNS message
 * cut short still shows its real header) and its payloadLength is the number
 * of stream bytes that followed the prefix.
 *
 * Whole messages are kept only when the framer is built with a body limit
 * (the evaluation's payload tap): then each message of at most that many
 * bytes is copied into a per-direction buffer that grows to the largest
 * such message seen. With `prefixOnly` (the question stage) every message
 * keeps its first bytes up to the limit instead, so the buffer never grows
 * past it. Without a limit the body branch is never taken.
 */
export interface FramerSink<T> {
  /**
   * `body` is null when bodies are not kept. Otherwise `body[0..bodyLen)`
   * holds the message bytes seen (all of them for a framed message, those
   * before the stream's end for an unframed one), or `bodyLen` is
   * BODY_UNAVAILABLE when the message was over the limit or lost bytes in a
   * gap. `head` and `body` are valid during the call only.
   */
  message(tag: T, head: Uint8Array, headLen: number, payloadLength: number, flags: number, body: Uint8Array | null, bodyLen: number): void;
}

export interface FramerBodyOptions {
  /** Bytes of a message kept at most; 0 keeps none (headers only). */
  readonly maxBodyBytes: number;
  /** Keep the first maxBodyBytes of every message, not only whole messages of at most that size. */
  readonly prefixOnly: boolean;
}

/** bodyLen of a message whose bytes were not kept (over the limit, or a gap). */
export const BODY_UNAVAILABLE = -1;

/** Smallest body buffer allocated; most DNS messages fit without growing. */
const BODY_MIN_ALLOC = 1024;

const PHASE_PREFIX_HI = 0;
const PHASE_PREFIX_LO = 1;
const PHASE_BODY = 2;

/**
 * A stream direction's state as Int32 words (the framer's and the TCP
 * stream's, STREAM_WORDS from `base`), with the message's first HEAD_BYTES at
 * word STREAM_HEAD. In memory of its own, or in the fast lane's, whose
 * module (wasm/fast-lane.ts) carries in-order DNS-over-TCP segments on with
 * the same words.
 */
export interface StreamState {
  readonly words: Int32Array;
  readonly base: number;
}

export const STREAM_WORDS = 20;
// TcpStream's words.
export const S_STATE = 0;
export const S_NEXT = 1;
export const S_FIN_SEQ = 2;
export const S_HAS_FIN = 3;
/** Out-of-order pieces held (TcpStream.pending.length). */
export const S_PENDING = 4;
// The framer's words.
export const S_PHASE = 5;
export const S_PREFIX_HI = 6;
export const S_MSG_LEN = 7;
/** Bytes of the current message passed so far (delivered or lost in a gap). */
export const S_POS = 8;
/** 0 once a gap hit the header region: later bytes are not at known offsets. */
export const S_HEAD_OPEN = 9;
export const S_HEAD_LEN = 10;
export const S_MSG_FLAGS = 11;
/** Flags the next message inherits (framing had to be guessed after a gap). */
export const S_CARRY_FLAGS = 12;
/** Flags added to every message (e.g. SAMPLE_MIDSTREAM). */
export const S_STREAM_FLAGS = 13;
export const S_MESSAGES = 14;
/** First of the three words that hold the HEAD_BYTES. */
export const S_HEAD = 16;

export function newStreamState(): StreamState {
  return { words: new Int32Array(STREAM_WORDS), base: 0 };
}

export class DnsTcpFramer<T> {
  /** First bytes of the current message; valid during `message()` only. */
  readonly head: Uint8Array;
  private readonly w: Int32Array;
  private readonly b: number;
  /** Message bytes kept so far, when bodies are kept; allocated on first use. */
  private body: Uint8Array | null = null;
  private bodyLen = 0;
  /** The current message is being copied into `body`. */
  private bodyKeep = false;

  /**
   * `maxBodyBytes` > 0 keeps whole messages of up to that many bytes for
   * the sink; 0 (the default) keeps only the header.
   */
  private readonly maxBodyBytes: number;
  private readonly prefixOnly: boolean;

  constructor(
    private readonly sink: FramerSink<T>,
    readonly tag: T,
    bodyOptions: number | FramerBodyOptions = 0,
    state: StreamState = newStreamState(),
  ) {
    const bo = typeof bodyOptions === 'number' ? { maxBodyBytes: bodyOptions, prefixOnly: false } : bodyOptions;
    this.maxBodyBytes = bo.maxBodyBytes;
    this.prefixOnly = bo.prefixOnly;
    this.w = state.words;
    this.b = state.base;
    const w = state.words;
    this.head = new Uint8Array(w.buffer, w.byteOffset + (state.base + S_HEAD) * 4, HEAD_BYTES);
    w[this.b + S_HEAD_OPEN] = 1;
  }

  get headLen(): number {
    return this.w[this.b + S_HEAD_LEN]!;
  }

  /** Flags added to every message (e.g. SAMPLE_MIDSTREAM). */
  get streamFlags(): number {
    return this.w[this.b + S_STREAM_FLAGS]!;
  }

  set streamFlags(f: number) {
    this.w[this.b + S_STREAM_FLAGS] = f;
  }

  /** Messages emitted so far. */
  get messages(): number {
    return this.w[this.b + S_MESSAGES]!;
  }

  /** True while a message has started (any prefix byte seen) but not been emitted. */
  get inMessage(): boolean {
    return this.w[this.b + S_PHASE] !== PHASE_PREFIX_HI;
  }

  push(bytes: Uint8Array, off: number, len: number): void {
    const w = this.w;
    const b = this.b;
    let i = off;
    const end = off + len;
    while (i < end) {
      const phase = w[b + S_PHASE];
      if (phase === PHASE_PREFIX_HI) {
        w[b + S_PREFIX_HI] = bytes[i++]!;
        w[b + S_PHASE] = PHASE_PREFIX_LO;
        w[b + S_MSG_FLAGS] = w[b + S_CARRY_FLAGS]!;
        w[b + S_CARRY_FLAGS] = 0;
      } else if (phase === PHASE_PREFIX_LO) {
        const msgLen = (w[b + S_PREFIX_HI]! << 8) | bytes[i++]!;
        w[b + S_MSG_LEN] = msgLen;
        w[b + S_PHASE] = PHASE_BODY;
        w[b + S_POS] = 0;
        w[b + S_HEAD_LEN] = 0;
        w[b + S_HEAD_OPEN] = 1;
        if (this.maxBodyBytes > 0) this.startBody(msgLen);
        if (msgLen === 0) this.emit(0, 0);
      } else {
        const msgLen = w[b + S_MSG_LEN]!;
        const pos = w[b + S_POS]!;
        let n = msgLen - pos;
        if (end - i < n) n = end - i;
        const headLen = w[b + S_HEAD_LEN]!;
        if (w[b + S_HEAD_OPEN] !== 0 && headLen < HEAD_BYTES) {
          let h = HEAD_BYTES - headLen;
          if (n < h) h = n;
          const head = this.head;
          for (let k = 0; k < h; k++) head[headLen + k] = bytes[i + k]!;
          w[b + S_HEAD_LEN] = headLen + h;
        }
        if (this.bodyKeep) {
          const body = this.body!;
          const base = this.bodyLen;
          let c = body.length - base;
          if (n < c) c = n;
          for (let k = 0; k < c; k++) body[base + k] = bytes[i + k]!;
          this.bodyLen = base + c;
        }
        w[b + S_POS] = pos + n;
        i += n;
        if (pos + n === msgLen) this.emit(msgLen, 0);
      }
    }
  }

  /**
   * `n` bytes of the stream are lost. Inside a message whose end lies beyond
   * the gap the framing survives (the rest is only counted); if the message's
   * end falls inside the gap the message is emitted with its known length,
   * and when the gap goes past a message boundary the framing is lost: the
   * next byte after the gap is taken as the start of a new length prefix,
   * the best guess since segments usually begin at message boundaries.
   * Messages touched by a gap, and the first one after a guess, carry SAMPLE_GAP.
   */
  gap(n: number): void {
    if (n <= 0) return;
    const w = this.w;
    const b = this.b;
    const phase = w[b + S_PHASE];
    if (phase === PHASE_BODY) {
      const msgLen = w[b + S_MSG_LEN]!;
      const left = msgLen - w[b + S_POS]!;
      w[b + S_MSG_FLAGS] = w[b + S_MSG_FLAGS]! | SAMPLE_GAP;
      this.bodyKeep = false;
      if (n < left) {
        w[b + S_POS] = w[b + S_POS]! + n;
        w[b + S_HEAD_OPEN] = 0;
        return;
      }
      w[b + S_POS] = msgLen;
      this.emit(msgLen, 0);
      if (n === left) return;
    } else if (phase === PHASE_PREFIX_LO) {
      w[b + S_MSG_FLAGS] = w[b + S_MSG_FLAGS]! | SAMPLE_GAP;
      this.emit(0, SAMPLE_UNFRAMED);
    }
    w[b + S_CARRY_FLAGS] = SAMPLE_GAP;
  }

  /** Back to a fresh stream, for reuse by a new connection (emits nothing). */
  reset(): void {
    const w = this.w;
    const b = this.b;
    w[b + S_PHASE] = PHASE_PREFIX_HI;
    w[b + S_HEAD_LEN] = 0;
    w[b + S_STREAM_FLAGS] = 0;
    w[b + S_MESSAGES] = 0;
    w[b + S_MSG_FLAGS] = 0;
    w[b + S_CARRY_FLAGS] = 0;
    this.bodyKeep = false;
  }

  /** Stream end (FIN, RST, expiry, end of input): emits a message cut short. */
  end(): void {
    const w = this.w;
    const b = this.b;
    const phase = w[b + S_PHASE];
    if (phase === PHASE_PREFIX_LO) this.emit(0, SAMPLE_UNFRAMED);
    else if (phase === PHASE_BODY) this.emit(w[b + S_POS]!, SAMPLE_UNFRAMED);
    w[b + S_CARRY_FLAGS] = 0;
  }

  private emit(payloadLength: number, flags: number): void {
    const w = this.w;
    const b = this.b;
    const inBody = w[b + S_PHASE] === PHASE_BODY;
    const headLen = inBody ? w[b + S_HEAD_LEN]! : 0;
    let body: Uint8Array | null = null;
    let bodyLen = 0;
    if (this.maxBodyBytes > 0) {
      body = this.body ?? this.head;
      bodyLen = !inBody ? 0 : this.bodyKeep ? this.bodyLen : BODY_UNAVAILABLE;
    }
    w[b + S_PHASE] = PHASE_PREFIX_HI;
    w[b + S_MESSAGES] = w[b + S_MESSAGES]! + 1;
    this.bodyKeep = false;
    this.sink.message(this.tag, this.head, headLen, payloadLength, flags | w[b + S_MSG_FLAGS]! | w[b + S_STREAM_FLAGS]!, body, bodyLen);
    w[b + S_MSG_FLAGS] = 0;
    w[b + S_HEAD_LEN] = 0;
  }

  /** A new message begins: keep it if it fits the limit, growing the buffer when needed. */
  private startBody(msgLen: number): void {
    this.bodyLen = 0;
    const need = this.prefixOnly && msgLen > this.maxBodyBytes ? this.maxBodyBytes : msgLen;
    this.bodyKeep = need <= this.maxBodyBytes;
    if (!this.bodyKeep || (this.body !== null && this.body.length >= need)) return;
    let size = this.body === null ? (this.prefixOnly ? this.maxBodyBytes : BODY_MIN_ALLOC) : this.body.length;
    while (size < need) size *= 2;
    this.body = new Uint8Array(size < this.maxBodyBytes ? size : this.maxBodyBytes);
  }
}
