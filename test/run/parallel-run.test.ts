import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlowShare } from '../../src/flow/flow-share.js';
import type { QuestionModel } from '../../src/model/question/question-model.js';
import { LineSink } from '../../src/output/ndjson-sink.js';
import { DEFAULT_PIPELINE_OPTIONS, runFiles } from '../../src/pipeline.js';
import { openExtractRun } from '../../src/run/extract.js';
import { openScoreRun, type ScoreRunOptions } from '../../src/run/score.js';
import { DEFAULT_ALERT_POLICY } from '../../src/scoring/alert-policy.js';
import type { FusedScorer } from '../../src/scoring/fused-scorer.js';
import { openQuestionModel, openScorer } from '../../src/scoring/open-scorer.js';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { CLI, ROOT, runCli } from '../golden/run-cli.js';

const log = pino({ level: 'silent' });
const FIXTURES = join(ROOT, 'test/fixtures');
/** Every capture of the fixtures, in every folder. */
const CAPTURES = (readdirSync(FIXTURES, { recursive: true }) as string[]).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => `test/fixtures/${f}`).sort();
const BENCH = '/tmp/dnsae-bench.pcap';

let scorer: FusedScorer;
let model: QuestionModel;
beforeAll(async () => {
  scorer = await openScorer();
  model = (await openQuestionModel())!;
});

/** A sink whose lines are kept. */
function collecting(): { out: LineSink; lines: () => string[] } {
  const parts: Buffer[] = [];
  const out = LineSink.toStream(new Writable({ write: (c: Buffer, _e, done) => (parts.push(Buffer.from(c)), done()) }), '<test>');
  return { out, lines: () => Buffer.concat(parts).toString('utf8').split('\n').filter((l) => l !== '') };
}

function scoreOptions(tunnel: boolean, share: FlowShare | undefined): ScoreRunOptions {
  return {
    mode: 'hybrid',
    scorer,
    ruleMask: undefined,
    policy: DEFAULT_ALERT_POLICY,
    all: true,
    pipeline: { ...DEFAULT_PIPELINE_OPTIONS, ...(share === undefined ? {} : { share }) },
    ...(tunnel ? { tunnel: { model, domains: {}, maxWindows: 65_536, allowDomains: new Set<string>() } } : {}),
  };
}

/** The records of one score run (all of them: alerts, dns_ae and dns_ae_window) over `file`, of one share or of all. */
async function scoreRecords(file: string, tunnel: boolean, share?: FlowShare): Promise<{ lines: string[]; stats: Record<string, unknown> }> {
  const { out, lines } = collecting();
  const run = openScoreRun([file], out, scoreOptions(tunnel, share), log);
  const { errors } = await runFiles([file], run.pipeline, log, (i) => run.endSource(i));
  await out.close();
  return { lines: lines(), stats: run.result(errors).stats };
}

async function extractRecords(file: string, share?: FlowShare): Promise<string[]> {
  const { out, lines } = collecting();
  const pipeline = openExtractRun([file], 'ndjson', out, { ...DEFAULT_PIPELINE_OPTIONS, ...(share === undefined ? {} : { share }) }, log);
  await runFiles([file], pipeline, log);
  await out.close();
  return lines();
}

/**
 * How a window's end was noticed (its `closed_by`) follows the question
 * stage's clock, which moves with the rows a share sees: a window that one
 * run closes as `expired` another may close as `window` or `flushed`, with
 * the same messages in it (docs/scaling.md).
 */
function windowEndUnnoticed(line: string): string {
  return line.replace(/"closed_by":"(expired|window|flushed)"/, '"closed_by":"?"');
}

const sorted = (a: readonly string[]): string[] => [...a].sort();

/** An order-free digest of a CLI run's records (too many to hold): their count and the sum of their hashes. */
async function digest(args: readonly string[]): Promise<{ lines: number; sum: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  let lines = 0;
  let sum = 0n;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === '') continue;
    lines++;
    sum = (sum + createHash('sha1').update(windowEndUnnoticed(line)).digest().readBigUInt64LE(0)) & 0xffffffffffffffffn;
  }
  await new Promise((r) => child.once('close', r));
  return { lines, sum: sum.toString(16) };
}

