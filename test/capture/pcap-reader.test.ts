import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { CaptureFileError } from '../../src/errors.js';
import { readableInput } from '../../src/capture/byte-input.js';
import { PcapReader, PCAP_MAX_RECORD_DEFAULT } from '../../src/capture/pcap-reader.js';
import { buildPcap, payload, readAll } from './build-capture.js';

const REC = 16;
const HDR = 24;

describe('PcapReader on hand-built files', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`reads ${le ? 'little' : 'big'}-endian ${nano ? 'ns' : 'µs'} files`, async () => {
        const a = payload(60, 1);
        const b = payload(1500, 2);
        const file = buildPcap({ le, nano, linkField: 113 }, [
          { sec: 1_600_000_000, frac: nano ? 123_456_789 : 123_456, data: a },
          { sec: 4_000_000_000, frac: nano ? 999_999_999 : 999_999, data: b, orig: 9000 },
        ]);
        const { frames, error } = await readAll(file);
        expect(error).toBeUndefined();
        expect(frames).toHaveLength(2);
        expect(frames[0]).toMatchObject({ tsSec: 1_600_000_000, tsNsec: nano ? 123_456_789 : 123_456_000, linktype: 113, origLen: 60, ifIndex: 0, fileOffset: HDR });
        expect(frames[0]!.bytes).toEqual(a);
        expect(frames[1]).toMatchObject({ tsSec: 4_000_000_000, tsNsec: 999_999_999 - (nano ? 0 : 999), origLen: 9000, fileOffset: HDR + REC + 60 });
        expect(frames[1]!.bytes).toEqual(b);
      });
    }
  }

  it('masks the FCS and reserved bits of the link-type field and reports the FCS length', async () => {
    // F bit (26) set, FCS len 2 words (bits 28-31), reserved bit 20 set, linktype 1.
    const field = (2 << 28) | (1 << 26) | (1 << 20) | 1;
    const reader = new PcapReader('x', readableInput(Readable.from([Buffer.from(buildPcap({ linkField: field >>> 0 }, [{ sec: 1, frac: 0, data: payload(20, 0) }]))])));
    const linktypes: number[] = [];
    await reader.run((f) => linktypes.push(f.linktype));
    expect(linktypes).toEqual([1]);
    expect(reader.header?.fcsBytes).toBe(4);
  });

  it('carries a fraction of 1 s or more into the seconds', async () => {
    const file = buildPcap({}, [
      { sec: 10, frac: 1_000_000, data: payload(4, 0) },
      { sec: 10, frac: 2_147_483_648, data: payload(4, 0) },
    ]);
    const { frames, error } = await readAll(file);
    expect(error).toBeUndefined();
    expect(frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([
      [11, 0],
      [10 + 2147, 483_648_000],
    ]);
  });

  it('keeps origLen >= captured length when incl_len > orig_len (2.4 files are not swapped)', async () => {
    const { frames } = await readAll(buildPcap({}, [{ sec: 1, frac: 0, data: payload(34, 0), orig: 32 }]));
    expect(frames[0]!.bytes).toHaveLength(34);
    expect(frames[0]!.origLen).toBe(34);
  });

  it('swaps the length fields of pcap 2.0-2.2 and of 2.3 records that look swapped', async () => {
    const data = payload(40, 3);
    // Swapped layout: the incl_len slot holds the wire length, orig_len slot the captured length.
    const swapped = { sec: 1, frac: 0, data, incl: 5000, orig: 40 };
    for (const minor of [0, 2, 3]) {
      const { frames, error } = await readAll(buildPcap({ minor }, [swapped]));
      expect(error, `2.${minor}`).toBeUndefined();
      expect(frames[0]!.bytes).toEqual(data);
      expect(frames[0]!.origLen).toBe(5000);
    }
    // 2.3 with a plausible order is left alone.
    const { frames } = await readAll(buildPcap({ minor: 3 }, [{ sec: 1, frac: 0, data, orig: 60 }]));
    expect(frames[0]!.origLen).toBe(60);
  });

  it('rejects a major version other than 2', async () => {
    const { error } = await readAll(buildPcap({ major: 1 }, []));
    expect(error).toBeInstanceOf(CaptureFileError);
    expect(error).toMatchObject({ code: 'DNSAE_ERR_UNSUPPORTED_CAPTURE', offset: 4 });
  });

  it('accepts a header-only file as zero frames', async () => {
    const { frames, error } = await readAll(buildPcap({}, []));
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(0);
  });

  it('delivers the records before an oversized record, then fails with its offset', async () => {
    const ok = payload(100, 0);
    const file = buildPcap({ snaplen: 65535 }, [
      { sec: 1, frac: 0, data: ok },
      { sec: 2, frac: 0, data: payload(8, 0), incl: PCAP_MAX_RECORD_DEFAULT + 1 },
    ]);
    const { frames, error } = await readAll(file);
    expect(frames).toHaveLength(1);
    expect(error).toMatchObject({ code: 'DNSAE_ERR_BAD_RECORD', offset: HDR + REC + 100, file: 'test.cap' });
    expect((error as CaptureFileError).toLine()).toContain(`at byte ${HDR + REC + 100}`);
  });

  it('allows records up to a header snaplen above 256 KiB', async () => {
    const big = payload(PCAP_MAX_RECORD_DEFAULT + 100, 1);
    const { frames, error } = await readAll(buildPcap({ snaplen: 1 << 20 }, [{ sec: 1, frac: 0, data: big }]), { chunkSize: 4096 });
    expect(error).toBeUndefined();
    expect(frames[0]!.bytes).toEqual(big);
  });

  it('reports truncation inside a record header and inside a record body at the record offset', async () => {
    const file = buildPcap({}, [
      { sec: 1, frac: 0, data: payload(50, 0) },
      { sec: 2, frac: 0, data: payload(50, 1) },
    ]);
    const second = HDR + REC + 50;
    for (const cut of [second + 1, second + 15, second + 16, second + 16 + 49]) {
      const { frames, error } = await readAll(file.subarray(0, cut), { chunkSize: 7 });
      expect(frames, `cut ${cut}`).toHaveLength(1);
      expect(error, `cut ${cut}`).toMatchObject({ code: 'DNSAE_ERR_TRUNCATED_FILE', offset: second });
    }
    const { error } = await readAll(file.subarray(0, 10));
    expect(error).toMatchObject({ code: 'DNSAE_ERR_TRUNCATED_FILE', offset: 0 });
  });

  it('calls afterChunk between chunks, also before failing', async () => {
    const recs = Array.from({ length: 50 }, (_, i) => ({ sec: i, frac: 0, data: payload(30, i) }));
    const file = buildPcap({}, recs);
    const damaged = file.subarray(0, file.length - 3);
    const reader = new PcapReader('x', readableInput(Readable.from([Buffer.from(damaged)])), { chunkSize: 200 });
    let seen = 0;
    const seenAtChunk: number[] = [];
    await expect(
      reader.run(
        () => seen++,
        async () => {
          seenAtChunk.push(seen);
          await Promise.resolve();
        },
      ),
    ).rejects.toMatchObject({ code: 'DNSAE_ERR_TRUNCATED_FILE' });
    expect(seen).toBe(49);
    expect(seenAtChunk.length).toBeGreaterThan(5);
    expect(seenAtChunk.at(-1)).toBe(49);
    expect(reader.stats.frames).toBe(49);
    expect(reader.stats.bytes).toBe(49 * 30);
  });
});
