import { pino, type Logger } from 'pino';

/**
 * One root logger writing to stderr; every stage takes a child with
 * `{ stage }` so log lines can be filtered per pipeline stage. Alerts never
 * go through here: they are data, written by src/output.
 */
export type { Logger };

export function createRootLogger(level: string = process.env.DNSAE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'dnsae' } }, pino.destination({ fd: 2, sync: true }));
}

let root: Logger | undefined;

export function rootLogger(): Logger {
  root ??= createRootLogger();
  return root;
}

export function setRootLogger(logger: Logger): void {
  root = logger;
}

export function stageLogger(stage: string): Logger {
  return rootLogger().child({ stage });
}
