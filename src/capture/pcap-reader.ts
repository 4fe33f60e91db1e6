import { CaptureFileError } from '../errors.js';
import type { ByteInput } from './byte-input.js';
import { ChunkWindow } from './chunk-window.js';
import { newFrame, newSourceStats, type FrameHandler, type PacketSource, type PcapFastPath, type SourceStats } from './frame.js';

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/**
 * The usual ceiling for one record (libpcap's and Wireshark's maximum
 * snapshot length). A header snaplen above it raises the ceiling, but never
 * beyond PCAP_MAX_RECORD_ABSOLUTE: a fuzzed snaplen of 4 GB must not make us
 * try to buffer a 4 GB "record".
 */
export const PCAP_MAX_RECORD_DEFAULT = 262_144;
export const PCAP_MAX_RECORD_ABSOLUTE = 16 * 1024 * 1024;

/** pcap 2.0-2.2 wrote incl_len and orig_len the other way round; 2.3 files exist in both layouts. */
const enum LengthOrder {
  Normal,
  Swapped,
  MaybeSwapped,
}

export interface PcapReaderOptions {
  readonly chunkSize?: number;
}

export interface PcapHeaderInfo {
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly snaplen: number;
  /** LINKTYPE_* value with the FCS/reserved bits of the header field masked off. */
  readonly linktype: number;
  /** Bytes of FCS at the end of each frame, when the header says so (0 otherwise). */
  readonly fcsBytes: number;
}

/**
 * Streaming reader for classic pcap (µs and ns magic, either byte order).
 *
 * Tolerated quirks, matching libpcap/Wireshark rather than rejecting the file:
 * - any 2.x version (the corpus has a fuzzed 2.0 file); 2.0-2.2 have swapped
 *   length fields and 2.3 is swapped when incl_len > orig_len, as in libpcap;
 * - incl_len > orig_len: delivered with origLen raised to incl_len so that the
 *   Frame invariant origLen >= bytes.length holds;
 * - incl_len > header snaplen (but within the record ceiling);
 * - a fraction of the second >= 1 s: carried into tsSec so tsNsec stays below 1e9.
 * Fatal: a record above the ceiling (DNSAE_ERR_BAD_RECORD) and end of input
 * inside a header or record (DNSAE_ERR_TRUNCATED_FILE); both are raised only
 * after every complete record before them has been delivered.
 *
 * stats.bytes counts captured frame bytes delivered, not file bytes.
 */
export class PcapReader implements PacketSource {
  readonly name: string;
  readonly stats: SourceStats = newSourceStats();
  /** Set once run() has parsed the file header. */
  header: PcapHeaderInfo | undefined;

  private readonly window: ChunkWindow;
  private started = false;

  constructor(name: string, input: ByteInput, opts: PcapReaderOptions = {}) {
    this.name = name;
    this.window = new ChunkWindow(name, input, opts.chunkSize);
  }

  async run(onFrame: FrameHandler, afterChunk?: () => Promise<void> | void, fast?: PcapFastPath): Promise<void> {
    if (this.started) throw new Error('PcapReader.run() may only be called once');
    this.started = true;
    const w = this.window;
    if (fast !== undefined) {
      const b = fast.windowBuffer(w.buf.length);
      if (b !== undefined) w.adopt(b);
    }
    try {
      await w.fill(GLOBAL_HEADER);
      const h = this.parseHeader();
      this.header = h;
      w.start += GLOBAL_HEADER;

      const le = h.littleEndian;
      const fracToNs = h.nanosecond ? 1 : 1000;
      const order = lengthOrder(h.versionMinor);
      const maxRecord = Math.min(Math.max(h.snaplen, PCAP_MAX_RECORD_DEFAULT), PCAP_MAX_RECORD_ABSOLUTE);
      const frame = newFrame();
      frame.linktype = h.linktype;
      const stats = this.stats;
      const lane = fast !== undefined && fast.begin(h, maxRecord) ? fast : undefined;

      for (;;) {
        const buf = w.buf;
        const view = w.view;
        const end = w.end;
        let p = w.start;
        let need = RECORD_HEADER;
        let damage: CaptureFileError | undefined;
        const framesBefore = stats.frames;

        while (end - p >= RECORD_HEADER) {
          if (lane !== undefined) {
            p = lane.scan(buf, p, end, stats);
            if (end - p < RECORD_HEADER) break;
          }
          let incl = view.getUint32(p + 8, le);
          let orig = view.getUint32(p + 12, le);
          if (order === LengthOrder.Swapped || (order === LengthOrder.MaybeSwapped && incl > orig)) {
            const t = incl;
            incl = orig;
            orig = t;
          }
          if (incl > maxRecord) {
            damage = new CaptureFileError(
              'DNSAE_ERR_BAD_RECORD',
              `pcap record claims ${incl} captured bytes, more than the limit of ${maxRecord} (snaplen ${h.snaplen})`,
              { file: this.name, offset: w.offsetOf(p) },
            );
            break;
          }
          if (end - p - RECORD_HEADER < incl) {
            need = RECORD_HEADER + incl;
            break;
          }
          let sec = view.getUint32(p, le);
          let nsec = view.getUint32(p + 4, le) * fracToNs;
          if (nsec >= 1e9) {
            const carry = Math.floor(nsec / 1e9);
            sec += carry;
            nsec -= carry * 1e9;
          }
          const body = p + RECORD_HEADER;
          frame.tsSec = sec;
          frame.tsNsec = nsec;
          frame.buf = buf;
          frame.offset = body;
          frame.capLen = incl;
          frame.origLen = orig < incl ? incl : orig;
          frame.fileOffset = w.offsetOf(p);
          stats.frames++;
          stats.bytes += incl;
          p = body + incl;
          onFrame(frame);
        }
        w.start = p;

        if (damage === undefined && w.eof && w.available > 0) damage = this.truncated(w.available, need);
        if (afterChunk !== undefined && stats.frames > framesBefore) await afterChunk();
        if (damage !== undefined) throw damage;
        if (w.eof) return;
        await w.fill(need);
      }
    } finally {
      await w.close();
    }
  }

