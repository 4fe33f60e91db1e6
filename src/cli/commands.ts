import type { Command } from 'commander';

/** Commands beyond extract are registered here as they are wired. */
export function registerCommands(_program: Command): void {}
