import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { readableInput } from '../../src/capture/byte-input.js';
import { PcapngReader } from '../../src/capture/pcapng-reader.js';
import { block, concat, epb, idb, int64, opb, payload, readAll, shb, spb } from './build-capture.js';

const tsresol = (v: number) => [9, Uint8Array.of(v)] as const;

describe('PcapngReader on hand-built files', () => {
  for (const le of [true, false]) {
    it(`reads EPB/OPB/SPB with per-interface linktype and resolution (${le ? 'little' : 'big'} endian)`, async () => {
      const d = [payload(60, 1), payload(70, 2), payload(80, 3), payload(200, 4)];
      // 1.5 s after 1_700_000_000 in µs and in ns.
      const us = 1_700_000_000n * 1_000_000n + 1_500_000n;
      const ns = 1_700_000_000n * 1_000_000_000n + 1_500_000_123n;
      const hiLo = (v: bigint) => [Number(v >> 32n), Number(v & 0xffffffffn)] as const;
      const file = concat(
        shb(le),
        idb(le, 1, 262144),
        idb(le, 113, 100, [tsresol(9)]),
        epb(le, 0, ...hiLo(us), d[0]!),
        epb(le, 1, ...hiLo(ns), d[1]!, 500),
        opb(le, 1, ...hiLo(ns + 1n), d[2]!),
        spb(le, 1000, d[3]!),
      );
      const { frames, error, source } = await readAll(file);
      expect(error).toBeUndefined();
      expect(frames.map((f) => [f.ifIndex, f.linktype, f.tsSec, f.tsNsec, f.origLen])).toEqual([
        [0, 1, 1_700_000_001, 500_000_000, 60],
        [1, 113, 1_700_000_001, 500_000_123, 500],
        [1, 113, 1_700_000_001, 500_000_124, 80],
        [0, 1, 0, 0, 1000],
      ]);
      expect(frames.slice(0, 3).map((f) => f.bytes)).toEqual(d.slice(0, 3));
      expect(frames[3]!.bytes).toEqual(d[3]);
      expect(source!.stats).toEqual({ frames: 4, bytes: 60 + 70 + 80 + 200, skippedBlocks: 0 });
    });
  }

  it('limits SPB captured length to interface 0 snaplen', async () => {
    const data = payload(64, 9);
    const { frames } = await readAll(concat(shb(true), idb(true, 1, 40), spb(true, 64, data)));
    expect(frames[0]!.bytes).toEqual(data.subarray(0, 40));
    expect(frames[0]!.origLen).toBe(64);
  });

  it('applies binary resolutions and a negative if_tsoffset', async () => {
    // 2^-20 s ticks; 3.5 s worth of ticks; offset -2 s.
    const ticks = 3 * 2 ** 20 + 2 ** 19;
    const { frames, error } = await readAll(
      concat(shb(true), idb(true, 1, 0, [tsresol(0x80 | 20), [14, int64(true, 0xffffffff, 0xfffffffe)]]), epb(true, 0, 0, ticks, payload(10, 0))),
    );
    expect(error).toBeUndefined();
    expect([frames[0]!.tsSec, frames[0]!.tsNsec]).toEqual([1, 500_000_000]);
  });

  it('resets interfaces at each section header and follows its byte order', async () => {
    const file = concat(
      shb(true),
      idb(true, 1, 0),
      idb(true, 101, 0),
      epb(true, 1, 0, 5_000_000, payload(10, 0)),
      shb(false),
      idb(false, 228, 0),
      epb(false, 0, 0, 7_000_000, payload(12, 1)),
    );
    const { frames, error, source } = await readAll(file);
    expect(error).toBeUndefined();
    expect(frames.map((f) => [f.ifIndex, f.linktype, f.tsSec])).toEqual([
      [1, 101, 5],
      [0, 228, 7],
    ]);
    expect((source as PcapngReader).sections).toBe(2);
    expect((source as PcapngReader).interfaces.map((i) => i.linktype)).toEqual([228]);
  });

  it('rejects a packet for an interface of the previous section', async () => {
    const before = concat(shb(true), idb(true, 1, 0), idb(true, 1, 0), shb(true), idb(true, 1, 0));
    const { frames, error } = await readAll(concat(before, epb(true, 1, 0, 0, payload(10, 0))));
    expect(frames).toHaveLength(0);
    expect(error).toMatchObject({ code: 'DNSAE_ERR_BAD_RECORD', offset: before.length });
  });

  it('skips NRB, ISB, DSB, custom and unknown blocks and counts them', async () => {
    const skipped = [4, 5, 0x0a, 0x00000bad, 0x40000bad].map((t) => block(true, t, (b) => b.u32(0xdeadbeef)));
    const file = concat(shb(true), idb(true, 1, 0), ...skipped, epb(true, 0, 0, 0, payload(10, 0)));
    const { frames, error, source } = await readAll(file);
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(1);
    expect(source!.stats.skippedBlocks).toBe(5);
  });

  describe('damage: the packets before it are delivered, then a coded error at the block offset', () => {
    const head = concat(shb(true), idb(true, 1, 0), epb(true, 0, 0, 0, payload(20, 0)));
    const at = head.length;
    const cases: Array<[string, Uint8Array, string]> = [
      ['length not a multiple of 4', block(true, 6, (b) => b.u32(0).u32(0).u32(0).u32(0).u32(0), { len: 34 }), 'DNSAE_ERR_BAD_RECORD'],
      ['length below 12', block(true, 6, () => undefined, { len: 8 }), 'DNSAE_ERR_BAD_RECORD'],
      ['trailing length differs', block(true, 5, (b) => b.u32(1), { trailer: 20 }), 'DNSAE_ERR_BAD_RECORD'],
      ['absurd length', block(true, 6, (b) => b.u32(0), { len: 0x7ffffff0 }), 'DNSAE_ERR_BAD_RECORD'],
      ['EPB captured length beyond the block', epb(true, 0, 0, 0, payload(20, 0), 20, 400), 'DNSAE_ERR_BAD_RECORD'],
      ['EPB for an undefined interface', epb(true, 3, 0, 0, payload(20, 0)), 'DNSAE_ERR_BAD_RECORD'],
      ['section version 2', shb(true, { major: 2 }), 'DNSAE_ERR_UNSUPPORTED_CAPTURE'],
      ['end inside a block header', Uint8Array.of(6, 0, 0, 0, 64, 0), 'DNSAE_ERR_TRUNCATED_FILE'],
      ['end inside a block', epb(true, 0, 0, 0, payload(40, 0)).subarray(0, 50), 'DNSAE_ERR_TRUNCATED_FILE'],
    ];
    for (const [what, tail, code] of cases) {
      it(what, async () => {
        for (const chunkSize of [7, 1 << 20]) {
          const { frames, error } = await readAll(concat(head, tail), { chunkSize });
          expect(frames).toHaveLength(1);
          expect(error).toMatchObject({ code });
          if (code !== 'DNSAE_ERR_UNSUPPORTED_CAPTURE') expect(error).toMatchObject({ offset: at });
        }
      });
    }
  });

  it('rejects a file whose first block is not a section header', async () => {
    const reader = new PcapngReader('x', readableInput(Readable.from([Buffer.from(idb(true, 1, 0))])));
    await expect(reader.run(() => undefined)).rejects.toMatchObject({ code: 'DNSAE_ERR_BAD_MAGIC' });
  });
});
