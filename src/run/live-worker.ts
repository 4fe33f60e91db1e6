import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { RecordFeed } from '../capture/record-feed.js';
import { DnsaeError, ModelError } from '../errors.js';
import { stageLogger } from '../logger.js';
import { setCommunityIdSeed } from '../output/community-id.js';
import { LineSink } from '../output/ndjson-sink.js';
import { openQuestionModel } from '../scoring/open-scorer.js';
import { openLiveScorer, openLiveStages, tunnelCounters } from './live-stages.js';
import { LiveCounters } from './live-stats.js';
import { LIVE_LINE_CREDIT_BYTES, type LiveMainMessage, type LiveWorkerMessage, type LiveWorkerReading, type LiveWorkerSpec } from './live-worker-protocol.js';
import { LossRatioHistogram } from './loss-ratio-histogram.js';

/**
 * A worker (worker_threads) of `dnsae live --workers N`: the sensor's
 * pipeline and stages on the frames of one capture handle of the fanout
 * group, which the main thread forwards (the cap addon loads in one thread
 * only), with its records handed back to the main thread's one output.
 * Every record gets a top-level "worker" field first, the worker's index.
 */
const port = parentPort!;
const spec = workerData as LiveWorkerSpec;
const log = stageLogger('live').child({ worker: spec.worker });

function post(m: LiveWorkerMessage): void {
  port.postMessage(m);
}

let outstanding = 0;
let wake: (() => void) | undefined;

const TAG = Buffer.from(`{"worker":${spec.worker},`);
const OPEN_BRACE = 0x7b;
const NEWLINE = 10;

/** Each line's opening brace becomes TAG, so the field comes first whatever the record. */
function tagged(chunk: Buffer): { bytes: Buffer; lines: number } {
  const parts: Buffer[] = [];
  let lines = 0;
  for (let p = 0; p < chunk.length; ) {
    let nl = chunk.indexOf(NEWLINE, p);
    if (nl < 0) nl = chunk.length - 1;
    if (chunk[p] === OPEN_BRACE) parts.push(TAG, chunk.subarray(p + 1, nl + 1));
    else parts.push(chunk.subarray(p, nl + 1));
    lines++;
    p = nl + 1;
  }
  return { bytes: Buffer.concat(parts), lines };
}

const collector = new Writable({
  highWaterMark: 1 << 30,
  write(chunk: Buffer, _enc, done) {
    const { bytes, lines } = tagged(chunk);
    outstanding += bytes.length;
    post({ t: 'lines', bytes, lines });
    done();
  },
});

async function main(): Promise<void> {
  setCommunityIdSeed(spec.communityIdSeed);
  const histogram = new LossRatioHistogram();
  const scorer = await openLiveScorer(spec.mode, spec.modelDir, histogram);
  const model = spec.tunnel === undefined ? undefined : await openQuestionModel(spec.modelDir);
  if (spec.tunnel !== undefined && model === undefined) throw new ModelError('DNSAE_ERR_MODEL_NOT_FOUND', 'the model has no question stage', { file: spec.modelDir });
  const out = LineSink.toStream(collector, `<live worker ${spec.worker}>`);
  const stages = openLiveStages(
    {
      mode: spec.mode,
      ...(spec.tunnel === undefined || model === undefined
        ? {}
        : { tunnel: { model, domains: spec.tunnel.domains, maxWindows: spec.tunnel.maxWindows, allowDomains: new Set(spec.tunnel.allowDomains) } }),
      ruleMask: spec.ruleMask,
      policy: spec.policy,
      all: spec.all,
      pipeline: spec.pipeline,
      device: spec.device,
    },
    scorer,
    out,
    log,
  );
  const { pipeline, consumer, policy, tunnel } = stages;
  let startCapture: ((m: { linktype: number; snaplen: number }) => void) | undefined;
  const started = new Promise<{ linktype: number; snaplen: number }>((r) => (startCapture = r));
  port.on('message', (m: LiveMainMessage) => {
    if (m.t === 'start') startCapture!(m);
  });
  post({ t: 'ready', modelId: scorer?.modelId ?? null });
  const start = await started;
  const feed = new RecordFeed(`live:${spec.device}#${spec.worker}`, start.linktype, start.snaplen, async (buffer) => {
    port.postMessage({ t: 'consumed', buffer } satisfies LiveWorkerMessage, [buffer.buffer as ArrayBuffer]);
    while (outstanding > LIVE_LINE_CREDIT_BYTES) await new Promise<void>((r) => (wake = r));
  });
  const reloads = { ok: 0, failed: 0 };
  const counters = new LiveCounters({
    source: {
      stats: feed.stats,
      queue: { queued: 0, highWater: 0, drops: 0, dropBytes: 0 },
      kernelStats: () => ({ received: 0, dropped: 0, ifDropped: 0, source: 'pcap_stats' }),
      get laneFrames() {
        return feed.laneFrames;
      },
    },
    pipeline,
    policy,
    output: { reopens: 0, reopenFailures: 0 },
    modelId: () => scorer?.modelId ?? null,
    reloads,
    alertsBySignature: () => consumer?.counters.alerts_by_signature ?? {},
    tunnel: tunnelCounters(stages),
  });
  const reading = (): LiveWorkerReading => ({ snapshot: counters.snapshot(), lossRatio: scorer === undefined ? undefined : histogram.snapshot() });

  port.on('message', (m: LiveMainMessage) => {
    switch (m.t) {
      case 'run':
        feed.push(m.buffer, m.bytes);
        break;
      case 'end':
        feed.end();
        break;
      case 'ack': {
        outstanding -= m.bytes;
        const w = wake;
        wake = undefined;
        w?.();
        break;
      }
      case 'read':
        post({ t: 'reading', id: m.id, reading: reading() });
        break;
      case 'reload':
        // A continuation runs between capture chunks, never inside one.
        stages.reload(spec.modelDir).then(
          (r) => {
            reloads.ok++;
            post({ t: 'reloaded', id: m.id, ok: true, ...r });
          },
          (err: unknown) => {
            reloads.failed++;
            const error = err instanceof DnsaeError ? err.toLine() : String((err as Error)?.message ?? err);
            post({ t: 'reloaded', id: m.id, ok: false, oldModelId: scorer?.modelId ?? null, newModelId: null, oldTunnelModelId: tunnel?.modelId ?? null, newTunnelModelId: null, error });
          },
        );
        break;
    }
  });
  post({ t: 'started', fastLane: pipeline.assembler.fastLane && start.linktype === 1 });

  await pipeline.runSource(feed, 0);
  await stages.finish(out);
  await out.drain();
  post({ t: 'done', reading: reading(), summary: { ...stages.summaryStats(), forwarded_runs: feed.runsReceived } });
}

main().catch((err: unknown) => {
  const e = err as Error;
  post({
    t: 'fatal',
    error:
      err instanceof DnsaeError
        ? { code: err.code, message: err.message, ...(err.file === undefined ? {} : { file: err.file }), internal: false }
        : { code: 'DNSAE_ERR_INTERNAL', message: e?.message ?? String(err), internal: true },
  });
});
