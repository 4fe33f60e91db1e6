import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HEAD_BYTES, SampleBatch, type FlowInfo } from '../../src/flow/sample.js';
import { LineSink } from '../../src/output/ndjson-sink.js';
import { sampleToNdjson, writeSampleNdjson } from '../../src/output/sample-format.js';

/** Collects what the sink hands to its stream. */
function collector(): { sink: LineSink; text: () => string } {
  const parts: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(Buffer.from(chunk));
      cb();
    },
  });
  return { sink: LineSink.toStream(stream, 'mem'), text: () => Buffer.concat(parts).toString('utf8') };
}

const flowArb = fc.record({
  flowId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  transport: fc.constantFrom('udp' as const, 'tcp' as const),
  clientIp: fc.constantFrom('192.0.2.1', '2001:db8::1', '::ffff:10.0.0.1'),
  clientPort: fc.integer({ min: 0, max: 65535 }),
  serverIp: fc.constantFrom('192.0.2.53', '2001:db8::53'),
  serverPort: fc.integer({ min: 0, max: 65535 }),
  ipVersion: fc.constantFrom(4 as const, 6 as const),
  vlan: fc.array(fc.integer({ min: 1, max: 4094 }), { maxLength: 2 }),
  sourceIndex: fc.integer({ min: 0, max: 2 }),
});

const rowArb = fc.record({
  flow: flowArb as fc.Arbitrary<FlowInfo>,
  direction: fc.constantFrom(0 as const, 1 as const),
  // Seconds from 1970 to far past what Date can show (the "@sec" form).
  tsSec: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800 }), fc.constant(9e15)),
  tsNsec: fc.integer({ min: 0, max: 999_999_999 }),
  messageIndex: fc.integer({ min: 0, max: 0xffffffff }),
  payloadLength: fc.integer({ min: -1, max: 70_000 }),
  head: fc.uint8Array({ minLength: 0, maxLength: HEAD_BYTES }),
  flags: fc.integer({ min: 0, max: 31 }),
});


describe('writeSampleNdjson', () => {
  it('writes exactly sampleToNdjson plus a newline, for any row', async () => {
    const names = ['a.pcap', 'dir/b "quoted".pcap', 'ü.pcapng'];
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 20 }), async (rows) => {
        const batch = new SampleBatch(rows.length);
        for (const r of rows) batch.push(r.flow, r.direction, r.tsSec, r.tsNsec, r.messageIndex, r.payloadLength, r.head, 0, r.head.length, r.flags);
        const { sink, text } = collector();
        let expected = '';
        for (let i = 0; i < batch.count; i++) {
          writeSampleNdjson(sink, batch, i, names);
          expected += sampleToNdjson(batch, i, names) + '\n';
        }
        await sink.close();
        expect(text()).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the order of byte records and string lines across chunk flushes', async () => {
    const { sink, text } = collector();
    const batch = new SampleBatch(1);
    const flow: FlowInfo = { flowId: 7, transport: 'udp', clientIp: '192.0.2.1', clientPort: 5353, serverIp: '192.0.2.53', serverPort: 53, ipVersion: 4, vlan: [], sourceIndex: 0 };
    batch.push(flow, 0, 1_700_000_000, 5000, 0, 40, new Uint8Array(12), 0, 12, 0);
    const rec = sampleToNdjson(batch, 0, ['x']);
    let expected = '';
    for (let i = 0; i < 3000; i++) {
      if (i % 3 === 0) {
        sink.writeLine(`{"i":${i}}`);
        expected += `{"i":${i}}\n`;
      } else {
        writeSampleNdjson(sink, batch, 0, ['x']);
        expected += rec + '\n';
      }
    }
    await sink.close();
    expect(text()).toBe(expected);
    expect(expected.length).toBeGreaterThan(3 * 65536);
  });
});
