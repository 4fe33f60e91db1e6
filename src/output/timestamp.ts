import { label, put6, putBytes, putLabel, type Label } from './put-ascii.js';

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

const TZ = label('+0000');

/** eveTimestampPrefixBytes and a '.', for the second last written, as a Label when it fits (every year from 1000 to 9999). */
let labelSec = Number.NaN;
let prefixDot: Buffer = Buffer.alloc(0);
let prefixDotLabel: Label | undefined;

/**
 * eveTimestamp(tsSec, tsNsec) written as bytes at p (tsNsec below 10^9);
 * returns the end (stores up to SLACK bytes past it).
 */
export function putEveTimestamp(buf: Uint8Array, dv: DataView, p: number, tsSec: number, tsNsec: number): number {
  if (tsSec !== labelSec) {
    labelSec = tsSec;
    prefixDot = Buffer.concat([eveTimestampPrefixBytes(tsSec), Buffer.from('.')]);
    prefixDotLabel = prefixDot.length <= 20 ? label(prefixDot.toString('latin1')) : undefined;
  }
  p = prefixDotLabel === undefined ? putBytes(buf, p, prefixDot) : putLabel(dv, p, prefixDotLabel);
  p = put6(dv, p, (tsNsec / 1000) | 0);
  return putLabel(dv, p, TZ);
}
