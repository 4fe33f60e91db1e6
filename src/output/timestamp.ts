/**
 * EVE-style timestamps ("2009-11-24T21:27:09.534255+0000"). Formatting a Date
 * per record dominates output cost at line rate, so the date-and-time part
 * is cached per whole second and only the fraction is formatted per record.
 */
let cachedSec = Number.NaN;
let cachedPrefix = '';

const PAD6 = ['', '00000', '0000', '000', '00', '0', ''];

export function eveTimestamp(tsSec: number, tsNsec: number): string {
  if (tsSec !== cachedSec) {
    cachedSec = tsSec;
    // Dates past what Date can show (corrupt captures) still format as something readable.
    const d = new Date(tsSec * 1000);
    cachedPrefix = Number.isNaN(d.getTime()) ? `@${tsSec}` : d.toISOString().slice(0, 19);
  }
  const usec = Math.floor(tsNsec / 1000);
  const s = String(usec);
  return `${cachedPrefix}.${PAD6[s.length] ?? ''}${s}+0000`;
}

let cachedBytesSec = Number.NaN;
let cachedBytes: Uint8Array = new Uint8Array(0);

/**
 * The part of eveTimestamp() before the fraction ("2009-11-24T21:27:09"),
 * as bytes, cached per whole second, for byte-level formatters.
 */
export function eveTimestampPrefixBytes(tsSec: number): Uint8Array {
  if (tsSec !== cachedBytesSec) {
    cachedBytesSec = tsSec;
    const d = new Date(tsSec * 1000);
    cachedBytes = Buffer.from(Number.isNaN(d.getTime()) ? `@${tsSec}` : d.toISOString().slice(0, 19), 'utf8');
  }
  return cachedBytes;
}
