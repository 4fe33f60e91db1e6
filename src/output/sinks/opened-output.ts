import type { LineSink } from '../ndjson-sink.js';
import type { NetworkSink, SinkStats } from './network-sink.js';

/** An open `--out`: the LineSink records are written to, and behind it, for a network target, the sink that carries them. */
export interface OpenedOutput {
  readonly out: LineSink;
  readonly network: NetworkSink | undefined;
  /** Flushes and closes; a network sink waits a bounded time for its buffer, then counts the rest as dropped. Throws only for a file's write error. */
  close(): Promise<void>;
  /** The counters for the run summary (none for a file or stdout). */
  summary(): Record<string, unknown>;
}

export function plainOutput(out: LineSink): OpenedOutput {
  return { out, network: undefined, close: () => out.close(), summary: () => ({}) };
}

/** A file or stdout as it is, or an OpenedOutput: what `dnsae live` is handed. */
export function asOpenedOutput(o: LineSink | OpenedOutput): OpenedOutput {
  return 'out' in o ? o : plainOutput(o);
}

export function sinkSummary(network: NetworkSink, s: SinkStats = network.stats): Record<string, unknown> {
  return { sink: network.name, sink_sent: s.sent, sink_dropped: s.dropped, sink_reconnects: s.reconnects, sink_buffered: s.buffered };
}
