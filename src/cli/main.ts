#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import { VERSION } from '../version.js';
import { reportError } from './run-action.js';
import { registerCommands } from './commands.js';
import { startEarlyThreads } from '../run/early-threads.js';

function applyUsageErrorHandling(cmd: Command): void {
  cmd
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // One line per usage error, like every other fault (the suggestion is on a line of its own otherwise).
      writeErr: (s) =>
        process.stderr.write(s.startsWith('error:') ? `dnsae: ${s.slice(7).trim().replace(/\s*\n\s*/g, ' ')} [DNSAE_ERR_USAGE]\n` : s),
    });
  for (const sub of cmd.commands) applyUsageErrorHandling(sub);
}

// A reader that closes our stdout (| head) is a normal way to stop: no stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.OK);
});

// A function rather than top-level await: the build bundles the CLI as CommonJS
// (scripts/build/bundle-cli.mjs), which has none. A rejection (a command module that
// fails to load) ends the process as an uncaught top-level await did.
async function main(): Promise<void> {
  // Before the command's modules load: a run with --jobs gets its other threads going now.
  startEarlyThreads(process.argv);
  const program = new Command('dnsae')
    .description('DNS anomaly detector: flags traffic on port 53 that is not DNS')
    .version(VERSION);
  // Only the command being run is imported (when argv names one), which keeps startup small.
  await registerCommands(program, process.argv[2]);
  // addCommand() does not pass settings down: without this a subcommand's
  // unknown option would exit 1 through commander's own process.exit.
  applyUsageErrorHandling(program);
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; everything else is a usage error.
      process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    } else {
      process.exitCode = reportError(err);
    }
  }
}

void main();