describe('shares of one capture', () => {
  it('has captures to check', () => {
    expect(CAPTURES.length).toBeGreaterThan(90);
    // Those of the sub-folders too.
    expect(CAPTURES.filter((f) => f.includes('/in-protocol-tunnel/')).length).toBeGreaterThan(0);
  });

  it.each(CAPTURES)('%s: the records of 2 and of 3 shares are those of one run', async (file) => {
    for (const count of [2, 3]) {
      // The header stage alone: shares by flow, every record the same.
      const one = await scoreRecords(file, false);
      const parts: string[] = [];
      for (let index = 0; index < count; index++) parts.push(...(await scoreRecords(file, false, { index, count, by: 'flow' })).lines);
      expect(sorted(parts)).toEqual(sorted(one.lines));
      // Both stages: shares by client.
      const both = await scoreRecords(file, true);
      const byClient: string[] = [];
      let samples = 0;
      let frames = 0;
      for (let index = 0; index < count; index++) {
        const r = await scoreRecords(file, true, { index, count, by: 'client' });
        byClient.push(...r.lines);
        samples += r.stats.samples as number;
        frames += r.stats.frames as number;
      }
      expect(sorted(byClient.map(windowEndUnnoticed))).toEqual(sorted(both.lines.map(windowEndUnnoticed)));
      expect(samples).toBe(both.stats.samples);
      expect(frames).toBe(both.stats.frames);
      const extracted: string[] = [];
      for (let index = 0; index < count; index++) extracted.push(...(await extractRecords(file, { index, count, by: 'flow' })));
      expect(sorted(extracted)).toEqual(sorted(await extractRecords(file)));
    }
  });
});

/** The counters a summary of one run and of N workers must agree on. */
function counters(st: Record<string, unknown> | undefined): unknown {
  if (st === undefined) return undefined;
  const flows = st.flows as Record<string, number>;
  return {
    frames: st.frames,
    decoded: st.decoded,
    samples: st.samples,
    weirds: st.weirds,
    packets_ignored: flows.packets_ignored,
    udp_samples: flows.udp_samples,
    tcp_samples: flows.tcp_samples,
    alerting: st.alerting,
    sources: (st.sources as Record<string, unknown>[]).map((o) => [o.name, o.frames, o.samples, o.error]),
  };
}

