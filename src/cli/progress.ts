import type { Logger } from '../logger.js';

/**
 * Training progress: a one-line bar redrawn in place on a terminal, a pino
 * line per epoch otherwise (CI logs and files should not fill with \r).
 */
export function trainingProgress(log: Logger, maxEpochs: number): (p: { epoch: number; loss: number; valLoss: number }) => void {
  const tty = process.stderr.isTTY === true;
  return ({ epoch, loss, valLoss }) => {
    if (!tty) {
      log.info({ epoch, loss, valLoss }, 'epoch');
      return;
    }
    const width = 30;
    const done = Math.round((width * (epoch + 1)) / maxEpochs);
    const bar = '#'.repeat(Math.min(width, done)).padEnd(width, '.');
    process.stderr.write(`\r[${bar}] epoch ${epoch + 1}/${maxEpochs} loss ${loss.toFixed(5)} val ${valLoss.toFixed(5)}   `);
    if (epoch + 1 >= maxEpochs) process.stderr.write('\n');
  };
}
