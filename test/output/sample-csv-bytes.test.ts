import { describe, it } from 'vitest';
import { sampleToCsv, writeSampleCsv } from '../../src/output/sample-format.js';
import { setCommunityIdSeed } from '../../src/output/community-id.js';
import { writerMatchesStrings } from './sample-rows.js';

describe('writeSampleCsv', () => {
  it('writes exactly sampleToCsv plus a newline, for any row', async () => {
    await writerMatchesStrings(writeSampleCsv, sampleToCsv);
  });

  it('matches its string form under another Community ID seed too', async () => {
    setCommunityIdSeed(65535);
    try {
      await writerMatchesStrings(writeSampleCsv, sampleToCsv);
    } finally {
      setCommunityIdSeed(0);
    }
  });
});
