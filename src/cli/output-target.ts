import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { LineSink } from '../output/ndjson-sink.js';
import { NetworkSink, SINK_DEFAULTS, type SinkStats } from '../output/sinks/network-sink.js';
import { REDIS_MODES, REDIS_STREAM_MAXLEN_DEFAULT, RedisTransport, type RedisMode } from '../output/sinks/redis-transport.js';
import { lineFrame, SocketTransport } from '../output/sinks/socket-transport.js';
import { Rfc5424Framer, SYSLOG_FACILITIES } from '../output/sinks/syslog-format.js';
import type { Transport } from '../output/sinks/transport.js';
import { plainOutput, sinkSummary, type OpenedOutput } from '../output/sinks/opened-output.js';
import { UdpTransport } from '../output/sinks/udp-transport.js';
import { UnixDgramTransport } from '../output/sinks/unix-dgram-transport.js';
import { parseIntOption } from './run-action.js';

export type { OpenedOutput };

/** `-` or no path: standard output. A file is truncated unless `append` (dnsae live keeps what an earlier run wrote). */
export async function openOutput(path: string | undefined, append = false): Promise<LineSink> {
  return path === undefined || path === '-' ? LineSink.toStdout() : LineSink.toFile(path, append);
}

/** Where `-o/--out` sends records. Anything without one of the prefixes below is a file path, as before. */
export type OutputSpec =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'unix-stream' | 'unix-dgram' | 'syslog-local'; readonly path: string }
  | { readonly kind: 'syslog-udp' | 'syslog-tcp' | 'redis'; readonly host: string; readonly port: number; readonly db: number };

/** The local syslog socket that syslog(3) writes to. */
export const DEV_LOG = '/dev/log';

