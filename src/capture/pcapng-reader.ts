import { CaptureFileError } from '../errors.js';
import type { ByteInput } from './byte-input.js';
import { ChunkWindow } from './chunk-window.js';
import { newFrame, newSourceStats, type FrameHandler, type PacketSource, type PcapFastPath, type SourceStats } from './frame.js';
import { PCAP_MAX_RECORD_ABSOLUTE } from './pcap-reader.js';
import { MICROSECONDS, scaleFromTsresol, splitTimestamp, type SplitTime, type TimestampScale } from './pcapng-time.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_OPB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Smallest block: type, length, trailing length. */
const MIN_BLOCK = 12;
/** A maximal packet plus generous room for options; anything larger is damage, not data. */
export const PCAPNG_MAX_BLOCK = PCAP_MAX_RECORD_ABSOLUTE + 65_536;

export interface PcapngInterface {
  readonly linktype: number;
  readonly snaplen: number;
  readonly scale: TimestampScale;
  /** if_tsoffset, seconds added to every timestamp of the interface. */
  readonly tsOffset: number;
}

export interface PcapngReaderOptions {
  readonly chunkSize?: number;
}

/**
 * Streaming pcapng reader: SHB (either byte order, several sections per file,
 * each resetting the interface table), IDB (linktype, snaplen, if_tsresol,
 * if_tsoffset), EPB, SPB and the obsolete OPB. Every other block type (NRB,
 * ISB, DSB, custom, unknown) is skipped and counted in stats.skippedBlocks.
 *
 * Fatal, after delivering every packet before it: a block length that is not
 * a multiple of 4, below 12, above PCAPNG_MAX_BLOCK or different from the
 * trailing copy, a packet longer than its block, a packet naming an undefined
 * interface, malformed IDB options (DNSAE_ERR_BAD_RECORD); end of input inside
 * a block (DNSAE_ERR_TRUNCATED_FILE); a section version other than 1.x
 * (DNSAE_ERR_UNSUPPORTED_CAPTURE).
 *
 * SPB carries no timestamp: such frames get tsSec = tsNsec = 0. Captured
 * length larger than the original length is delivered with origLen raised to
 * the captured length. stats.bytes counts captured frame bytes delivered.
 */
export class PcapngReader implements PacketSource {
  readonly name: string;
  readonly stats: SourceStats = newSourceStats();
  /** Interfaces of the section being read (reset by each SHB). */
  readonly interfaces: PcapngInterface[] = [];
  /** Number of section header blocks seen so far. */
  sections = 0;

  private readonly window: ChunkWindow;
  private readonly time: SplitTime = { sec: 0, nsec: 0 };
  private littleEndian = true;
  private started = false;

  constructor(name: string, input: ByteInput, opts: PcapngReaderOptions = {}) {
    this.name = name;
    this.window = new ChunkWindow(name, input, opts.chunkSize);
  }

