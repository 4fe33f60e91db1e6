import { describe, expect, it } from 'vitest';
import { epochProgress } from '../../src/cli/epoch-progress.js';
import { progressTarget } from '../../src/cli/progress.js';
import type { Logger } from '../../src/logger.js';

function recorder(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = { info: (o: Record<string, unknown>, msg: string) => void lines.push({ ...o, msg }) } as unknown as Logger;
  return { log, lines };
}

describe('epochProgress without a terminal', () => {
  it('logs each epoch as it is numbered, out of the maximum, and where training stopped', () => {
    const { log, lines } = recorder();
    const p = epochProgress(progressTarget(log, false), 'header stage');
    for (let e = 1; e <= 13; e++) p.onProgress({ epoch: e, maxEpochs: 60, loss: 0.1, valLoss: 0.1 });
    p.onEpochsDone({ epochs: 13, maxEpochs: 60, bestEpoch: 7 });
    const epochs = lines.filter((l) => l.msg === 'epoch');
    expect(epochs.map((l) => `${l.epoch}/${l.maxEpochs}`)).toEqual(Array.from({ length: 13 }, (_, i) => `${i + 1}/60`));
    expect(lines.at(-1)).toMatchObject({ msg: 'training done', epochs: 13, maxEpochs: 60, bestEpoch: 7 });
  });
});
