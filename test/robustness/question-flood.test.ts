// Memory of the question stage under a name flood: one million queries, each
// for a distinct name, under 3,000 registered domains from 50,000 clients, so
// nearly every query opens its own (client, registered domain) window and
// the window table must evict. The bound and how it is made up are in
// docs/question.md, "## Memory": the process's baseline, windowTableBytes of
// the table, the registered-domain cache, with 1.5x headroom over the peak
// measured on the reference machine. What matters is that it does not grow
// with the number of names: the table is preallocated and capped.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowTableBytes } from '../../src/features/question/window-table.js';
import { CLI, ROOT } from '../golden/run-cli.js';
import { scoreUnderTime } from './score-under-time.js';

const MIB = 1024;
/** Peak RSS bound in KiB for `dnsae score -d tunnel` with the default 65,536 windows (docs/question.md, "## Memory"). */
const BOUND_KIB = 220 * MIB;
const QUERIES = 1_000_000;
const MODEL = `${ROOT}test/fixtures/model/question-small`;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-name-flood-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync('/usr/bin/time') || !existsSync(CLI))('question stage under a name flood', () => {
  it('one million distinct names from 50,000 clients: bounded memory, evictions counted, every window scored', () => {
    const file = path.join(dir, 'names.pcap');
    const g = spawnSync(process.execPath, [`${ROOT}scripts/robustness/make-name-flood.mjs`, file, '--count', String(QUERIES), '--clients', '50000', '--domains', '3000'], { encoding: 'utf8' });
    expect(g.status, g.stderr).toBe(0);

    const m = scoreUnderTime(['-m', MODEL, '-d', 'tunnel', file]);
    expect(m.errorLines).toEqual([]);
    expect(m.status).toBe(0);
    expect(m.stats.samples).toBe(QUERIES);
    const t = m.stats.tunnel;
    expect(t.messages).toBe(QUERIES);
    expect(t.queries).toBe(QUERIES);
    expect(t.no_question).toBe(0);
    // 150 million (client, domain) pairs for a million queries: nearly every query is a new window.
    expect(t.windows_opened).toBeGreaterThan(0.99 * QUERIES);
    // Packet time advances 1 s over the capture: no window expires; past the table's 65,536 they are evicted.
    expect(t.windows_expired).toBe(0);
    expect(t.windows_flushed).toBe(65_536);
    expect(t.windows_evicted).toBeGreaterThan(0.9 * QUERIES);
    expect(t.windows_closed).toBe(t.windows_opened);
    expect(t.windows_active).toBe(0);
    // Evicted windows are scored with what they have, not dropped.
    expect(t.windows_scored).toBe(t.windows_opened);
    expect(m.peakKiB, `peak ${m.peakKiB} KiB`).toBeLessThan(BOUND_KIB);

    // The table is what its capacity costs: a 1,024-window table saves about the difference of windowTableBytes.
    const small = scoreUnderTime(['-m', MODEL, '-d', 'tunnel', '--tunnel-windows', '1024', file]);
    expect(small.status).toBe(0);
    expect(small.stats.tunnel.windows_flushed).toBe(1024);
    const tableDiffKiB = (windowTableBytes(65_536) - windowTableBytes(1024)) / 1024;
    const saved = m.peakKiB - small.peakKiB;
    expect(saved, `saved ${saved} KiB, tables differ by ${tableDiffKiB} KiB`).toBeGreaterThan(0.5 * tableDiffKiB);
    expect(saved).toBeLessThan(tableDiffKiB + 16 * MIB);
  });
});
