import type cliProgress from 'cli-progress';
import type { EpochProgress } from '../model/train.js';
import { startBar, type ProgressTarget } from './progress.js';

export interface EpochHooks {
  onProgress(p: EpochProgress): void;
  onEpochsDone(p: { epochs: number; maxEpochs: number; bestEpoch?: number }): void;
}

/**
 * Epochs of one stage's training: a bar up to the maximum epochs that ends
 * where training ended (early stopping stops it short of the maximum, and
 * says so), or a pino line per epoch.
 */
export function epochProgress(t: ProgressTarget, stage: string): EpochHooks {
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress({ epoch, maxEpochs, loss, valLoss }) {
      if (!t.tty) {
        t.log.info({ stage_model: stage, epoch, maxEpochs, loss, valLoss }, 'epoch');
        return;
      }
      bar ??= startBar(`${stage} [{bar}] epoch {value}/{total} | loss {loss} | val {val}`, maxEpochs, { loss: '-', val: '-' });
      bar.update(epoch, { loss: loss.toFixed(6), val: valLoss.toFixed(6) });
    },
    onEpochsDone({ epochs, maxEpochs, bestEpoch }) {
      const best = bestEpoch === undefined ? '' : `, best weights from epoch ${bestEpoch}`;
      const why = epochs < maxEpochs ? `stopped early after ${epochs} of at most ${maxEpochs} epochs` : `${epochs} epochs`;
      if (bar !== undefined) {
        bar.stop();
        bar = undefined;
        process.stderr.write(`${stage}: ${why}${best}\n`);
      } else if (!t.tty) {
        t.log.info({ stage_model: stage, epochs, maxEpochs, ...(bestEpoch === undefined ? {} : { bestEpoch }) }, 'training done');
      }
    },
  };
}