  private parseHeader(): PcapHeaderInfo {
    const w = this.window;
    if (w.available < GLOBAL_HEADER) {
      if (w.available === 0) throw new CaptureFileError('DNSAE_ERR_FILE_EMPTY', 'file is empty', { file: this.name });
      throw new CaptureFileError('DNSAE_ERR_TRUNCATED_FILE', `capture ends inside the pcap file header (${w.available} of ${GLOBAL_HEADER} bytes)`, {
        file: this.name,
        offset: 0,
      });
    }
    const v = w.view;
    const s = w.start;
    const magic = v.getUint32(s, true);
    let littleEndian: boolean;
    let nanosecond: boolean;
    switch (magic) {
      case 0xa1b2c3d4:
        [littleEndian, nanosecond] = [true, false];
        break;
      case 0xa1b23c4d:
        [littleEndian, nanosecond] = [true, true];
        break;
      case 0xd4c3b2a1:
        [littleEndian, nanosecond] = [false, false];
        break;
      case 0x4d3cb2a1:
        [littleEndian, nanosecond] = [false, true];
        break;
      default:
        throw new CaptureFileError('DNSAE_ERR_BAD_MAGIC', `not a classic pcap file (magic ${magic.toString(16).padStart(8, '0')})`, {
          file: this.name,
          offset: 0,
        });
    }
    const versionMajor = v.getUint16(s + 4, littleEndian);
    const versionMinor = v.getUint16(s + 6, littleEndian);
    if (versionMajor !== 2) {
      throw new CaptureFileError('DNSAE_ERR_UNSUPPORTED_CAPTURE', `pcap version ${versionMajor}.${versionMinor} is not supported (only 2.x)`, {
        file: this.name,
        offset: 4,
      });
    }
    const snaplen = v.getUint32(s + 16, littleEndian);
    const linkField = v.getUint32(s + 20, littleEndian);
    // Upper 16 bits: FCS length (in 16-bit words) when bit 26 is set, rest reserved.
    const fcsBytes = (linkField & 0x04000000) !== 0 ? (linkField >>> 28) * 2 : 0;
    return { littleEndian, nanosecond, versionMajor, versionMinor, snaplen, linktype: linkField & 0xffff, fcsBytes };
  }

  private truncated(available: number, need: number): CaptureFileError {
    const w = this.window;
    const msg =
      available < RECORD_HEADER
        ? `capture ends inside a record header (${available} of ${RECORD_HEADER} bytes)`
        : `capture ends inside a record (${available - RECORD_HEADER} of ${need - RECORD_HEADER} bytes)`;
    return new CaptureFileError('DNSAE_ERR_TRUNCATED_FILE', msg, { file: this.name, offset: w.offsetOf(w.start) });
  }
}

function lengthOrder(minor: number): LengthOrder {
  if (minor < 3) return LengthOrder.Swapped;
  if (minor === 3) return LengthOrder.MaybeSwapped;
  return LengthOrder.Normal;
}
