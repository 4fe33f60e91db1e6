import { createReadStream, createWriteStream, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport, type ReportOptions } from '../../src/report/run-report.js';
import type { ReportSummary } from '../../src/report/summary.js';
import { makeAlertStream, plainAlerts, type PlainRecord, type StreamManifest } from './alert-stream.js';

const DAY = 86_400_000;
const WINDOW = 7;
let dir = '';
let m: StreamManifest;
let records: PlainRecord[];
const logLines: Record<string, unknown>[] = [];

function logger() {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') logLines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

const opts = (o: Partial<ReportOptions> = {}): ReportOptions => ({
  unit: 'day',
  window: WINDOW,
  fromMs: undefined,
  toMs: undefined,
  allProducers: false,
  progress: false,
  ...o,
});

async function report(files: readonly string[], o: Partial<ReportOptions> = {}): Promise<ReportSummary> {
  const r = await runReport(files, opts(o), logger());
  expect(r.errors).toEqual([]);
  return r.summary;
}

/** Counts per day from `start` for `days` days, written plainly. */
function perDay(recs: readonly PlainRecord[], start: number, days: number): number[] {
  const c = new Array<number>(days).fill(0);
  for (const r of recs) {
    const d = Math.floor((r.ts - start) / DAY);
    if (d >= 0 && d < days) c[d]!++;
  }
  return c;
}

/** Days outside mean ± 2 sd of the 7 days before (population sd), from day 7 on. */
function plainFlags(c: readonly number[]): number[] {
  const out: number[] = [];
  for (let t = WINDOW; t < c.length; t++) {
    const w = c.slice(t - WINDOW, t);
    const mean = w.reduce((a, b) => a + b, 0) / WINDOW;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / WINDOW);
    if (c[t]! > mean + 2 * sd || c[t]! < mean - 2 * sd) out.push(t);
  }
  return out;
}

let full: ReportSummary;
let start = 0;

