import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCapture } from '../../src/capture/open-capture.js';
import type { PacketSource } from '../../src/capture/frame.js';
import { copyFrame, type CopiedFrame } from './build-capture.js';

// Expected values come from capinfos/tshark/tcpdump via scripts/fixtures/gen-capture-expectations.mjs.
interface Expectation {
  capinfosPackets: number | null;
  libpcap: { frames: number; error: string | null };
  tsharkFrames: number;
  firstTimeEpoch: string | null;
  lastTimeEpoch: string | null;
  firstCapLen: number | null;
  firstLen: number | null;
  interfaceIds?: number[];
  interfaceLinktypes?: number[];
}

const fixtures = join(import.meta.dirname, '../fixtures');
const expectations = JSON.parse(readFileSync(join(fixtures, 'capture-expectations.json'), 'utf8')).files as Record<string, Expectation>;

/**
 * Damaged files and the error we raise after the frames libpcap also reads.
 * capinfos/tshark count differently on the first: Wireshark guesses a pcap
 * variant for it and reads a second, bogus record.
 */
const DAMAGED: Record<string, string> = {
  'malformed/suricata__fuzz-huge-record.pcap': 'DNSAE_ERR_BAD_RECORD',
  'malformed/ndpi__fuzz-2021-10-13.pcap': 'DNSAE_ERR_TRUNCATED_FILE',
};

/**
 * Where tshark's time is itself wrong: it multiplies the 2147483648 µs field
 * of the last record by 1000 in 32 bits and prints .000000000. tcpdump -tt
 * prints 1418145370.2147483648 (µs), i.e. 2147.483648 s later.
 */
const LAST_TIME_OVERRIDE: Record<string, string> = {
  'malformed/tcpdump__timestamp_invalid_micro.pcap': '1418147517.483648000',
};

function listFixtures(): string[] {
  const out: string[] = [];
  for (const dir of ['benign', 'anomalous', 'anomalous/in-protocol-tunnel', 'malformed']) {
    for (const name of readdirSync(join(fixtures, dir)).sort()) {
      if (statSync(join(fixtures, dir, name)).isFile()) out.push(`${dir}/${name}`);
    }
  }
  return out;
}

async function readFixture(rel: string, chunkSize?: number): Promise<{ frames: CopiedFrame[]; error: unknown; source: PacketSource }> {
  const source = await openCapture(join(fixtures, rel), chunkSize === undefined ? {} : { chunkSize });
  const frames: CopiedFrame[] = [];
  try {
    await source.run((f) => frames.push(copyFrame(f)));
    return { frames, error: undefined, source };
  } catch (error) {
    return { frames, error, source };
  }
}

/**
 * tshark prints the fraction as %09d of the nanoseconds it was given, so
 * "10.1000000000" means 1e9 ns; carry it the way the reader documents.
 */
function normalizeEpoch(s: string): string {
  const [secText, fracText] = s.split('.') as [string, string];
  const ns = BigInt(fracText.length >= 9 ? fracText : fracText.padEnd(9, '0'));
  const sec = BigInt(secText) + ns / 1_000_000_000n;
  return `${sec}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

const epoch = (f: CopiedFrame) => `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`;

describe('capture readers on the corpus fixtures', () => {
  const files = listFixtures();

  it('has an expectation for every fixture', () => {
    expect(files.length).toBeGreaterThan(80);
    for (const f of files) expect(expectations[f], f).toBeDefined();
  });

  for (const rel of files) {
    it(rel, async () => {
      const exp = expectations[rel]!;
      const { frames, error, source } = await readFixture(rel);
      const damage = DAMAGED[rel];
      if (damage === undefined) {
        expect(error).toBeUndefined();
        expect(frames.length).toBe(exp.capinfosPackets);
        expect(exp.libpcap.error).toBeNull();
      } else {
        expect(error).toMatchObject({ code: damage, file: join(fixtures, rel) });
        expect(exp.libpcap.error).not.toBeNull();
      }
      expect(frames.length).toBe(exp.libpcap.frames);
      expect(source.stats.frames).toBe(frames.length);
      expect(source.stats.bytes).toBe(frames.reduce((n, f) => n + f.bytes.length, 0));
      if (frames.length > 0) {
        expect(epoch(frames[0]!)).toBe(normalizeEpoch(exp.firstTimeEpoch!));
        if (damage === undefined) expect(epoch(frames.at(-1)!)).toBe(LAST_TIME_OVERRIDE[rel] ?? normalizeEpoch(exp.lastTimeEpoch!));
        expect(frames[0]!.bytes.length).toBe(exp.firstCapLen);
        expect(frames[0]!.origLen).toBe(Math.max(exp.firstLen!, exp.firstCapLen!));
      }
      if (exp.interfaceIds !== undefined) {
        expect(frames.map((f) => f.ifIndex)).toEqual(exp.interfaceIds);
        expect(frames.map((f) => f.linktype)).toEqual(exp.interfaceIds.map((i) => exp.interfaceLinktypes![i]));
      }
    });
  }

  it('normalizes tshark fractions the way the reader carries them', () => {
    expect(normalizeEpoch('1418145370.1000000000')).toBe('1418145371.000000000');
    expect(normalizeEpoch('980658802.1882137472')).toBe('980658803.882137472');
    expect(normalizeEpoch('4294967296.000000000')).toBe('4294967296.000000000');
  });

  it('gives the same frames with 7-byte reads as with 1 MiB reads (records split across reads)', async () => {
    for (const rel of files.filter((f) => statSync(join(fixtures, f)).size < 120_000)) {
      const small = await readFixture(rel, 7);
      const big = await readFixture(rel);
      expect(small.frames, rel).toEqual(big.frames);
      expect((small.error as { code?: string } | undefined)?.code, rel).toBe((big.error as { code?: string } | undefined)?.code);
    }
  });

  it('sees the three interfaces of a multi-interface pcapng and the year-2106 timestamp', async () => {
    const nsid = await readFixture('benign/ndpi__dns-google-nsid.pcapng');
    expect(new Set(nsid.frames.map((f) => f.ifIndex))).toEqual(new Set([0, 1, 2]));
    const y2106 = await readFixture('malformed/tcpdump__time_2106_overflow.pcapng');
    expect(y2106.frames.map((f) => [f.tsSec, f.tsNsec])).toEqual([[2 ** 32, 0]]);
  });
});
