import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CaptureFileError, UsageError, fromFsError } from '../errors.js';
import { fileHandleInput, prefixedInput, readableInput, type ByteInput } from './byte-input.js';
import { MAGIC_BYTES, describeNonCapture, detectFormat, isMagicPrefix, unsupportedVariant } from './capture-format.js';
import type { PacketSource } from './frame.js';
import { PcapReader } from './pcap-reader.js';
import { PcapngReader } from './pcapng-reader.js';

export interface OpenCaptureOptions {
  /** Bytes per read; default 1 MiB. Small values exist for tests of split records. */
  readonly chunkSize?: number;
}

/** Name used in messages for `-`. */
export const STDIN_NAME = '<stdin>';

/** Enough of the start of a non-capture file to tell text from binary. */
const SNIFF_BYTES = 64;

/**
 * Opens a pcap or pcapng file, or standard input for `-` (so that
 * `tcpdump -w - | dnsae score -` works). The format is decided from the first
 * four bytes, read without seeking. Problems a user can fix (missing file,
 * directory, empty file, not a capture) are reported here as one-line
 * DnsaeErrors, before any packet is read.
 */
export async function openCapture(path: string, opts: OpenCaptureOptions = {}): Promise<PacketSource> {
  if (path === '-') {
    if (process.stdin.isTTY === true) throw new UsageError('standard input is a terminal; pipe a capture into it (e.g. tcpdump -w - | dnsae ... -)');
    return openCaptureStream(STDIN_NAME, process.stdin, opts);
  }
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    // open(2) succeeds on a directory; say so now rather than at the first read.
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
  } catch (err) {
    await handle?.close().catch(() => undefined);
    throw fromFsError(err, path);
  }
  return openCaptureInput(path, fileHandleInput(handle), opts);
}

/** Same as openCapture for an already open stream (stdin, a pipe, or a test's Readable). */
export function openCaptureStream(name: string, readable: Readable, opts: OpenCaptureOptions = {}): Promise<PacketSource> {
  return openCaptureInput(name, readableInput(readable), opts);
}

export async function openCaptureInput(name: string, input: ByteInput, opts: OpenCaptureOptions = {}): Promise<PacketSource> {
  let head: Uint8Array;
  try {
    head = await sniff(name, input);
    const format = detectFormat(head);
    if (format === undefined) throw notACapture(name, head);
    const rest = prefixedInput(head, input);
    const readerOpts = opts.chunkSize === undefined ? {} : { chunkSize: opts.chunkSize };
    return format === 'pcap' ? new PcapReader(name, rest, readerOpts) : new PcapngReader(name, rest, readerOpts);
  } catch (err) {
    await input.close().catch(() => undefined);
    throw err;
  }
}

async function sniff(name: string, input: ByteInput): Promise<Uint8Array> {
  const head = new Uint8Array(SNIFF_BYTES);
  let n = 0;
  // Stop as soon as the magic is known: on a live pipe more bytes may take a while.
  while (n < MAGIC_BYTES || (detectFormat(head.subarray(0, n)) === undefined && n < SNIFF_BYTES)) {
    let got: number;
    try {
      got = await input.read(head, n, (n < MAGIC_BYTES ? MAGIC_BYTES : SNIFF_BYTES) - n);
    } catch (err) {
      throw fromFsError(err, name);
    }
    if (got === 0) break;
    n += got;
  }
  return head.slice(0, n);
}

function notACapture(name: string, head: Uint8Array): CaptureFileError {
  if (head.length === 0) return new CaptureFileError('DNSAE_ERR_FILE_EMPTY', 'file is empty', { file: name });
  if (head.length < MAGIC_BYTES && isMagicPrefix(head)) {
    return new CaptureFileError('DNSAE_ERR_TRUNCATED_FILE', `capture ends inside the file header (${head.length} bytes)`, { file: name, offset: 0 });
  }
  const variant = unsupportedVariant(head);
  if (variant !== undefined) return new CaptureFileError('DNSAE_ERR_UNSUPPORTED_CAPTURE', variant, { file: name, offset: 0 });
  return new CaptureFileError('DNSAE_ERR_BAD_MAGIC', describeNonCapture(head), { file: name });
}
