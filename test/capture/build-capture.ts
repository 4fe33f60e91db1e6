// Hand-built capture files for reader tests: every field is written
// explicitly here so the expected values come from the bytes, not the reader.
import { Readable } from 'node:stream';
import { openCaptureStream } from '../../src/capture/open-capture.js';
import { frameBytes, type Frame, type PacketSource } from '../../src/capture/frame.js';

class Bytes {
  private parts: number[] = [];
  constructor(private readonly le: boolean) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    for (const x of this.le ? b : b.reverse()) this.u8(x);
    return this;
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.u8(b[i]!);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4 !== 0) this.u8(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface PcapRecord {
  sec: number;
  frac: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  orig?: number;
  /** Overrides incl_len (for damaged files). */
  incl?: number;
}

export interface PcapHeaderSpec {
  le?: boolean;
  nano?: boolean;
  major?: number;
  minor?: number;
  snaplen?: number;
  linkField?: number;
}

export function buildPcap(h: PcapHeaderSpec, records: readonly PcapRecord[]): Uint8Array {
  const b = new Bytes(h.le ?? true);
  b.u32(h.nano === true ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(h.major ?? 2)
    .u16(h.minor ?? 4)
    .u32(0)
    .u32(0)
    .u32(h.snaplen ?? 65535)
    .u32(h.linkField ?? 1);
  for (const r of records) {
    b.u32(r.sec).u32(r.frac).u32(r.incl ?? r.data.length).u32(r.orig ?? r.data.length).raw(r.data);
  }
  return b.done();
}

export type Option = readonly [code: number, value: Uint8Array];

function withOptions(b: Bytes, options: readonly Option[]): void {
  if (options.length === 0) return;
  for (const [code, value] of options) {
    b.u16(code).u16(value.length).raw(value).pad4();
  }
  b.u16(0).u16(0);
}

/** One pcapng block: body bytes are produced by `fill`; lengths are computed unless overridden. */
export function block(le: boolean, type: number, fill: (b: Bytes) => void, over: { len?: number; trailer?: number } = {}): Uint8Array {
  const body = new Bytes(le);
  fill(body);
  body.pad4();
  const len = 12 + body.length;
  const b = new Bytes(le);
  b.u32(type).u32(over.len ?? len).raw(body.done()).u32(over.trailer ?? over.len ?? len);
  return b.done();
}

export function shb(le: boolean, opts: { major?: number; minor?: number } = {}): Uint8Array {
  return block(le, 0x0a0d0d0a, (b) => b.u32(0x1a2b3c4d).u16(opts.major ?? 1).u16(opts.minor ?? 0).u32(0xffffffff).u32(0xffffffff));
}

export function idb(le: boolean, linktype: number, snaplen: number, options: readonly Option[] = []): Uint8Array {
  return block(le, 1, (b) => {
    b.u16(linktype).u16(0).u32(snaplen);
    withOptions(b, options);
  });
}

export function epb(le: boolean, iface: number, hi: number, lo: number, data: Uint8Array, orig = data.length, caplen = data.length): Uint8Array {
  return block(le, 6, (b) => b.u32(iface).u32(hi).u32(lo).u32(caplen).u32(orig).raw(data));
}

export function opb(le: boolean, iface: number, hi: number, lo: number, data: Uint8Array): Uint8Array {
  return block(le, 2, (b) => b.u16(iface).u16(0).u32(hi).u32(lo).u32(data.length).u32(data.length).raw(data));
}

export function spb(le: boolean, orig: number, data: Uint8Array): Uint8Array {
  return block(le, 3, (b) => b.u32(orig).raw(data));
}

export function int64(le: boolean, hi: number, lo: number): Uint8Array {
  const b = new Bytes(le);
  if (le) b.u32(lo).u32(hi);
  else b.u32(hi).u32(lo);
  return b.done();
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function payload(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff);
}

/** A frame copied out of the reader's reused Frame. */
export interface CopiedFrame {
  tsSec: number;
  tsNsec: number;
  linktype: number;
  bytes: Uint8Array;
  origLen: number;
  ifIndex: number;
  fileOffset: number;
}

export function copyFrame(f: Frame): CopiedFrame {
  return { tsSec: f.tsSec, tsNsec: f.tsNsec, linktype: f.linktype, bytes: frameBytes(f).slice(), origLen: f.origLen, ifIndex: f.ifIndex, fileOffset: f.fileOffset };
}

export interface ReadResult {
  frames: CopiedFrame[];
  error: unknown;
  source: PacketSource | undefined;
}

/** Opens bytes as a stream (split into `piece`-byte stream chunks) and collects every frame and the final error. */
export async function readAll(bytes: Uint8Array, opts: { chunkSize?: number; piece?: number } = {}): Promise<ReadResult> {
  const piece = opts.piece ?? 65536;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) chunks.push(Buffer.from(bytes.subarray(i, i + piece)));
  const frames: CopiedFrame[] = [];
  let source: PacketSource | undefined;
  try {
    source = await openCaptureStream('test.cap', Readable.from(chunks), opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize });
    await source.run((f) => frames.push(copyFrame(f)));
    return { frames, error: undefined, source };
  } catch (error) {
    return { frames, error, source };
  }
}
