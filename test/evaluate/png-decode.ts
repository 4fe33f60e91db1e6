import { inflateSync } from 'node:zlib';

/**
 * Minimal PNG reader for render tests: 8-bit, non-interlaced greyscale,
 * RGB, grey+alpha or RGBA (what Chromium writes). Undoes the per-row filters
 * so "how many distinct pixels" is about the image, not its encoding: a
 * one-colour image filtered with Sub still has non-zero bytes.
 */
export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** height * width * channels bytes, filters removed. */
  readonly pixels: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export function decodePng(buf: Uint8Array): DecodedPng {
  for (let i = 0; i < 8; i++) if (buf[i] !== SIGNATURE[i]) throw new Error('not a PNG signature');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  while (off + 8 <= buf.length) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...buf.subarray(off + 4, off + 8));
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(off + 8);
      height = dv.getUint32(off + 12);
      const depth = data[8]!;
      const colour = data[9]!;
      if (depth !== 8 || CHANNELS[colour] === undefined || data[12] !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${data[12]}`);
      }
      channels = CHANNELS[colour]!;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (width === 0 || height === 0) throw new Error('PNG without IHDR or of zero size');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`inflated ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[dst + x - channels]! : 0;
      const b = y > 0 ? px[dst - stride + x]! : 0;
      const c = x >= channels && y > 0 ? px[dst - stride + x - channels]! : 0;
      let p: number;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: {
          const e = a + b - c;
          const pa = Math.abs(e - a);
          const pb = Math.abs(e - b);
          const pc = Math.abs(e - c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      px[dst + x] = (raw[src + x]! + p) & 0xff;
    }
  }
  return { width, height, channels, pixels: px };
}

/** Number of distinct pixel values (all channels together), stopping at `cap`. */
export function distinctPixels(png: DecodedPng, cap = 1000): number {
  const seen = new Set<string>();
  const { pixels, channels } = png;
  for (let i = 0; i < pixels.length && seen.size < cap; i += channels) {
    seen.add(pixels.subarray(i, i + channels).join(','));
  }
  return seen.size;
}
