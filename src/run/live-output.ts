import { DnsaeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LineSink } from '../output/ndjson-sink.js';
import type { OpenedOutput } from '../output/sinks/opened-output.js';

export function errorLine(err: unknown): string {
  return err instanceof DnsaeError ? err.toLine() : ((err as Error)?.message ?? String(err));
}

/**
 * The SIGHUP half that concerns the output (log rotation): a file is
 * reopened at its path, a network output connects afresh, standard output
 * is left alone. `current` gives the sink while it is open (undefined
 * before it is opened, where it will be opened at the path as it is now,
 * and after it is closed, where the sink would open a file nobody closes).
 */
export function outputReopener(log: Logger, current: () => { out: LineSink; target: OpenedOutput | undefined } | undefined): () => void {
  let reopening = false;
  return (): void => {
    const now = current();
    if (now === undefined) return;
    const sink = now.out;
    const network = now.target?.network;
    if (network !== undefined) {
      // A network output has no file to let go: SIGHUP makes it connect afresh (a peer that moved, a stuck connection).
      log.info({ out: network.name, sink_buffered: network.stats.buffered }, 'SIGHUP: reconnecting the output sink');
      network.reconnect();
      return;
    }
    if (!sink.reopenable) {
      log.info('SIGHUP: the output is standard output; nothing to reopen');
      return;
    }
    if (reopening) {
      log.warn({ out: sink.name }, 'SIGHUP: an output reopen is already running');
      return;
    }
    reopening = true;
    sink.reopen().then(
      () => {
        log.info({ out: sink.name, output_reopens: sink.reopens }, 'output reopened');
        reopening = false;
      },
      (err: unknown) => {
        log.error({ out: sink.name, error: errorLine(err), output_reopen_failures: sink.reopenFailures }, 'output reopen failed; still writing to the file opened before');
        reopening = false;
      },
    );
  };
}
