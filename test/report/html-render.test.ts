import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../src/report/html.js';
import { runReport } from '../../src/report/run-report.js';
import type { ReportSummary } from '../../src/report/summary.js';
import { decodePng, distinctPixels } from '../evaluate/png-decode.js';
import { makeAlertStream, type StreamManifest } from './alert-stream.js';

/*
 * The report page drawn by headless Chromium, as test/evaluate/report-html-render.test.ts does for
 * evaluate's page: every chart laid out with marks, nothing fetched. Needs the Debian package `chromium`.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping report render test: ${CHROMIUM} not found (apt-get install chromium)`);

let dir = '';
let htmlPath = '';
let html = '';
let m: StreamManifest;
let summary: ReportSummary;

beforeAll(async () => {
  const s = makeAlertStream();
  dir = s.dir;
  m = s.manifest;
  summary = (await runReport(m.files, { unit: 'day', window: 7, fromMs: undefined, toMs: undefined, allProducers: true, progress: false }, pino({ level: 'silent' }))).summary;
  html = renderReportHtml(summary);
  htmlPath = join(dir, 'report.html');
  writeFileSync(htmlPath, html);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('report page, as text', () => {
  it('fetches nothing: a CSP forbidding it and no URL in any src, href or url()', () => {
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe/i);
    // The only URL is the SVG namespace, which is a name, not a fetch.
    expect(html.match(/https?:\/\/[^"]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  });
});

describe.skipIf(!hasChromium)(`report page in headless Chromium (needs ${CHROMIUM})`, () => {
  const args = (): string[] => [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${join(dir, 'profile')}`,
    '--window-size=1200,1800',
  ];
  function chromium(extra: string[]): string {
    // The time limit only guards against a hung browser; nothing is asserted on time.
    const r = spawnSync(CHROMIUM, [...args(), ...extra, `file://${htmlPath}`], {
      encoding: 'utf8',
      timeout: 90_000,
      maxBuffer: 64 << 20,
      env: { ...process.env, HOME: dir },
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(-2000)}`);
    return r.stdout;
  }

  it('lays out every chart, each with drawn bars, bands, average and the retrain marker', () => {
    const dom = chromium(['--dump-dom']);
    const charts = dom.match(/<svg class="chart"[\s\S]*?<\/svg>/g) ?? [];
    // Fleet total, four signatures, other producers, one per sensor.
    expect(charts).toHaveLength(1 + 4 + 1 + m.sensors.length);
    for (const c of charts) {
      const id = /id="([^"]+)"/.exec(c)![1];
      expect(c.match(/<rect class="bar/g)?.length ?? 0, `${id} bars`).toBeGreaterThan(5);
      expect(c, `${id} average`).toMatch(/<path class="ma" d="M[^"]+L/);
      expect(c, `${id} band`).toMatch(/<polygon class="band2" points="[^"]+"/);
      expect(c, `${id} retrain marker`).toMatch(/<line class="retrain"/);
    }
    const flagged = charts.filter((c) => c.includes('<circle class="flag"'));
    expect(flagged.map((c) => /id="([^"]+)"/.exec(c)![1]).sort()).toEqual(
      [...new Set(summary.flagged.map((f) => f.series))].map((s) => (s.startsWith('sensor:') ? `sensor-${s.replace(/[^A-Za-z0-9_-]/g, '_')}` : `fleet-${s}`)).sort(),
    );
    expect(dom).toContain('<table id="top-domains">');
    expect(dom).toContain('<table id="models">');
  });

  it('takes a non-blank screenshot', () => {
    const png = join(dir, 'shot.png');
    chromium([`--screenshot=${png}`]);
    expect(statSync(png).size).toBeGreaterThan(0);
    const d = decodePng(readFileSync(png));
    expect([d.width, d.height]).toEqual([1200, 1800]);
    expect(distinctPixels(d)).toBeGreaterThan(10);
  });
});
