import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureFileError, fromFsError } from '../errors.js';

/**
 * NDJSON inputs line by line: files, `-` for standard input, `.gz` (rotated
 * logs) through a streaming gunzip. Memory is one line and the stream's
 * buffers, whatever the file size.
 */
export interface InputFile {
  readonly name: string;
  /** Bytes on disk (compressed for .gz); undefined for standard input. */
  readonly size: number | undefined;
  readonly gzip: boolean;
}

/** Checks the file can be opened before any line is read, so a missing file is a coded error. */
export async function statInput(name: string): Promise<InputFile> {
  if (name === '-') return { name, size: undefined, gzip: false };
  try {
    const fh = await open(name, 'r');
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      return { name, size: st.size, gzip: name.endsWith('.gz') };
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw fromFsError(err, name);
  }
}

/**
 * Yields every line; `onBytes` reports raw bytes read (before gunzip) for
 * progress. A damaged gzip stream ends the file with the error thrown.
 */
export async function* readLines(input: InputFile, onBytes?: (n: number) => void): AsyncGenerator<string> {
  const raw: Readable = input.name === '-' ? process.stdin : createReadStream(input.name, { highWaterMark: 1 << 20 });
  if (onBytes !== undefined) raw.on('data', (chunk: Buffer) => onBytes(chunk.length));
  let text: Readable = raw;
  if (input.gzip) {
    const gunzip = createGunzip();
    raw.on('error', (err) => gunzip.destroy(err));
    text = raw.pipe(gunzip);
  }
  const rl = createInterface({ input: text, crlfDelay: Infinity });
  let lines = 0;
  try {
    for await (const line of rl) {
      lines++;
      yield line;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A rotated log still being written, or a damaged one: the lines before the damage counted.
    if (code?.startsWith('Z_') === true) {
      throw new CaptureFileError('DNSAE_ERR_FILE_UNREADABLE', `gzip stream damaged or cut short (${code}) after ${lines} lines`, { file: input.name, cause: err });
    }
    throw fromFsError(err, input.name);
  } finally {
    rl.close();
    if (raw !== process.stdin) raw.destroy();
  }
}
