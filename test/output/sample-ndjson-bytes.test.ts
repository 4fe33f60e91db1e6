import { describe, expect, it } from 'vitest';
import { SampleBatch, type FlowInfo } from '../../src/flow/sample.js';
import { sampleToNdjson, writeSampleNdjson } from '../../src/output/sample-format.js';
import { setCommunityIdSeed } from '../../src/output/community-id.js';
import { collector, writerMatchesStrings } from './sample-rows.js';

describe('writeSampleNdjson', () => {
  it('writes exactly sampleToNdjson plus a newline, for any row', async () => {
    await writerMatchesStrings(writeSampleNdjson, sampleToNdjson);
  });

  it('matches its string form under another Community ID seed too', async () => {
    setCommunityIdSeed(65535);
    try {
      await writerMatchesStrings(writeSampleNdjson, sampleToNdjson);
    } finally {
      setCommunityIdSeed(0);
    }
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
