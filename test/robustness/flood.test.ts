// Memory under floods: one million UDP queries from distinct 5-tuples, TCP
// connections that never complete a message, and a TCP stream whose data
// is all out of order. Bounds are 1.5x the peak RSS measured on the
// reference machine (docs/robustness.md); what matters is that they do not
// grow with the input: the flow table, the reassembly buffers and the alert
// tables are all capped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../golden/run-cli.js';
import { scoreUnderTime } from './score-under-time.js';

const MIB = 1024;
/** Peak RSS bounds in KiB (see docs/robustness.md for the measurements). */
const BOUND_UDP_KIB = 600 * MIB;
const BOUND_TCP_PARTIAL_KIB = 950 * MIB;
const BOUND_TCP_OOO_KIB = 170 * MIB;
const BOUND_JOBS_OUTPUT_KIB = 640 * MIB;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-flood-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function makeCapture(name: string, kind: string, count: number): string {
  const file = path.join(dir, name);
  const r = spawnSync(process.execPath, [`${ROOT}scripts/robustness/make-flood-capture.mjs`, file, '--kind', kind, '--count', String(count)], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return file;
}

describe.skipIf(!existsSync('/usr/bin/time') || !existsSync(CLI))('flood: peak memory stays bounded', () => {
  it('one million UDP queries from distinct 5-tuples (rules, and hybrid with the shipped model)', () => {
    const file = makeCapture('udp.pcap', 'udp', 1_000_000);
    const modes = existsSync(`${ROOT}models/default/model.json`) ? ['rules', 'hybrid'] : ['rules'];
    for (const mode of modes) {
      const m = scoreUnderTime(['--detector', mode, file]);
      expect(m.errorLines).toEqual([]);
      expect(m.status).toBe(0);
      expect(m.stats.samples).toBe(1_000_000);
      // Every query is its own flow: all but the table's worth were evicted, none lost.
      expect(m.stats.flows.flows_created).toBe(1_000_000);
      expect(m.stats.flows.flows_evicted + m.stats.flows.flows_flushed).toBe(1_000_000);
      expect(m.peakKiB, `${mode}: peak ${m.peakKiB} KiB`).toBeLessThan(BOUND_UDP_KIB);
    }
  });

  it('300k TCP connections that never complete a length prefix', () => {
    const file = makeCapture('tcp-partial.pcap', 'tcp-partial', 300_000);
    const m = scoreUnderTime(['--detector', 'rules', file]);
    expect(m.errorLines).toEqual([]);
    expect(m.status).toBe(0);
    // Each connection ends (evicted or at end of input) with one unframed message.
    expect(m.stats.flows.tcp_unframed).toBe(300_000);
    expect(m.stats.flows.flows_evicted).toBeGreaterThan(0);
    expect(m.peakKiB, `peak ${m.peakKiB} KiB`).toBeLessThan(BOUND_TCP_PARTIAL_KIB);
  });

  it('a TCP stream of 200k segments behind a hole that never fills', () => {
    const file = makeCapture('tcp-ooo.pcap', 'tcp-ooo', 200_000);
    const m = scoreUnderTime(['--detector', 'rules', file]);
    expect(m.errorLines).toEqual([]);
    expect(m.status).toBe(0);
    expect(m.stats.flows.tcp_segments).toBe(200_001);
    expect(m.stats.flows.tcp_buffer_full).toBeGreaterThan(0);
    expect(m.peakKiB, `peak ${m.peakKiB} KiB`).toBeLessThan(BOUND_TCP_OOO_KIB);
  });

  it('extract --jobs 2 of two captures whose records add up to 245 MB: the output passes through, it is not kept', () => {
    const a = makeCapture('udp-a.pcap', 'udp', 300_000);
    const b = makeCapture('udp-b.pcap', 'udp', 300_000);
    const r = spawnSync('/usr/bin/time', ['-f', 'PEAK_RSS_KIB %M', process.execPath, CLI, 'extract', '--jobs', '2', a, b], {
      cwd: ROOT,
      encoding: 'buffer',
      maxBuffer: 512 << 20,
      env: { ...process.env, DNSAE_LOG_LEVEL: 'warn' },
    });
    const err = r.stderr.toString('utf8');
    expect(r.status, err).toBe(0);
    // Every sample written, each capture's records whole and in input order.
    const out = r.stdout;
    let lines = 0;
    for (let p = out.indexOf(10); p >= 0; p = out.indexOf(10, p + 1)) lines++;
    expect(lines).toBe(600_000);
    expect(out.length).toBeGreaterThan(200_000_000);
    const peak = Number(/PEAK_RSS_KIB (\d+)/.exec(err)?.[1]);
    expect(peak, `peak ${peak} KiB`).toBeLessThan(BOUND_JOBS_OUTPUT_KIB);
  });
});
