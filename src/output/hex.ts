const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes[off, off+len) via a lookup table (no per-byte toString). */
export function toHex(bytes: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += HEX[bytes[off + i]!];
  return s;
}