describe('dnsae score|extract --jobs 2 (worker threads; needs npm run build)', () => {
  const some = [
    'test/fixtures/benign/tcpdump__dns_tcp.pcap',
    'test/fixtures/anomalous/in-protocol-tunnel/ndpi__dns-tunnel-iodine.pcap',
    'data/sample/mixed.pcap',
    'test/fixtures/malformed/' + readdirSync(join(FIXTURES, 'malformed')).filter((f) => /\.pcap(ng)?$/.test(f))[0]!,
  ];

  it.each(some)('%s: score --jobs 2 (split by stage) writes the bytes, summary, errors and exit status of --jobs 1', (file) => {
    for (const detector of ['both', 'tunnel']) {
      const a = runCli(['score', '--all', '-d', detector, '--jobs', '1', file]);
      const b = runCli(['score', '--all', '-d', detector, '--jobs', '2', file]);
      expect(b.status).toBe(a.status);
      expect(b.errorLines).toEqual(a.errorLines);
      expect(a.stdout).toMatch(/"dns_ae_window"/);
      expect(b.stdout).toBe(a.stdout);
      expect(b.summary).toEqual(a.summary);
    }
  });

  it.each(some)('%s: without the fast lane, score --jobs 2 splits by client and writes the records and summary counters of --jobs 1', (file) => {
    const env = { DNSAE_FAST_LANE: '0' };
    const a = runCli(['score', '--all', '--jobs', '1', file], { env });
    const b = runCli(['score', '--all', '--jobs', '2', file], { env });
    expect(b.status).toBe(a.status);
    expect(b.errorLines).toEqual(a.errorLines);
    expect(sorted(b.stdout.split('\n').filter(Boolean).map(windowEndUnnoticed))).toEqual(sorted(a.stdout.split('\n').filter(Boolean).map(windowEndUnnoticed)));
    expect(a.stdout.length).toBeGreaterThan(0);
    expect(counters(b.summary)).toEqual(counters(a.summary));
  });

  it('score -d hybrid --jobs 2 of one capture splits by flow and writes the records and summary counters of --jobs 1', () => {
    const file = 'data/sample/mixed.pcap';
    const a = runCli(['score', '--all', '-d', 'hybrid', '--jobs', '1', file]);
    const b = runCli(['score', '--all', '-d', 'hybrid', '--jobs', '2', file]);
    expect(b.status).toBe(a.status);
    expect(a.stdout).toMatch(/"dns_ae"/);
    expect(sorted(b.stdout.split('\n').filter(Boolean))).toEqual(sorted(a.stdout.split('\n').filter(Boolean)));
    expect(counters(b.summary)).toEqual(counters(a.summary));
  });

  it('several small captures with the question stage: one run split by stage, the bytes, summary and exit status of --jobs 1', () => {
    const files = [...some, 'test/fixtures/benign/zeek__dns-edns-ecs.pcap'];
    const a = runCli(['score', '--all', '--jobs', '1', ...files]);
    const b = runCli(['score', '--all', '--jobs', '2', ...files]);
    expect(a.stdout).toMatch(/"dns_ae_window"/);
    expect(b.stdout).toBe(a.stdout);
    expect(b.errorLines).toEqual(a.errorLines);
    expect(b.status).toBe(a.status);
    expect(b.summary).toEqual(a.summary);
  });

  it('several captures go whole to the workers, in input order, each as if scored alone', () => {
    const files = [...some, 'test/fixtures/benign/zeek__dns-edns-ecs.pcap'];
    // Whole captures also for these small ones (the crossover to the stage split set to 0 bytes).
    const env = { DNSAE_FILES_MIN_MEAN_BYTES: '0' };
    const b = runCli(['score', '--jobs', '2', ...files], { env });
    const alone = files.map((f) => runCli(['score', f]));
    // Input after input, each input's records in its own run's order.
    expect(b.stdout).toBe(alone.map((r) => r.stdout).join(''));
    expect(b.errorLines).toEqual(alone.flatMap((r) => r.errorLines));
    expect(b.status).toBe(alone.find((r) => r.status !== 0)?.status ?? 0);
    const sum = (k: 'frames' | 'samples'): number => alone.reduce((n, r) => n + ((r.summary as Record<string, number>)[k] ?? 0), 0);
    const st = b.summary as Record<string, number>;
    expect(st.frames).toBe(sum('frames'));
    expect(st.samples).toBe(sum('samples'));
  });

  it('the order of the records of one capture split in shares is the same from run to run', () => {
    const file = 'test/fixtures/anomalous/in-protocol-tunnel/ndpi__dns-tunnel-iodine.pcap';
    const runs = [0, 1, 2].map(() => runCli(['extract', '--jobs', '2', file]).stdout);
    expect(runs[0]!.length).toBeGreaterThan(0);
    expect(runs[1]).toBe(runs[0]);
    expect(runs[2]).toBe(runs[0]);
  });

  it('extract --jobs 2 --format csv writes one header and the rows of --jobs 1', () => {
    const file = 'test/fixtures/benign/tcpdump__dns_tcp.pcap';
    const a = runCli(['extract', '--format', 'csv', '--jobs', '1', file]).stdout.split('\n');
    const b = runCli(['extract', '--format', 'csv', '--jobs', '2', file]).stdout.split('\n');
    expect(b[0]).toBe(a[0]);
    expect(b.filter((l) => l === a[0]).length).toBe(1);
    expect(sorted(b)).toEqual(sorted(a));
  });

  it('a bad --jobs is a usage error', () => {
    const r = runCli(['score', '--jobs', '257', 'data/sample/mixed.pcap']);
    expect(r.status).toBe(2);
    expect(r.errorLines.join('\n')).toMatch(/--jobs/);
  });

  it.runIf(existsSync(BENCH))(
    'the bench capture: score --jobs 2 writes the bytes and summary of --jobs 1, and -d hybrid every dns_ae record of the header stage when no flow is evicted',
    async () => {
      const a = runCli(['score', '--jobs', '1', BENCH]);
      const b = runCli(['score', '--jobs', '2', BENCH]);
      expect(b.status).toBe(a.status);
      // Split by stage: one run's bytes and summary.
      expect(b.stdout).toBe(a.stdout);
      expect(b.summary).toEqual(a.summary);
      expect((a.summary as Record<string, number>).samples).toBeGreaterThan(1_000_000);
      // With the default bounds the bench capture evicts flows (more at one worker than at two, each worker
      // having the bounds): a flow evicted and seen again restarts its message_index.
      const roomy = ['score', '-d', 'hybrid', '--all', '--max-flows', '400000', BENCH];
      const one = await digest([...roomy, '--jobs', '1']);
      const two = await digest([...roomy, '--jobs', '2']);
      expect(one.lines).toBeGreaterThan(1_000_000);
      expect(two).toEqual(one);
    },
    300_000,
  );
});
