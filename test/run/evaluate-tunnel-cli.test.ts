import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALOUS, BENIGN, CORPUS, list, TUNNELS } from './evaluate-inputs.js';
import { ROOT, runCli } from '../golden/run-cli.js';

/*
 * The tunnel stage in `dnsae evaluate`, end to end on real captures, with a
 * small question model trained here. Every count is checked against the
 * `dns_ae_window` records `dnsae score --all -d tunnel` writes for the same
 * files (one per scored window: client, registered domain, score,
 * threshold, decision), and every rate and the session AUC against a plain
 * computation over those records.
 */

interface WindowRec {
  file: string;
  client: string;
  domain: string;
  ratio: number;
  hit: boolean;
}

interface Session {
  file: string;
  score: number;
  hit: boolean;
  windows: number;
}

/**
 * Sessions of a capture by tshark: distinct (client, last two labels of the
 * query name), the client being a query's source or a response's
 * destination. Equal to the registered domain for names under a one-label
 * public suffix, which is what the tunnel captures use. With minNameLength,
 * only sessions with a query name longer than that.
 */
function tsharkSessions(file: string, minNameLength = 0): number {
  const r = spawnSync('tshark', ['-r', file, '-Y', 'dns', '-T', 'fields', '-E', 'occurrence=f', '-e', 'dns.flags.response', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'dns.qry.name', '-e', 'dns.qry.name.len'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  const keys = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const [resp, s4, d4, s6, d6, name, len] = line.split('\t');
    const response = resp === '1' || resp === 'True';
    if (minNameLength > 0 && (response || !(Number(len) > minNameLength))) continue;
    const client = response ? `${d4}${d6}` : `${s4}${s6}`;
    const labels = (name ?? '').toLowerCase().split('.').filter((l) => l !== '');
    // The last two labels (these captures' suffixes are all one label), or none when the top label has a
    // digit or over 15 characters: no zone, the client's own group (dnscat2 straight to its server).
    const top = labels[labels.length - 1] ?? '';
    keys.add(`${client} ${/[0-9]/.test(top) || top.length > 15 ? '' : labels.slice(-2).join('.')}`);
  }
  return keys.size;
}

const CHROMIUM = '/usr/bin/chromium';

/** AUC as the Mann-Whitney statistic: P(tunnel score > benign score) + P(tie) / 2, over all pairs. */
function mannWhitney(pos: number[], neg: number[]): number {
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

let dir = '';
let model = '';
let report: Record<string, any>;
let windows: WindowRec[] = [];
const sessions = new Map<string, Session>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsae-eval-tunnel-'));
  model = join(dir, 'model');
  const t = runCli(['train', ...list('data/benign'), '-o', model, '--epochs', '3', '--question-epochs', '40']);
  expect(t.errorLines).toEqual([]);
  expect(t.status).toBe(0);
  const e = runCli(['evaluate', '--json', '-m', model, '--benign', ...BENIGN, '--tunnels', ...TUNNELS, '--anomalous', ...ANOMALOUS]);
  expect(e.errorLines).toEqual([]);
  expect(e.status).toBe(0);
  report = JSON.parse(e.stdout) as Record<string, any>;
  // No alert limit: every anomalous window's decision is 'alert', every other one 'none'.
  const s = runCli(['score', '--all', '-d', 'tunnel', '--alert-limit', '0', '-m', model, ...BENIGN, ...TUNNELS, ...ANOMALOUS]);
  expect(s.status).toBe(0);
  for (const line of s.stdout.split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { event_type: string; pcap_filename: string; dnsae: Record<string, any> };
    if (r.event_type !== 'dns_ae_window') continue;
    const d = r.dnsae;
    windows.push({ file: r.pcap_filename, client: d.client, domain: d.registered_domain, ratio: d.score / d.threshold, hit: d.alert !== 'none' });
  }
  for (const w of windows) {
    const key = `${w.file}\t${w.client}\t${w.domain}`;
    const s0 = sessions.get(key) ?? { file: w.file, score: Number.NEGATIVE_INFINITY, hit: false, windows: 0 };
    s0.score = Math.max(s0.score, w.ratio);
    s0.hit ||= w.hit;
    s0.windows++;
    sessions.set(key, s0);
  }
}, 120_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const inSet = (files: string[]) => (x: { file: string }) => files.includes(x.file);

describe('dnsae evaluate --tunnels (CLI, real captures)', () => {
  it('counts the sessions and windows of every file as the window records of score do', () => {
    expect(windows.length).toBeGreaterThan(100);
    const t = report.tunnel;
    expect(t.files.map((f: { path: string }) => f.path)).toEqual([...BENIGN, ...ANOMALOUS, ...TUNNELS]);
    for (const f of t.files as { path: string; class: string; sessions: number; windows: number; alerted: { sessions: number; windows: number } }[]) {
      const ws = windows.filter((w) => w.file === f.path);
      const ss = [...sessions.values()].filter((s) => s.file === f.path);
      expect([f.path, f.windows, f.sessions]).toEqual([f.path, ws.length, ss.length]);
      expect([f.path, f.alerted.windows, f.alerted.sessions]).toEqual([f.path, ws.filter((w) => w.hit).length, ss.filter((s) => s.hit).length]);
    }
    expect(t.files.filter((f: { class: string }) => f.class === 'tunnel').length).toBe(TUNNELS.length);
    // And the grouping itself, for the tunnel captures, as tshark sees it.
    for (const f of TUNNELS) expect([f, t.files.find((x: { path: string }) => x.path === f).sessions]).toEqual([f, tsharkSessions(f)]);
    // The baseline flags at least every session with a query name over 52 bytes (its first rule).
    for (const f of TUNNELS) {
      const long = tsharkSessions(f, 52);
      expect(long, f).toBeGreaterThan(0);
      expect(t.files.find((x: { path: string }) => x.path === f).baseline.sessions, f).toBeGreaterThanOrEqual(long);
    }
    expect(t.counts.tunnelSessions).toBe([...sessions.values()].filter(inSet(TUNNELS)).length);
    expect(t.counts.benignSessions).toBe([...sessions.values()].filter(inSet(BENIGN)).length);
    expect(t.counts.benignWindows).toBe(windows.filter(inSet(BENIGN)).length);
  });

  it('computes TPR, FPR and the session AUC as a plain computation over the same windows', () => {
    const t = report.tunnel;
    const pos = [...sessions.values()].filter(inSet(TUNNELS));
    const neg = [...sessions.values()].filter(inSet(BENIGN));
    const m = t.perSession.model;
    expect([m.tp, m.fn, m.fp, m.tn]).toEqual([pos.filter((s) => s.hit).length, pos.filter((s) => !s.hit).length, neg.filter((s) => s.hit).length, neg.filter((s) => !s.hit).length]);
    expect(m.tpr).toBeCloseTo(m.tp / pos.length, 12);
    expect(m.fpr).toBeCloseTo(m.fp / neg.length, 12);
    // Scores in the records are rounded to 6 digits; the AUC over them agrees to 3.
    expect(t.auc.session.model).toBeCloseTo(mannWhitney(pos.map((s) => s.score), neg.map((s) => s.score)), 3);
    const wPos = windows.filter(inSet(TUNNELS));
    const wNeg = windows.filter(inSet(BENIGN));
    const w = t.perWindow.model;
    expect([w.tp, w.fp]).toEqual([wPos.filter((x) => x.hit).length, wNeg.filter((x) => x.hit).length]);
    expect(w.fpr).toBeCloseTo(w.fp / wNeg.length, 12);
    // The baseline's session rates follow from its per-file counts.
    const b = t.perSession.baseline;
    const sumOf = (cls: string) => t.files.filter((f: { class: string }) => f.class === cls).reduce((a: number, f: { baseline: { sessions: number } }) => a + f.baseline.sessions, 0);
    expect([b.tp, b.fp, b.tp + b.fn, b.fp + b.tn]).toEqual([sumOf('tunnel'), sumOf('benign'), pos.length, neg.length]);
    expect(t.auc.session.baseline).toBeGreaterThanOrEqual(0);
    expect(t.auc.session.baseline).toBeLessThanOrEqual(1);
  });

  it('reports the anomalous captures apart, in no rate', () => {
    const t = report.tunnel;
    const ws = windows.filter(inSet(ANOMALOUS));
    expect(t.anomalous.windows).toBe(ws.length);
    expect(t.perWindow.model.tp + t.perWindow.model.fp + t.perWindow.model.tn + t.perWindow.model.fn).toBe(windows.length - ws.length);
  });

  it('keeps the header stage results of a run without the tunnel stage', () => {
    const e = runCli(['evaluate', '--json', '--no-tunnel', '-m', model, '--benign', ...BENIGN, '--anomalous', ...ANOMALOUS]);
    expect(e.status).toBe(0);
    const header = JSON.parse(e.stdout) as Record<string, unknown>;
    expect(header.tunnel).toBeUndefined();
    const { tunnel: _t, ...rest } = report;
    expect(rest).toEqual(header);
  });

  it('writes the tunnel section and its charts into the HTML report and the text table', () => {
    const html = join(dir, 'r.html');
    const e = runCli(['evaluate', '-m', model, '--report', html, '--benign', ...BENIGN.slice(0, 4), '--tunnels', ...TUNNELS]);
    expect(e.status).toBe(0);
    expect(e.stdout).toMatch(/^tunnel stage: model [0-9a-f]{12}/m);
    expect(e.stdout).toMatch(/^tunnel-ae\s+session\s+\d+/m);
    for (const f of TUNNELS) expect(e.stdout).toContain(f);
    if (!existsSync(CHROMIUM)) {
      console.warn(`skipping the headless render: ${CHROMIUM} not found (apt-get install chromium)`);
      return;
    }
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('id="tunnel-summary"');
    // The time limit only guards against a hung browser; nothing is asserted on time.
    const r = spawnSync(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--dump-dom', `file://${html}`],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20, env: { ...process.env, HOME: dir } },
    );
    expect(r.status).toBe(0);
    const dom = r.stdout;
    const svg = (id: string): string => {
      const start = dom.indexOf(`id="${id}"`);
      expect(start, `svg#${id} in the DOM`).toBeGreaterThan(0);
      return dom.slice(start, dom.indexOf('</svg>', start));
    };
    expect(svg('tunnel-ratio-hist').match(/<rect class="bar benign"/g)?.length ?? 0).toBeGreaterThan(0);
    expect(svg('tunnel-ratio-hist').match(/<rect class="bar tunnel"/g)?.length ?? 0).toBeGreaterThan(0);
    expect(svg('tunnel-ratio-hist')).toMatch(/<line class="threshold"/);
    expect(svg('tunnel-roc')).toMatch(/<path class="curve model" d="M[^"]+L/);
    expect(svg('tunnel-roc')).toMatch(/<path class="curve baseline" d="M[^"]+L/);
    expect(svg('tunnel-per-feature').match(/<rect class="bar tunnel"/g)?.length ?? 0).toBeGreaterThan(10);
    const files = dom.slice(dom.indexOf('<table id="tunnel-files">'), dom.indexOf('</table>', dom.indexOf('<table id="tunnel-files">')));
    expect(files.match(/<tr data-class=/g)).toHaveLength(4 + TUNNELS.length);
  }, 120_000);

  it('prints one comparison row per group whose counts are those of evaluate', () => {
    if (spawnSync('sh', ['-c', 'command -v ndpiReader']).status !== 0) {
      console.warn('skipping the comparison script: ndpiReader not found (apt-get install libndpi-bin)');
      return;
    }
    const benign = BENIGN.slice(0, 6);
    const r = spawnSync(
      'bash',
      ['scripts/eval/tunnel-comparison.sh', '-m', model, '--group', `some benign|benign|${benign.join(' ')}`, '--group', `public tunnels|tunnel|${CORPUS}/anomalous/in-protocol-tunnel/*`],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| group'));
    const cells = rows.map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    expect(cells.map((c) => c.slice(0, 3))).toEqual([
      ['some benign', 'benign', String(benign.length)],
      ['public tunnels', 'tunnel', String(TUNNELS.length)],
    ]);
    const count = (c: string): number => Number(/^(\d+)/.exec(c)![1]);
    const t = report.tunnel;
    const of = (paths: string[], k: (f: any) => number): number => t.files.filter((f: { path: string }) => paths.includes(f.path)).reduce((a: number, f: any) => a + k(f), 0);
    expect(cells[0]!.slice(3, 6).map(count)).toEqual([of(benign, (f) => f.sessions), of(benign, (f) => f.alerted.sessions), of(benign, (f) => f.baseline.sessions)]);
    expect(cells[1]!.slice(3, 6).map(count)).toEqual([of(TUNNELS, (f) => f.sessions), of(TUNNELS, (f) => f.alerted.sessions), of(TUNNELS, (f) => f.baseline.sessions)]);
    for (const c of cells) expect(count(c[6]!)).toBeLessThanOrEqual(count(c[3]!));
  }, 120_000);

  it('refuses --tunnels with --no-tunnel (usage) and with a model without a tunnel stage (model error)', () => {
    expect(runCli(['evaluate', '--no-tunnel', '-m', model, '--tunnels', TUNNELS[0]!]).status).toBe(2);
    // A header-only model: the shipped one without its question/ directory.
    const headerOnly = join(dir, 'header-only');
    cpSync(join(ROOT, 'models/default'), headerOnly, { recursive: true });
    rmSync(join(headerOnly, 'question'), { recursive: true, force: true });
    const r = runCli(['evaluate', '-m', headerOnly, '--tunnels', TUNNELS[0]!]);
    expect(r.status).toBe(4);
    expect(r.errorLines[0]).toContain('DNSAE_ERR_MODEL_NOT_FOUND');
  });
});
