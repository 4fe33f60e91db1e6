import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleToCsv, writeSampleCsv } from '../../src/output/sample-format.js';
import { batchOf, collector, rowArb, SOURCE_NAMES } from './sample-rows.js';

describe('writeSampleCsv', () => {
  it('writes exactly sampleToCsv plus a newline, for any row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 20 }), async (rows) => {
        const batch = batchOf(rows);
        const { sink, text } = collector();
        let expected = '';
        for (let i = 0; i < batch.count; i++) {
          writeSampleCsv(sink, batch, i, SOURCE_NAMES);
          expected += sampleToCsv(batch, i, SOURCE_NAMES) + '\n';
        }
        await sink.close();
        expect(text()).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
