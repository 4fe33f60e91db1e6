import { Writable } from 'node:stream';
import fc from 'fast-check';
import { AssembledFlowInfo } from '../../src/flow/assembled-flow-info.js';
import { newFlowKey } from '../../src/flow/flow-key.js';
import { HEAD_BYTES, SampleBatch, type FlowInfo } from '../../src/flow/sample.js';
import { LineSink } from '../../src/output/ndjson-sink.js';

/** Rows for the byte-level sample writers' property tests (sample-ndjson-bytes, sample-csv-bytes). */

/** Collects what the sink hands to its stream. */
export function collector(): { sink: LineSink; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(Buffer.from(chunk));
      cb();
    },
  });
  return { sink: LineSink.toStream(stream, 'mem'), text: () => Buffer.concat(parts).toString('utf8') };
}

/** Plain FlowInfo objects, with address strings (one that needs JSON escapes). */
const plainFlowArb = fc.record({
  flowId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  transport: fc.constantFrom('udp' as const, 'tcp' as const),
  clientIp: fc.constantFrom('192.0.2.1', '2001:db8::1', '::ffff:10.0.0.1', 'a"b\\c\u0001'),
  clientPort: fc.integer({ min: 0, max: 65535 }),
  serverIp: fc.constantFrom('192.0.2.53', '2001:db8::53'),
  serverPort: fc.integer({ min: 0, max: 65535 }),
  ipVersion: fc.constantFrom(4 as const, 6 as const),
  vlan: fc.array(fc.integer({ min: 1, max: 4094 }), { maxLength: 2 }),
  sourceIndex: fc.integer({ min: 0, max: 6 }),
});

/** A word of an address: zeros (runs to shorten), the IPv4-mapped marker, and others. */
const wordArb = fc.constantFrom(0, 0, 0, 0xffff, 1, 0x20010db8, 0x0a000001, -1, 0x00010000, -0x3fff0000);

/** FlowInfos as the flow assembler makes them: addresses as key words, written without strings. */
const assembledFlowArb = fc
  .record({
    flowId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    tcp: fc.boolean(),
    portA: fc.integer({ min: 0, max: 65535 }),
    portB: fc.integer({ min: 0, max: 65535 }),
    ipVersion: fc.constantFrom(4 as const, 6 as const),
    vlan: fc.array(fc.integer({ min: 1, max: 4094 }), { maxLength: 2 }),
    sourceIndex: fc.integer({ min: 0, max: 6 }),
    a: fc.array(wordArb, { minLength: 4, maxLength: 4 }),
    b: fc.array(wordArb, { minLength: 4, maxLength: 4 }),
    clientIsA: fc.boolean(),
  })
  .map((r): FlowInfo => {
    const key = newFlowKey();
    const v6 = r.ipVersion === 6;
    [key.a0, key.a1, key.a2, key.a3] = [r.a[0]!, v6 ? r.a[1]! : 0, v6 ? r.a[2]! : 0, v6 ? r.a[3]! : 0];
    [key.b0, key.b1, key.b2, key.b3] = [r.b[0]!, v6 ? r.b[1]! : 0, v6 ? r.b[2]! : 0, v6 ? r.b[3]! : 0];
    key.ipVersion = r.ipVersion;
    const [clientPort, serverPort] = r.clientIsA ? [r.portA, r.portB] : [r.portB, r.portA];
    return new AssembledFlowInfo(r.flowId, r.tcp ? 'tcp' : 'udp', clientPort, serverPort, r.ipVersion, r.vlan, r.sourceIndex, key, r.clientIsA);
  });

export const rowArb = fc.record({
  flow: fc.oneof(plainFlowArb as fc.Arbitrary<FlowInfo>, assembledFlowArb),
  direction: fc.constantFrom(0 as const, 1 as const),
  // Seconds from 1970 to far past what Date can show (the "@sec" form), and past year 9999.
  tsSec: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.constant(9e15), fc.constant(300_000_000_000)),
  tsNsec: fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), fc.constantFrom(0, 999, 1000, 999_999_999)),
  messageIndex: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 20 })),
  payloadLength: fc.integer({ min: -1, max: 70_000 }),
  // Mostly whole 12-byte headers, as in captures, but any shorter one too.
  head: fc.oneof(fc.uint8Array({ minLength: HEAD_BYTES, maxLength: HEAD_BYTES }), fc.uint8Array({ minLength: 0, maxLength: HEAD_BYTES })),
  flags: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 31 })),
});

/** File names that need escapes in JSON and quoting in CSV: quotes, backslashes, commas, control characters, non-ASCII, a surrogate pair, an empty name; source index 6 has none. */
export const SOURCE_NAMES = ['a.pcap', 'dir/b "quoted".pcap', 'ü,1.pcapng', 'c:\\caps\\x\u0007.pcap', '\u{1f600}\n.pcap', ''];

export type Row = typeof rowArb extends fc.Arbitrary<infer R> ? R : never;

/** A batch holding the rows. */
export function batchOf(rows: readonly Row[]): SampleBatch {
  const batch = new SampleBatch(rows.length);
  for (const r of rows) batch.push(r.flow, r.direction, r.tsSec, r.tsNsec, r.messageIndex, r.payloadLength, r.head, 0, r.head.length, r.flags);
  return batch;
}

/**
 * Property: a byte writer of records produces exactly its string form plus a
 * newline per row, for any batch of rows (the string forms are the reference).
 */
export function writerMatchesStrings(
  write: (sink: LineSink, batch: SampleBatch, i: number, names: readonly string[]) => void,
  toString: (batch: SampleBatch, i: number, names: readonly string[]) => string,
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 20 }), async (rows) => {
      const batch = batchOf(rows);
      const { sink, text } = collector();
      let expected = '';
      for (let i = 0; i < batch.count; i++) {
        write(sink, batch, i, SOURCE_NAMES);
        expected += toString(batch, i, SOURCE_NAMES) + '\n';
      }
      await sink.close();
      if (text() !== expected) throw new Error(`writer output differs:\n${text()}\nexpected:\n${expected}`);
    }),
    { numRuns: 500 },
  );
}
