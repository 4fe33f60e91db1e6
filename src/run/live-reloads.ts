import type { Logger } from '../logger.js';

/** What a SIGHUP's model reload came to: swapped, kept the old model, or neither (the sensor is stopping). */
export type ReloadOutcome = 'reloaded' | 'failed' | undefined;

/**
 * SIGHUP's model reloads, one worker or many: a request while the sensor
 * is still starting (the model being loaded is the current one), when its
 * detector uses no model, or while a reload runs is logged and dropped;
 * otherwise `reload` runs, logs its own outcome, and is counted.
 */
export class LiveReloads {
  /** Reloads that swapped the model and that kept the old one (the stats line's and the metrics' counters). */
  readonly counts = { ok: 0, failed: 0 };
  private running = false;

  constructor(
    private readonly log: Logger,
    private readonly modelDir: string,
  ) {}

  request(state: { readonly started: boolean; readonly usesModel: boolean; readonly detector: unknown }, reload: () => Promise<ReloadOutcome>): void {
    if (!state.started) {
      this.log.info('SIGHUP during start-up: the model being loaded is the current one; nothing to reload');
      return;
    }
    if (!state.usesModel) {
      this.log.info({ detector: state.detector }, 'SIGHUP: this detector uses no model; nothing to reload');
      return;
    }
    if (this.running) {
      this.log.warn({ model: this.modelDir }, 'SIGHUP: a model reload is already running');
      return;
    }
    this.running = true;
    void reload()
      .then(
        (outcome) => {
          if (outcome === 'reloaded') this.counts.ok++;
          else if (outcome === 'failed') this.counts.failed++;
        },
        () => undefined,
      )
      .finally(() => {
        this.running = false;
      });
  }
}