  async run(onFrame: FrameHandler, afterChunk?: () => Promise<void> | void, fast?: PcapFastPath): Promise<void> {
    if (this.started) throw new Error('PcapngReader.run() may only be called once');
    this.started = true;
    const w = this.window;
    if (fast !== undefined) {
      const b = fast.windowBuffer(w.buf.length);
      if (b !== undefined) w.adopt(b);
    }
    const lane = fast !== undefined && fast.beginPcapng(PCAPNG_MAX_BLOCK) ? fast : undefined;
    const frame = newFrame();
    const stats = this.stats;
    const ifs = this.interfaces;
    try {
      await w.fill(MIN_BLOCK);
      if (w.available === 0) throw new CaptureFileError('DNSAE_ERR_FILE_EMPTY', 'file is empty', { file: this.name });
      for (;;) {
        const buf = w.buf;
        const view = w.view;
        const end = w.end;
        let p = w.start;
        let need = MIN_BLOCK;
        let damage: CaptureFileError | undefined;
        const framesBefore = stats.frames;

        while (end - p >= MIN_BLOCK) {
          if (lane !== undefined) {
            p = lane.scanPcapng(buf, p, end, stats);
            if (end - p < MIN_BLOCK) break;
          }
          let le = this.littleEndian;
          const type = view.getUint32(p, le);
          if (type === BLOCK_SHB) {
            // The byte-order magic decides how to read this block's own length.
            const bom = view.getUint32(p + 8, true);
            if (bom === BYTE_ORDER_MAGIC) le = true;
            else if (bom === 0x4d3c2b1a) le = false;
            else {
              damage = this.bad(p, `section header has a bad byte-order magic ${hex32(bom)}`);
              break;
            }
          } else if (w.offsetOf(p) === 0) {
            damage = new CaptureFileError('DNSAE_ERR_BAD_MAGIC', `not a pcapng file (first block type ${hex32(type)})`, { file: this.name, offset: 0 });
            break;
          }
          const len = view.getUint32(p + 4, le);
          if (len < MIN_BLOCK || len % 4 !== 0 || len > PCAPNG_MAX_BLOCK) {
            damage = this.bad(p, `block of type ${hex32(type)} has an impossible length ${len}`);
            break;
          }
          if (end - p < len) {
            need = len;
            break;
          }
          if (view.getUint32(p + len - 4, le) !== len) {
            damage = this.bad(p, `block of type ${hex32(type)} has trailing length ${view.getUint32(p + len - 4, le)}, leading length ${len}`);
            break;
          }

          let data = 0;
          let caplen = 0;
          let orig = 0;
          let iface = 0;
          let hasTime = true;
          let hi = 0;
          let lo = 0;
          if (type === BLOCK_EPB || type === BLOCK_OPB) {
            if (len < 32) {
              damage = this.bad(p, `packet block too short (${len} bytes)`);
              break;
            }
            iface = type === BLOCK_EPB ? view.getUint32(p + 8, le) : view.getUint16(p + 8, le);
            hi = view.getUint32(p + 12, le);
            lo = view.getUint32(p + 16, le);
            caplen = view.getUint32(p + 20, le);
            orig = view.getUint32(p + 24, le);
            data = p + 28;
            if (caplen > len - 32) {
              damage = this.bad(p, `packet block claims ${caplen} captured bytes but holds at most ${len - 32}`);
              break;
            }
          } else if (type === BLOCK_SPB) {
            if (len < 16) {
              damage = this.bad(p, `simple packet block too short (${len} bytes)`);
              break;
            }
            orig = view.getUint32(p + 8, le);
            data = p + 12;
            caplen = Math.min(orig, len - 16);
            hasTime = false;
          } else if (type === BLOCK_SHB) {
            damage = this.startSection(p, len, le);
            if (damage !== undefined) break;
            lane?.pcapngInterfaces(ifs, this.littleEndian);
            p += len;
            continue;
          } else if (type === BLOCK_IDB) {
            damage = this.addInterface(p, len, le);
            if (damage !== undefined) break;
            lane?.pcapngInterfaces(ifs, this.littleEndian);
            p += len;
            continue;
          } else {
            stats.skippedBlocks++;
            p += len;
            continue;
          }

          if (iface >= ifs.length) {
            damage = this.bad(p, `packet block refers to interface ${iface} but the section defines ${ifs.length}`);
            break;
          }
          const ifc = ifs[iface]!;
          if (!hasTime) {
            if (ifc.snaplen > 0 && caplen > ifc.snaplen) caplen = ifc.snaplen;
            frame.tsSec = 0;
            frame.tsNsec = 0;
          } else {
            splitTimestamp(hi, lo, ifc.scale, this.time);
            frame.tsSec = this.time.sec + ifc.tsOffset;
            frame.tsNsec = this.time.nsec;
          }
          frame.linktype = ifc.linktype;
          frame.ifIndex = iface;
          frame.buf = buf;
          frame.offset = data;
          frame.capLen = caplen;
          frame.origLen = orig < caplen ? caplen : orig;
          frame.fileOffset = w.offsetOf(p);
          stats.frames++;
          stats.bytes += caplen;
          p += len;
          onFrame(frame);
        }
        w.start = p;

        if (damage === undefined && w.eof && w.available > 0) {
          damage = new CaptureFileError(
            'DNSAE_ERR_TRUNCATED_FILE',
            w.available < MIN_BLOCK
              ? `capture ends inside a block header (${w.available} of ${MIN_BLOCK} bytes)`
              : `capture ends inside a block (${w.available} of ${need} bytes)`,
            { file: this.name, offset: w.offsetOf(p) },
          );
        }
        if (afterChunk !== undefined && stats.frames > framesBefore) await afterChunk();
        if (damage !== undefined) throw damage;
        if (w.eof) return;
        await w.fill(need);
      }
    } finally {
      await w.close();
    }
  }

  private startSection(p: number, len: number, le: boolean): CaptureFileError | undefined {
    if (len < 28) return this.bad(p, `section header block too short (${len} bytes)`);
    const view = this.window.view;
    const major = view.getUint16(p + 12, le);
    const minor = view.getUint16(p + 14, le);
    if (major !== 1) {
      return new CaptureFileError('DNSAE_ERR_UNSUPPORTED_CAPTURE', `pcapng version ${major}.${minor} is not supported (only 1.x)`, {
        file: this.name,
        offset: this.window.offsetOf(p + 12),
      });
    }
    this.littleEndian = le;
    this.interfaces.length = 0;
    this.sections++;
    return undefined;
  }

  private addInterface(p: number, len: number, le: boolean): CaptureFileError | undefined {
    if (len < 20) return this.bad(p, `interface description block too short (${len} bytes)`);
    const view = this.window.view;
    const linktype = view.getUint16(p + 8, le);
    const snaplen = view.getUint32(p + 12, le);
    let scale = MICROSECONDS;
    let tsOffset = 0;
    const optEnd = p + len - 4;
    let o = p + 16;
    while (optEnd - o >= 4) {
      const code = view.getUint16(o, le);
      const olen = view.getUint16(o + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (o + 4 + olen > optEnd) return this.bad(p, `interface option ${code} overruns its block`);
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        scale = scaleFromTsresol(this.window.buf[o + 4]!);
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const lo = view.getUint32(o + 4 + (le ? 0 : 4), le);
        const hiSigned = view.getInt32(o + 4 + (le ? 4 : 0), le);
        tsOffset = hiSigned * 4294967296 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.interfaces.push({ linktype, snaplen, scale, tsOffset });
    return undefined;
  }

  private bad(p: number, message: string): CaptureFileError {
    return new CaptureFileError('DNSAE_ERR_BAD_RECORD', message, { file: this.name, offset: this.window.offsetOf(p) });
  }
}

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
