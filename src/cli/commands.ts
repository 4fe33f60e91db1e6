import type { Command } from 'commander';

/**
 * Every command, in the order `--help` lists them, each imported only when
 * it is registered. A run registers just its own command (see main.ts), so
 * `dnsae extract` does not load evaluate's reports, live capture or the
 * training code: importing every command cost about 0.09 s of each run's
 * startup, a tenth of extracting a million packets.
 */
export const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Command>]> = [
  ['extract', async () => (await import('./extract-command.js')).extractCommand()],
  ['score', async () => (await import('./score-command.js')).scoreCommand()],
  ['live', async () => (await import('./live-command.js')).liveCommand()],
  ['train', async () => (await import('./train-command.js')).trainCommand()],
  ['model', async () => (await import('./model-command.js')).modelCommand()],
  ['evaluate', async () => (await import('./evaluate-command.js')).evaluateCommand()],
  ['report', async () => (await import('./report-command.js')).reportCommand()],
];

/**
 * Adds the command named `only` when it is one of COMMANDS, else all of them
 * (help, version, a misspelt name: commander then lists or suggests them).
 */
export async function registerCommands(program: Command, only: string | undefined): Promise<void> {
  const one = COMMANDS.find(([name]) => name === only);
  for (const [, load] of one === undefined ? COMMANDS : [one]) program.addCommand(await load());
}
