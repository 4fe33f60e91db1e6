import type { Command } from 'commander';
import { evaluateCommand } from './evaluate-command.js';
import { liveCommand } from './live-command.js';
import { modelCommand } from './model-command.js';
import { scoreCommand } from './score-command.js';
import { trainCommand } from './train-command.js';

/** Every command beyond extract, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  program.addCommand(scoreCommand());
  program.addCommand(liveCommand());
  program.addCommand(trainCommand());
  program.addCommand(modelCommand());
  program.addCommand(evaluateCommand());
}
