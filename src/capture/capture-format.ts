/**
 * Capture format detection from the first four bytes, and a human guess at
 * what a non-capture file is, so that `dnsae score report.pdf` says "PDF
 * document" instead of printing a magic number.
 */

export type CaptureFormat = 'pcap' | 'pcapng';

/** Bytes needed to decide the format. */
export const MAGIC_BYTES = 4;

const PCAP_MAGICS = [
  [0xd4, 0xc3, 0xb2, 0xa1],
  [0xa1, 0xb2, 0xc3, 0xd4],
  [0x4d, 0x3c, 0xb2, 0xa1],
  [0xa1, 0xb2, 0x3c, 0x4d],
] as const;
const PCAPNG_MAGIC = [0x0a, 0x0d, 0x0d, 0x0a] as const;

export function detectFormat(head: Uint8Array): CaptureFormat | undefined {
  if (head.length < MAGIC_BYTES) return undefined;
  if (startsWith(head, PCAPNG_MAGIC)) return 'pcapng';
  for (const m of PCAP_MAGICS) if (startsWith(head, m)) return 'pcap';
  return undefined;
}

/** True when `head` (shorter than MAGIC_BYTES) could still be the start of a capture. */
export function isMagicPrefix(head: Uint8Array): boolean {
  return [PCAPNG_MAGIC, ...PCAP_MAGICS].some((m) => head.every((b, i) => b === m[i]));
}

const MODIFIED_PCAP = [
  [0xa1, 0xb2, 0xcd, 0x34],
  [0x34, 0xcd, 0xb2, 0xa1],
] as const;

/** Capture variants we recognise but do not read; the string says what to do instead. */
export function unsupportedVariant(head: Uint8Array): string | undefined {
  if (MODIFIED_PCAP.some((m) => startsWith(head, m))) return 'modified (Kuznetzov) pcap is not supported; convert it with editcap -F pcap';
  return undefined;
}

interface Known {
  readonly magic: readonly number[];
  readonly what: string;
}

const KNOWN: readonly Known[] = [
  { magic: [0x89, 0x50, 0x4e, 0x47], what: 'PNG image' },
  { magic: [0xff, 0xd8, 0xff], what: 'JPEG image' },
  { magic: [0x47, 0x49, 0x46, 0x38], what: 'GIF image' },
  { magic: [0x25, 0x50, 0x44, 0x46], what: 'PDF document' },
  { magic: [0x1f, 0x8b], what: 'gzip-compressed data, decompress it first (zcat FILE | dnsae ... -)' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed data, decompress it first (zstdcat FILE | dnsae ... -)' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a], what: 'xz-compressed data, decompress it first (xzcat FILE | dnsae ... -)' },
  { magic: [0x42, 0x5a, 0x68], what: 'bzip2-compressed data, decompress it first (bzcat FILE | dnsae ... -)' },
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'ZIP archive' },
  { magic: [0x7f, 0x45, 0x4c, 0x46], what: 'ELF executable' },
  { magic: [0x73, 0x6e, 0x6f, 0x6f, 0x70, 0x00], what: 'Solaris snoop capture, convert it with editcap -F pcap' },
  { magic: [0x47, 0x4d, 0x42, 0x55], what: 'Microsoft Network Monitor capture, convert it with editcap -F pcap' },
];

/** Message for DNSAE_ERR_BAD_MAGIC, e.g. "not a pcap or pcapng file (starts with 89 50 4e 47: PNG image)". */
export function describeNonCapture(head: Uint8Array): string {
  const shown = Array.from(head.subarray(0, MAGIC_BYTES), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const what = guessWhat(head);
  return `not a pcap or pcapng file (starts with ${shown}${what === undefined ? '' : `: ${what}`})`;
}

function guessWhat(head: Uint8Array): string | undefined {
  for (const k of KNOWN) if (startsWith(head, k.magic)) return k.what;
  if (looksLikeText(head)) return 'text';
  return undefined;
}

function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  for (const b of head) {
    const printable = (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d || b >= 0x80;
    if (!printable) return false;
  }
  // Mostly ASCII: a binary blob made only of high bytes is not text.
  let ascii = 0;
  for (const b of head) if (b < 0x80) ascii++;
  return ascii * 4 >= head.length * 3;
}

function startsWith(head: Uint8Array, magic: readonly number[]): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}
