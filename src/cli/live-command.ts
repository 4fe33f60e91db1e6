import { Command } from 'commander';
import { LIVE_DEFAULTS, listLiveDevices } from '../capture/live-source.js';
import { UsageError } from '../errors.js';
import { stageLogger } from '../logger.js';
import type { CaptureTuning, LiveRunOptions } from '../run/live.js';
import { addDetectorOptions, alertPolicyFrom, detectorsFrom, ruleMaskFrom, tunnelRunFrom, type DetectorCliOptions } from './alert-options.js';
import { addSinkOptions, openOutputTarget, type SinkCliOptions } from './output-target.js';
import { addCommunityIdOption } from './community-id-option.js';
import { addPipelineOptions, pipelineOptionsFrom, type PipelineCliOptions } from './pipeline-options.js';
import { parseIntOption, runAction } from './run-action.js';

export interface LiveCliOptions extends PipelineCliOptions, DetectorCliOptions, SinkCliOptions {
  interface?: string;
  filter: string;
  user?: string;
  out?: string;
  all?: boolean;
  statsInterval: number;
  metricsPort?: number;
  metricsHost: string;
  snaplen?: number;
  bufferMb?: number;
  queueFrames?: number;
  queueMb?: number;
  readTimeout?: number;
  immediate?: boolean;
  listInterfaces?: boolean;
  workers: number;
}

const MIB = 1024 * 1024;

export function liveCommand(): Command {
  const cmd = new Command('live')
    .description('score port-53 traffic on a network interface as it arrives; alerts as EVE-style NDJSON. SIGHUP reopens --out and reloads the model; SIGTERM drains and exits (see docs/live.md)')
    .option('-i, --interface <name>', 'capture device (see --list-interfaces)')
    .option('--list-interfaces', 'print the devices libpcap can open, one per line, and exit')
    .option('-f, --filter <bpf>', 'BPF filter, compiled by libpcap; "" captures everything', LIVE_DEFAULTS.filter)
    .option('-u, --user <name>', 'switch to this user (name or uid) once the interface is open; needs root')
    .option('-o, --out <target>', 'append records to FILE instead of writing them to standard output (created mode 0640, before --user takes effect; SIGHUP reopens it as that user, for log rotation, and reloads the model); or send them to unix-stream:PATH, unix-dgram:PATH, syslog:, syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT, redis://HOST:PORT[/DB] (docs/outputs.md; SIGHUP reconnects)')
    .option('--all', 'also write one event_type "dns_ae" record per scored sample and one "dns_ae_window" record per scored tunnel-stage window')
    .option('--stats-interval <sec>', 'log a stats line every SEC seconds; 0: only the final one', parseIntOption('--stats-interval', 0, 86_400), 60)
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics', parseIntOption('--metrics-port', 1, 65_535))
    .option('--metrics-host <addr>', 'address the metrics endpoint listens on', '127.0.0.1')
    .option(
      '--workers <n>',
      'N capture handles in one AF_PACKET fanout group that sends each client\'s frames to one of N worker threads, each scoring its share; records carry a "worker" field (docs/live.md)',
      parseIntOption('--workers', 1, 64),
      1,
    );
  addDetectorOptions(cmd);
  addPipelineOptions(cmd);
  addSinkOptions(cmd);
  addCommunityIdOption(cmd);
  cmd
    .option('--snaplen <bytes>', `bytes kept per frame (default ${LIVE_DEFAULTS.snaplen}: whole DNS-over-TCP segments)`, parseIntOption('--snaplen', 64, 262_144))
    .option('--buffer-mb <n>', `kernel capture buffer in MiB (default ${LIVE_DEFAULTS.bufferSize / MIB})`, parseIntOption('--buffer-mb', 1, 2047))
    .option('--queue-frames <n>', `user-space queue size in frames (default ${LIVE_DEFAULTS.queueFrames})`, parseIntOption('--queue-frames', 1, 16_777_216))
    .option('--queue-mb <n>', `user-space queue size in MiB (default ${LIVE_DEFAULTS.queueBytes / MIB})`, parseIntOption('--queue-mb', 1, 4095))
    .option('--read-timeout <ms>', `longest a frame waits in a partly filled kernel block (default ${LIVE_DEFAULTS.readTimeoutMs})`, parseIntOption('--read-timeout', 1, 10_000))
    .option('--immediate', 'libpcap immediate mode: no block wait, but a much smaller kernel ring (docs/live.md)');
  return cmd.action((o: LiveCliOptions) =>
    runAction(async () => {
      if (o.listInterfaces === true) {
        process.stdout.write(listLiveDevices().map((d) => `${d}\n`).join(''));
        return 0;
      }
      const log = stageLogger('live');
      // Imported on use: prom-client alone adds ~75 ms to every other command's start.
      const { runLive } = await import('../run/live.js');
      const options = liveRunOptionsFrom(o);
      const tunnel = await tunnelRunFrom(o, detectorsFrom(o), log);
      return runLive(tunnel === undefined ? options : { ...options, tunnel }, log, { openOutput: () => openOutputTarget(o.out, o, { append: true, log }) });
    }),
  );
}

/** Checks and converts the parsed options; a usage error for what commander cannot express. */
export function liveRunOptionsFrom(o: LiveCliOptions): LiveRunOptions {
  if (o.interface === undefined || o.interface === '') throw new UsageError('live needs -i/--interface (dnsae live --list-interfaces shows the devices)');
  const capture: { -readonly [K in keyof CaptureTuning]: CaptureTuning[K] } = {};
  if (o.snaplen !== undefined) capture.snaplen = o.snaplen;
  if (o.bufferMb !== undefined) capture.bufferSize = o.bufferMb * MIB;
  if (o.queueFrames !== undefined) capture.queueFrames = o.queueFrames;
  if (o.queueMb !== undefined) capture.queueBytes = o.queueMb * MIB;
  if (o.readTimeout !== undefined) capture.readTimeoutMs = o.readTimeout;
  if (o.immediate === true) capture.immediate = true;
  return {
    device: o.interface,
    filter: o.filter,
    user: o.user,
    modelDir: o.model,
    mode: detectorsFrom(o).header,
    ruleMask: ruleMaskFrom(o),
    policy: alertPolicyFrom(o),
    all: o.all === true,
    pipeline: pipelineOptionsFrom(o),
    capture,
    statsIntervalSec: o.statsInterval,
    metrics: o.metricsPort === undefined ? undefined : { host: o.metricsHost, port: o.metricsPort },
    ...(o.workers > 1 ? { workers: o.workers } : {}),
  };
}
