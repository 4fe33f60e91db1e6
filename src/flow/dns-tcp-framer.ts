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
 * such message seen. Without a limit the body branch is never taken.
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

/** bodyLen of a message whose bytes were not kept (over the limit, or a gap). */
export const BODY_UNAVAILABLE = -1;

/** Smallest body buffer allocated; most DNS messages fit without growing. */
const BODY_MIN_ALLOC = 1024;

const PHASE_PREFIX_HI = 0;
const PHASE_PREFIX_LO = 1;
const PHASE_BODY = 2;

export class DnsTcpFramer<T> {
  /** First bytes of the current message; valid during `message()` only. */
  readonly head = new Uint8Array(HEAD_BYTES);
  headLen = 0;
  /** Flags added to every message (e.g. SAMPLE_MIDSTREAM). */
  streamFlags = 0;
  /** Messages emitted so far. */
  messages = 0;
  private phase = PHASE_PREFIX_HI;
  private prefixHi = 0;
  private msgLen = 0;
  /** Bytes of the current message passed so far (delivered or lost in a gap). */
  private pos = 0;
  /** False once a gap hit the header region: later bytes are not at known offsets. */
  private headOpen = true;
  private msgFlags = 0;
  /** Flags the next message inherits (framing had to be guessed after a gap). */
  private carryFlags = 0;
  /** Message bytes kept so far, when bodies are kept; allocated on first use. */
  private body: Uint8Array | null = null;
  private bodyLen = 0;
  /** The current message is being copied into `body`. */
  private bodyKeep = false;

  /**
   * `maxBodyBytes` > 0 keeps whole messages of up to that many bytes for
   * the sink; 0 (the default) keeps only the header.
   */
  constructor(
    private readonly sink: FramerSink<T>,
    readonly tag: T,
    private readonly maxBodyBytes = 0,
  ) {}

  /** True while a message has started (any prefix byte seen) but not been emitted. */
  get inMessage(): boolean {
    return this.phase !== PHASE_PREFIX_HI;
  }

  push(bytes: Uint8Array, off: number, len: number): void {
    let i = off;
    const end = off + len;
    while (i < end) {
      if (this.phase === PHASE_PREFIX_HI) {
        this.prefixHi = bytes[i++]!;
        this.phase = PHASE_PREFIX_LO;
        this.msgFlags = this.carryFlags;
        this.carryFlags = 0;
      } else if (this.phase === PHASE_PREFIX_LO) {
        this.msgLen = (this.prefixHi << 8) | bytes[i++]!;
        this.phase = PHASE_BODY;
        this.pos = 0;
        this.headLen = 0;
        this.headOpen = true;
        if (this.maxBodyBytes > 0) this.startBody();
        if (this.msgLen === 0) this.emit(0, 0);
      } else {
        let n = this.msgLen - this.pos;
        if (end - i < n) n = end - i;
        if (this.headOpen && this.headLen < HEAD_BYTES) {
          let h = HEAD_BYTES - this.headLen;
          if (n < h) h = n;
          const head = this.head;
          const base = this.headLen;
          for (let k = 0; k < h; k++) head[base + k] = bytes[i + k]!;
          this.headLen = base + h;
        }
        if (this.bodyKeep) {
          const body = this.body!;
          const base = this.bodyLen;
          for (let k = 0; k < n; k++) body[base + k] = bytes[i + k]!;
          this.bodyLen = base + n;
        }
        this.pos += n;
        i += n;
        if (this.pos === this.msgLen) this.emit(this.msgLen, 0);
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
    if (this.phase === PHASE_BODY) {
      const left = this.msgLen - this.pos;
      this.msgFlags |= SAMPLE_GAP;
      this.bodyKeep = false;
      if (n < left) {
        this.pos += n;
        this.headOpen = false;
        return;
      }
      this.pos = this.msgLen;
      this.emit(this.msgLen, 0);
      if (n === left) return;
    } else if (this.phase === PHASE_PREFIX_LO) {
      this.msgFlags |= SAMPLE_GAP;
      this.emit(0, SAMPLE_UNFRAMED);
    }
    this.carryFlags = SAMPLE_GAP;
  }

  /** Back to a fresh stream, for reuse by a new connection (emits nothing). */
  reset(): void {
    this.phase = PHASE_PREFIX_HI;
    this.headLen = 0;
    this.streamFlags = 0;
    this.messages = 0;
    this.msgFlags = 0;
    this.carryFlags = 0;
    this.bodyKeep = false;
  }

  /** Stream end (FIN, RST, expiry, end of input): emits a message cut short. */
  end(): void {
    if (this.phase === PHASE_PREFIX_LO) this.emit(0, SAMPLE_UNFRAMED);
    else if (this.phase === PHASE_BODY) this.emit(this.pos, SAMPLE_UNFRAMED);
    this.carryFlags = 0;
  }

  private emit(payloadLength: number, flags: number): void {
    const inBody = this.phase === PHASE_BODY;
    const headLen = inBody ? this.headLen : 0;
    let body: Uint8Array | null = null;
    let bodyLen = 0;
    if (this.maxBodyBytes > 0) {
      body = this.body ?? this.head;
      bodyLen = !inBody ? 0 : this.bodyKeep ? this.bodyLen : BODY_UNAVAILABLE;
    }
    this.phase = PHASE_PREFIX_HI;
    this.messages++;
    this.bodyKeep = false;
    this.sink.message(this.tag, this.head, headLen, payloadLength, flags | this.msgFlags | this.streamFlags, body, bodyLen);
    this.msgFlags = 0;
    this.headLen = 0;
  }

  /** A new message begins: keep it if it fits the limit, growing the buffer when needed. */
  private startBody(): void {
    this.bodyLen = 0;
    const need = this.msgLen;
    this.bodyKeep = need <= this.maxBodyBytes;
    if (!this.bodyKeep || (this.body !== null && this.body.length >= need)) return;
    let size = this.body === null ? BODY_MIN_ALLOC : this.body.length;
    while (size < need) size *= 2;
    this.body = new Uint8Array(size < this.maxBodyBytes ? size : this.maxBodyBytes);
  }
}
