import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * Where capture readers get their bytes. Files are read through a file
 * handle straight into the reader's own buffer (no intermediate chunk
 * objects); pipes and stdin come as a Readable. Neither is assumed to be
 * seekable, so format detection and parsing never go backwards.
 */
export interface ByteInput {
  /**
   * Copies at most `length` bytes into `into` at `offset` and returns how many
   * were copied; 0 means end of input. Returns as soon as some bytes are
   * available, so a slow pipe (tcpdump -U -w -) is processed as it arrives.
   */
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

export function fileHandleInput(handle: FileHandle): ByteInput {
  let closed = false;
  return {
    async read(into, offset, length) {
      const { bytesRead } = await handle.read(into, offset, length, null);
      return bytesRead;
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

export function readableInput(readable: Readable): ByteInput {
  const it = readable[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  let pending: Uint8Array | undefined;
  let pos = 0;
  let done = false;
  return {
    async read(into, offset, length) {
      while (pending === undefined || pos >= pending.length) {
        if (done) return 0;
        const r = await it.next();
        if (r.done === true) {
          done = true;
          return 0;
        }
        pending = toBytes(r.value);
        pos = 0;
      }
      const n = Math.min(length, pending.length - pos);
      into.set(pending.subarray(pos, pos + n), offset);
      pos += n;
      return n;
    },
    async close() {
      if (done) return;
      done = true;
      // Ending the iteration early destroys the stream, which is what we want
      // for files; for stdin it just stops reading.
      await it.return?.();
    },
  };
}

/** Replays bytes already consumed (format sniffing) before the rest of `inner`. */
export function prefixedInput(prefix: Uint8Array, inner: ByteInput): ByteInput {
  let pos = 0;
  return {
    async read(into, offset, length) {
      if (pos < prefix.length) {
        const n = Math.min(length, prefix.length - pos);
        into.set(prefix.subarray(pos, pos + n), offset);
        pos += n;
        return n;
      }
      return inner.read(into, offset, length);
    },
    close: () => inner.close(),
  };
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  throw new TypeError('capture stream must yield bytes, not objects');
}