export function parseOutputSpec(value: string | undefined): OutputSpec {
  if (value === undefined || value === '-') return { kind: 'stdout' };
  for (const [prefix, kind] of [
    ['unix-stream:', 'unix-stream'],
    ['unix-dgram:', 'unix-dgram'],
  ] as const) {
    if (value.startsWith(prefix)) {
      const path = value.slice(prefix.length);
      if (path === '') throw new UsageError(`--out ${value}: a socket path is needed after '${prefix}'`);
      return { kind, path };
    }
  }
  if (value === 'syslog:' || value === 'syslog') return { kind: 'syslog-local', path: DEV_LOG };
  if (value.startsWith('syslog:/')) return { kind: 'syslog-local', path: value.slice('syslog:'.length) };
  for (const [scheme, kind, port] of [
    ['syslog+udp:', 'syslog-udp', 514],
    ['syslog+tcp:', 'syslog-tcp', 514],
    ['redis:', 'redis', 6379],
  ] as const) {
    if (!value.startsWith(`${scheme}//`)) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`--out ${value}: not a valid ${scheme}//host:port address`);
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (host === '') throw new UsageError(`--out ${value}: a host is needed`);
    const path = url.pathname.replace(/^\//, '');
    if (kind !== 'redis' && path !== '') throw new UsageError(`--out ${value}: ${scheme} takes host:port only`);
    if (path !== '' && !/^\d{1,2}$/.test(path)) throw new UsageError(`--out ${value}: the Redis database is a number (redis://host:port/DB)`);
    return { kind, host, port: url.port === '' ? port : Number(url.port), db: path === '' ? 0 : Number(path) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new UsageError(`--out ${value}: unknown output type (file path, -, unix-stream:, unix-dgram:, syslog:, syslog+udp://, syslog+tcp://, redis://)`);
  }
  return { kind: 'file', path: value };
}

export interface SinkCliOptions {
  syslogFacility: string;
  redisMode: string;
  redisKey: string;
  redisStreamMaxlen: number;
  sinkBuffer: number;
  sinkBufferMb: number;
}

/** The options of network outputs, shared by score and live. */
export function addSinkOptions(cmd: Command): Command {
  return cmd
    .option('--syslog-facility <name>', 'facility of syslog: outputs (kern, user, daemon, local0..local7, ...)', 'local5')
    .option('--redis-mode <mode>', 'redis:// output: list (LPUSH), lpush, rpush, channel (PUBLISH), stream (XADD, field "eve")', 'list')
    .option('--redis-key <key>', 'redis:// output: list, channel or stream key', 'dnsae')
    .option('--redis-stream-maxlen <n>', `redis:// stream mode: XADD MAXLEN ~ N (0: no trimming)`, parseIntOption('--redis-stream-maxlen', 0, 2 ** 31 - 1), REDIS_STREAM_MAXLEN_DEFAULT)
    .option('--sink-buffer <records>', 'network outputs: records held while the peer is away or slow, then dropped and counted', parseIntOption('--sink-buffer', 1, 10_000_000), SINK_DEFAULTS.bufferRecords)
    .option('--sink-buffer-mb <n>', 'network outputs: the same bound in MiB of record text', parseIntOption('--sink-buffer-mb', 1, 4096), SINK_DEFAULTS.bufferBytes / (1024 * 1024));
}

function transportFor(spec: Exclude<OutputSpec, { kind: 'stdout' | 'file' }>, o: SinkCliOptions, raw: string): Transport {
  if (spec.kind === 'redis') {
    if (!(REDIS_MODES as readonly string[]).includes(o.redisMode)) throw new UsageError(`--redis-mode must be one of ${REDIS_MODES.join(', ')}, got '${o.redisMode}'`);
    if (o.redisKey === '') throw new UsageError('--redis-key must not be empty');
    return new RedisTransport({ host: spec.host, port: spec.port, db: spec.db, mode: o.redisMode as RedisMode, key: o.redisKey, streamMaxlen: o.redisStreamMaxlen });
  }
  if (spec.kind === 'unix-stream') return new SocketTransport(raw, { path: spec.path }, lineFrame);
  if (spec.kind === 'unix-dgram') return new UnixDgramTransport(raw, spec.path);
  const facility = SYSLOG_FACILITIES[o.syslogFacility];
  if (facility === undefined) throw new UsageError(`--syslog-facility must be one of ${Object.keys(SYSLOG_FACILITIES).join(', ')}, got '${o.syslogFacility}'`);
  const framer = new Rfc5424Framer({ facility });
  if (spec.kind === 'syslog-local') return new UnixDgramTransport(raw, spec.path, (r) => framer.message(r));
  if (spec.kind === 'syslog-udp') return new UdpTransport(raw, spec.host, spec.port, (r) => framer.message(r));
  if (spec.kind === 'syslog-tcp') return new SocketTransport(raw, { host: spec.host, port: spec.port }, (r, parts) => framer.octetCounted(r, parts));
  throw new Error(`no transport for ${spec.kind}`);
}

/**
 * Opens `-o/--out`: a file or stdout as before, or a network target whose
 * records are buffered (bounded), dropped and counted past the bound, and
 * carried by a sink that reconnects by itself. Opening a network target
 * never fails for a peer that is down: it starts buffering.
 */
export async function openOutputTarget(value: string | undefined, o: SinkCliOptions, opts: { append?: boolean; log?: Logger } = {}): Promise<OpenedOutput> {
  const spec = parseOutputSpec(value);
  if (spec.kind === 'stdout') return plainOutput(LineSink.toStdout());
  if (spec.kind === 'file') return plainOutput(await LineSink.toFile(spec.path, opts.append === true));
  const network = new NetworkSink(transportFor(spec, o, value!), {
    bufferRecords: o.sinkBuffer,
    bufferBytes: o.sinkBufferMb * 1024 * 1024,
    ...(opts.log === undefined ? {} : { log: opts.log }),
  });
  network.start();
  const out = LineSink.toStream(network.stream, network.name);
  let final: SinkStats | undefined;
  return {
    out,
    network,
    async close() {
      try {
        await out.close();
      } finally {
        final = await network.close();
      }
    },
    summary: () => sinkSummary(network, final),
  };
}
