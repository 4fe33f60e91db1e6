import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SAMPLE_GAP, SAMPLE_UNFRAMED } from '../../src/flow/sample.js';
import { assembleFile, asTsharkTuple } from './run-assembler.js';

/**
 * The fixture captures through decoder and flow assembler, compared with
 * tshark's reassembly and DNS dissection (test/fixtures/flow-samples-tshark.json,
 * from scripts/fixtures/gen-flow-expectations.mjs).
 */
type Msg = [string, number, number, string, number];
type Stream = [number, number, string, number];
const expectations = JSON.parse(readFileSync(new URL('../fixtures/flow-samples-tshark.json', import.meta.url), 'utf8')) as {
  files: Record<string, Msg[]>;
  tcpStreams: Record<string, Stream[]>;
};
const fixture = (f: string) => new URL(`../fixtures/${f}`, import.meta.url).pathname;

/** Messages grouped per (transport, sender, receiver), each group in order. */
function byDirection(msgs: Msg[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of msgs) (out[`${m[0]} ${m[1]}>${m[2]}`] ??= []).push(`${m[3]} ${m[4]}`);
  return out;
}

describe('flow samples agree with tshark on the fixture captures', () => {
  const dnsFiles = Object.entries(expectations.files).filter(([, m]) => m.length > 0);

  it.each(dnsFiles)('%s', async (file, want) => {
    const { rows, weirds } = await assembleFile(fixture(file));
    expect(byDirection(rows.map(asTsharkTuple))).toEqual(byDirection(want));
    expect(rows.some((r) => (r.flags & (SAMPLE_UNFRAMED | SAMPLE_GAP)) !== 0)).toBe(false);
    expect(weirds.get('tcp_stream_gap')).toBe(0);
  });

  it('covers pipelined TCP, AXFR and multi-segment TCP messages', () => {
    const tcp = dnsFiles.filter(([, m]) => m.some((x) => x[0] === 'tcp'));
    expect(tcp.map(([f]) => f)).toEqual(
      expect.arrayContaining(['benign/suricata__dns-tcp-multirequest-buffer.pcap', 'benign/chrissanders__dns_axfr.pcapng', 'benign/zeek__dns-tkey.pcap']),
    );
  });

  it.each(Object.entries(expectations.tcpStreams))('%s: a non-DNS TCP/53 stream is one UNFRAMED sample', async (file, streams) => {
    const { rows } = await assembleFile(fixture(file));
    const tcpRows = rows.filter((r) => r.transport === 'tcp');
    expect(tcpRows).toHaveLength(streams.length);
    for (const [sport, dport, first14, total] of streams) {
      // Precondition of the expectation: the first two bytes, read as a
      // length prefix, claim more than the stream holds.
      expect(parseInt(first14.slice(0, 4), 16)).toBeGreaterThan(total - 2);
      const [row] = tcpRows.filter((r) => {
        const t = asTsharkTuple(r);
        return t[1] === sport && t[2] === dport;
      });
      expect(row).toBeDefined();
      const t = asTsharkTuple(row!);
      expect(t[3]).toBe(first14.slice(4));
      expect(t[4]).toBe(total - 2);
      expect(row!.flags & SAMPLE_UNFRAMED).toBe(SAMPLE_UNFRAMED);
    }
  });
});
