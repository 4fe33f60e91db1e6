import { describe, it } from 'vitest';
import { sampleToCsv, writeSampleCsv } from '../../src/output/sample-format.js';
import { writerMatchesStrings } from './sample-rows.js';

describe('writeSampleCsv', () => {
  it('writes exactly sampleToCsv plus a newline, for any row', async () => {
    await writerMatchesStrings(writeSampleCsv, sampleToCsv);
  });
});
