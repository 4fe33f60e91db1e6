import { ExitCode } from '../errors.js';
import type { Logger } from '../logger.js';

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export interface LiveSignalHandlers {
  /** Whether capture has started (a stop before it only marks the run as stopping). */
  readonly capturing: () => boolean;
  /** Stops capture; what was captured is then scored (drained). */
  readonly stop: () => void;
  /** SIGHUP: reopen the output and reload the model. */
  readonly hup: () => void;
  /** Added to the "stopping" log line. */
  readonly stopFields?: Readonly<Record<string, unknown>>;
}

export interface LiveSignals {
  /** A SIGINT or SIGTERM has come: a capture that starts now stops at once. */
  readonly stopping: boolean;
  /** Leaves the emitter (the process, or a test's) as it was. */
  unbind(): void;
}

/**
 * The live sensor's signals, one worker or many: SIGINT and SIGTERM stop it
 * and drain, a second one exits at once without draining (128 + the
 * signal's number); SIGHUP reopens its output and reloads its model.
 */
export function bindLiveSignals(signals: NodeJS.EventEmitter, log: Logger, h: LiveSignalHandlers): LiveSignals {
  let stopping = false;
  const onStop = (sig: unknown): void => {
    const name = String(sig);
    if (stopping) {
      log.warn({ signal: name }, 'second signal: exiting without draining');
      process.exit(SIGNAL_EXIT[name] ?? ExitCode.INTERNAL);
    }
    stopping = true;
    if (!h.capturing()) {
      log.info({ signal: name }, 'stopping before capture has started');
      return;
    }
    log.info({ signal: name, ...h.stopFields }, 'stopping: scoring what was captured');
    h.stop();
  };
  const onHup = (): void => h.hup();
  const bound = [
    ['SIGINT', onStop],
    ['SIGTERM', onStop],
    ['SIGHUP', onHup],
  ] as const;
  for (const [sig, fn] of bound) signals.on(sig, fn);
  return {
    get stopping() {
      return stopping;
    },
    unbind() {
      for (const [sig, fn] of bound) signals.off(sig, fn);
    },
  };
}
