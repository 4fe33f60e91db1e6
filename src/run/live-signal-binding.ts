/**
 * The live sensor's signals, one worker or many: SIGINT and SIGTERM stop
 * it (draining; the listener gets the signal's name), SIGHUP reopens its
 * output and reloads its model. Returns what unbinds them, so a run that
 * ends leaves the emitter (the process, or a test's) as it found it.
 */
export function bindLiveSignals(signals: NodeJS.EventEmitter, onStop: (signal: unknown) => void, onHup: () => void): () => void {
  const bound = [
    ['SIGINT', onStop],
    ['SIGTERM', onStop],
    ['SIGHUP', onHup],
  ] as const;
  for (const [sig, fn] of bound) signals.on(sig, fn);
  return () => {
    for (const [sig, fn] of bound) signals.off(sig, fn);
  };
}
