import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { computeEvaluation } from '../../src/evaluate/evaluation.js';
import { renderHtmlReport } from '../../src/evaluate/report-html.js';
import { decodePng, distinctPixels } from './png-decode.js';
import { syntheticInput } from './synthetic-input.js';

/*
 * Renders a report built from synthetic numbers in headless Chromium: this
 * checks that the page draws (charts present and non-blank), not anything
 * about detection. Needs the Debian package `chromium`.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`skipping headless render test: ${CHROMIUM} not found (apt-get install chromium)`);
}

function pngBytes(width: number, height: number, rows: number[][], colourType = 2): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const chunk = (type: string, data: Buffer): Buffer => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    let c = 0xffffffff;
    for (const byte of td) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    td.copy(out, 4);
    out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows.flat()))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('PNG reader used by the render test', () => {
  it('undoes filters: a one-colour image filtered with Sub has one distinct pixel', () => {
    // 3x2 RGB, every pixel (200,10,10). Row 0 filter Sub: first pixel raw, then deltas 0.
    // Row 1 filter Up: all deltas 0.
    const png = pngBytes(3, 2, [
      [1, 200, 10, 10, 0, 0, 0, 0, 0, 0],
      [2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]);
    const d = decodePng(png);
    expect([d.width, d.height, d.channels]).toEqual([3, 2, 3]);
    expect(Array.from(d.pixels.subarray(15, 18))).toEqual([200, 10, 10]);
    expect(distinctPixels(d)).toBe(1);
  });

  it('sees two colours through the Paeth filter', () => {
    // 2x2 RGB: row 0 raw (0,0,0)(255,255,255); row 1 Paeth with zero deltas copies the
    // predictor: pixel (0,1) predicts from up = (0,0,0); pixel (1,1): a=(0..), b=(255..),
    // c=(0..): p=a+b-c=255 -> nearest is b -> (255,255,255).
    const d = decodePng(pngBytes(2, 2, [
      [0, 0, 0, 0, 255, 255, 255],
      [4, 0, 0, 0, 0, 0, 0],
    ]));
    expect(Array.from(d.pixels)).toEqual([0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]);
    expect(distinctPixels(d)).toBe(2);
  });
});

describe.skipIf(!hasChromium)(`HTML report in headless Chromium (needs ${CHROMIUM}; apt-get install chromium)`, () => {
  let dir = '';
  let htmlPath = '';

  const chromiumArgs = (): string[] => [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${join(dir, 'profile')}`,
    '--window-size=1200,2000',
  ];

  function runChromium(extra: string[]): { stdout: string; stderr: string } {
    // The time limit only guards against a hung browser; nothing is asserted on time.
    const r = spawnSync(CHROMIUM, [...chromiumArgs(), ...extra, `file://${htmlPath}`], {
      encoding: 'utf8',
      timeout: 90_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HOME: dir },
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(-2000)}`);
    return { stdout: r.stdout, stderr: r.stderr };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsae-render-'));
    htmlPath = join(dir, 'report.html');
    const input = syntheticInput([
      { path: 'synthetic/benign-a.pcap', label: 0, group: 'benign' },
      { path: 'synthetic/benign-b.pcapng', label: 0, group: 'benign' },
      { path: 'synthetic/tunnel <&>.pcap', label: 1, group: 'in-protocol-tunnel' },
    ]);
    writeFileSync(htmlPath, renderHtmlReport(computeEvaluation(input, { fpr: 0.01 })));
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('takes a screenshot that is a non-blank PNG of the window size', () => {
    const png = join(dir, 'shot.png');
    runChromium([`--screenshot=${png}`]);
    expect(statSync(png).size).toBeGreaterThan(0);
    const d = decodePng(readFileSync(png));
    expect([d.width, d.height]).toEqual([1200, 2000]);
    // Charts in several colours on white: far more than one distinct pixel value.
    expect(distinctPixels(d)).toBeGreaterThan(10);
  });

  it('lays out every chart and table with drawn marks', () => {
    const dom = runChromium(['--dump-dom']).stdout;
    const svg = (id: string): string => {
      const start = dom.indexOf(`id="${id}"`);
      expect(start, `svg#${id} in the DOM`).toBeGreaterThan(0);
      expect(dom.lastIndexOf('<svg', start)).toBeGreaterThan(dom.lastIndexOf('</svg>', start));
      return dom.slice(start, dom.indexOf('</svg>', start));
    };
    expect(svg('roc')).toMatch(/<path class="curve ae" d="M[^"]+L/);
    expect(svg('roc')).toMatch(/<circle class="point rules"/);
    expect(svg('roc-flow')).toMatch(/<path class="curve hybrid" d="M[^"]+L/);
    expect(svg('loss-hist').match(/<rect class="bar benign"/g)?.length ?? 0).toBeGreaterThan(5);
    expect(svg('loss-hist').match(/<rect class="bar anomalous"/g)?.length ?? 0).toBeGreaterThan(5);
    expect(svg('loss-hist')).toMatch(/<line class="threshold"/);
    expect(svg('per-byte').match(/<rect class="bar (benign|anomalous)"/g)).toHaveLength(16);
    const files = dom.slice(dom.indexOf('<table id="files">'), dom.indexOf('</table>', dom.indexOf('<table id="files">')));
    expect(files.match(/<tr data-label=/g)).toHaveLength(3);
    // The user-supplied name survives as text, not markup.
    expect(files).toContain('synthetic/tunnel &lt;&amp;&gt;.pcap');
  });
});