beforeAll(async () => {
  ({ dir, manifest: m } = makeAlertStream());
  records = plainAlerts(m.files);
  start = Date.parse(`${m.start}T00:00:00Z`);
  full = await report(m.files);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('dnsae report over a generated multi-week, multi-sensor stream', () => {
  it('counts every dnsae alert per day, fleet and per sensor, as a plain count does', () => {
    const dnsae = records.filter((r) => r.dnsae);
    expect(full.period.buckets).toBe(m.days);
    expect(full.buckets[0]).toBe(m.start);
    expect(full.totals.alerts).toBe(dnsae.length);
    expect(full.fleet.find((s) => s.id === 'all')!.counts).toEqual(perDay(dnsae, start, m.days));
    expect(full.fleet.find((s) => s.id === 'tunnel')!.counts).toEqual(perDay(dnsae.filter((r) => r.sid === 9053010), start, m.days));
    expect(full.sensors.map((s) => s.label).sort()).toEqual([...m.sensors].sort());
    for (const s of full.sensors) expect(s.counts).toEqual(perDay(dnsae.filter((r) => r.host === s.label), start, m.days));
  });

  it('bands match an independent computation, and the planted spike is the only flagged bucket', () => {
    const dnsae = records.filter((r) => r.dnsae);
    const series: [string, PlainRecord[]][] = [
      ['all', dnsae],
      ...[9053001, 9053002, 9053003, 9053010].map((sid, i) => [['autoencoder', 'rules', 'both', 'tunnel'][i]!, dnsae.filter((r) => r.sid === sid)] as [string, PlainRecord[]]),
      ...m.sensors.map((h) => [`sensor:${h}`, dnsae.filter((r) => r.host === h)] as [string, PlainRecord[]]),
    ];
    const expected: string[] = [];
    for (const [id, recs] of series) {
      const c = perDay(recs, start, m.days);
      const got = [...full.fleet, ...full.sensors].find((s) => s.id === id)!;
      expect(got.flagged, id).toEqual(plainFlags(c));
      for (const t of plainFlags(c)) expected.push(`${id}@${t}`);
      // The band value itself at the spike day, computed plainly.
      const w = c.slice(m.spike.day - WINDOW, m.spike.day);
      expect(got.mean[m.spike.day]).toBeCloseTo(w.reduce((a, b) => a + b, 0) / WINDOW, 9);
    }
    expect(full.flagged.map((f) => `${f.series}@${full.buckets.indexOf(f.bucket)}`).sort()).toEqual(expected.sort());
    // Only the spike's day, and at least the spiking sensor and signature on it.
    expect(new Set(full.flagged.map((f) => f.bucket))).toEqual(new Set([m.spike.date]));
    const on = full.flagged.map((f) => f.series);
    expect(on).toContain(`sensor:${m.spike.sensor}`);
    expect(on).toContain('both');
    expect(full.flagged.every((f) => f.direction === 'above')).toBe(true);
  });

  it('gives no band in the first window buckets of the data', () => {
    for (const s of full.fleet) {
      expect(s.mean.slice(0, WINDOW).every((v) => v === null)).toBe(true);
      expect(s.mean[WINDOW]).not.toBeNull();
    }
  });

  it('reads gzip-rotated files to the same summary as the plain ones', async () => {
    const gz: string[] = [];
    for (const f of m.files) {
      await pipeline(createReadStream(f), createGzip(), createWriteStream(`${f}.gz`));
      gz.push(`${f}.gz`);
    }
    const z = await report(gz);
    const strip = (s: ReportSummary) => ({ ...s, inputs: { ...s.inputs, files: [], malformed_at: s.inputs.malformed_at.map((l) => l.replace('.gz:', ':')) } });
    expect(strip(z)).toEqual(strip(full));
    expect(z.inputs.files.map((f) => f.lines)).toEqual(full.inputs.files.map((f) => f.lines));
  });

  it('counts malformed lines, names each by file:line in the summary and the log, and goes on', async () => {
    logLines.length = 0;
    const s = await report(m.files);
    expect(m.malformed.length).toBeGreaterThan(0);
    expect(s.inputs.malformed).toBe(m.malformed.length);
    expect(s.inputs.malformed_at).toEqual(m.malformed);
    const logged = logLines.filter((l) => l.msg === 'malformed line skipped').map((l) => `${l.file}:${l.line}`);
    expect(logged).toEqual(m.malformed);
    // Each named line really is the damaged one.
    for (const at of m.malformed) {
      const [file, line] = [at.slice(0, at.lastIndexOf(':')), Number(at.slice(at.lastIndexOf(':') + 1))];
      const text = readFileSync(file, 'utf8').split('\n')[line - 1]!;
      expect(() => {
        const r = JSON.parse(text);
        if (!Number.isFinite(Date.parse(r.timestamp))) throw new Error('no time');
      }).toThrow();
    }
  });

  it('--from/--to bound the period; the previous period of the same length is compared', async () => {
    const from = start + 14 * DAY;
    const to = from + 7 * DAY;
    const s = await report(m.files, { fromMs: from, toMs: to });
    expect(s.period.buckets).toBe(7);
    expect(s.period.from).toBe(new Date(from).toISOString());
    expect(s.period.to).toBe(new Date(to).toISOString());
    const inside = records.filter((r) => r.dnsae && r.ts >= from && r.ts < to);
    expect(s.totals.alerts).toBe(inside.length);
    expect(s.totals.previous?.alerts).toBe(records.filter((r) => r.dnsae && r.ts >= from - 7 * DAY && r.ts < from).length);
    expect(s.totals.previous?.complete).toBe(true);
    // The top-N tables cover the period only.
    const src = new Map<string, number>();
    for (const r of inside) if (r.src !== undefined) src.set(r.src, (src.get(r.src) ?? 0) + 1);
    expect(s.top.sources[0]).toMatchObject({ count: Math.max(...src.values()), error: 0 });
    // The bands at the period's start come from the lead-in before it, so no warm-up.
    expect(s.fleet[0]!.mean[0]).toBeCloseTo(perDay(records.filter((r) => r.dnsae), from - 7 * DAY, 7).reduce((a, b) => a + b, 0) / 7, 9);
  });

  it("ignores other producers' alerts, and reports them as their own series with --all-producers", async () => {
    expect(full.fleet.map((s) => s.id)).not.toContain('other');
    expect(full.inputs.files.reduce((a, f) => a + f.otherProducers, 0)).toBe(m.other_producer_alerts);
    const top = full.top.sources.map((r) => r.key);
    expect(top).not.toContain('10.9.8.7');
    const s = await report(m.files, { allProducers: true });
    const other = s.fleet.find((x) => x.id === 'other')!;
    expect(other.total).toBe(m.other_producer_alerts);
    expect(other.total).toBe(records.filter((r) => !r.dnsae).length);
    expect(s.totals.alerts).toBe(full.totals.alerts);
  });

  it('lists the models in use per stage, the retrain marked as a change on its day', () => {
    const header = full.models.filter((x) => x.stage === 'header');
    expect(header.map((x) => x.model_id)).toEqual([m.retrain.before.model_id, m.retrain.model_id]);
    expect(header[1]!.threshold).toBe(m.retrain.threshold);
    expect(full.buckets[header[1]!.first_bucket]).toBe(m.retrain.date);
    expect(header.map((x) => x.change)).toEqual([false, true]);
    // The tunnel stage's own model is no retrain of the header one.
    const tunnel = full.models.filter((x) => x.stage === 'tunnel');
    expect(tunnel.map((x) => [x.model_id, x.change])).toEqual([[m.tunnel_model, false]]);
    expect(full.models.filter((x) => x.change)).toHaveLength(1);
  });
});
