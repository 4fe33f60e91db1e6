import { QUESTION_FEATURE_COUNT } from '../../src/features/question/question-features.js';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsaeError, ERROR_CODES } from '../../src/errors.js';
import { QUESTION_FEATURE_VERSION, QUESTION_FEATURES } from '../../src/features/question/question-features.js';
import { QUESTION_DIR, readQuestionModel } from '../../src/model/question/question-model.js';
import { calibrateWindows } from '../../src/model/question/question-train.js';
import { CLI, runCli } from '../golden/run-cli.js';
import { ROOT, trainTiny } from '../scoring/question/question-fixture.js';

const FIXTURE_MODEL = path.join(ROOT, 'test/fixtures/model/question-small');
const CAPTURE = 'test/fixtures/anomalous/in-protocol-tunnel/suricata__dns2tcp-txt.pcap';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-qmodel-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** A copy of models/default without any question stage: a header-only model directory. */
async function headerOnly(): Promise<string> {
  const d = path.join(dir, 'header-only');
  await rm(d, { recursive: true, force: true });
  await cp(path.join(ROOT, 'models/default'), d, { recursive: true });
  await rm(path.join(d, QUESTION_DIR), { recursive: true, force: true });
  return d;
}

/** A copy of the fixture model with its question/dnsae.json edited. */
async function corrupted(name: string, edit: (meta: Record<string, unknown>) => void): Promise<string> {
  const d = path.join(dir, name);
  await cp(FIXTURE_MODEL, d, { recursive: true });
  const file = path.join(d, QUESTION_DIR, 'dnsae.json');
  const meta = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(meta);
  await writeFile(file, JSON.stringify(meta));
  return d;
}

async function refusal(d: string): Promise<DnsaeError> {
  try {
    await readQuestionModel(d);
  } catch (err) {
    expect(err).toBeInstanceOf(DnsaeError);
    return err as DnsaeError;
  }
  throw new Error(`${d} was accepted`);
}

describe('question model directory', () => {
  it('a model written by trainQuestionModel reads back with the same metadata and shape', async () => {
    const d = path.join(dir, 'trained');
    const r = await trainTiny(d, 10);
    expect(r.count).toBeGreaterThanOrEqual(50);
    const m = await readQuestionModel(d);
    expect(m).toBeDefined();
    expect(m!.meta).toEqual(r.meta);
    expect(m!.meta.features).toEqual([...QUESTION_FEATURES]);
    const { hidden, bottleneck } = m!.meta.arch;
    expect(m!.layers.map((l) => [l.inDim, l.outDim, l.activation])).toEqual([
      [QUESTION_FEATURE_COUNT, hidden, 'relu'],
      [hidden, bottleneck, 'relu'],
      [bottleneck, hidden, 'relu'],
      [hidden, QUESTION_FEATURE_COUNT, 'sigmoid'],
    ]);
    expect(m!.meta.threshold).toBeGreaterThan(0);
    // The threshold is at or past every held-out benign loss (max method on this few windows).
    expect(m!.meta.threshold).toBeGreaterThanOrEqual(Math.max(...r.heldOutLosses));
  });

  it('the same windows and seed train the same model (rows are shuffled by the seeded generator, not by fit)', async () => {
    const a = await trainTiny(path.join(dir, 'again-a'), 4);
    const b = await trainTiny(path.join(dir, 'again-b'), 4);
    expect(b.meta.modelId).toBe(a.meta.modelId);
    expect(b.meta.threshold).toBe(a.meta.threshold);
  });

  it('the committed fixture model (scripts/model/make-question-fixture-model.sh) reads', async () => {
    const m = await readQuestionModel(FIXTURE_MODEL);
    expect(m?.meta.windowSec).toBe(60);
  });

  it('a directory without question/ is a header-only model: undefined, no error', async () => {
    expect(await readQuestionModel(await headerOnly())).toBeUndefined();
  });

  it('refuses a question/dnsae.json of another feature version, the previous one included', async () => {
    const e = await refusal(await corrupted('fv', (m) => (m.featureVersion = QUESTION_FEATURE_VERSION + 1)));
    expect(e.code).toBe('DNSAE_ERR_MODEL_VERSION');
    // A model directory trained before the last feature change: refused by name, not fed features it never saw.
    const old = await refusal(await corrupted('fv-old', (m) => (m.featureVersion = QUESTION_FEATURE_VERSION - 1)));
    expect(old.code).toBe('DNSAE_ERR_MODEL_VERSION');
    expect(old.message).toContain(`question feature version ${QUESTION_FEATURE_VERSION - 1} not supported (this dnsae computes version ${QUESTION_FEATURE_VERSION})`);
    const f = await refusal(await corrupted('fmt', (m) => (m.formatVersion = 99)));
    expect(f.code).toBe('DNSAE_ERR_MODEL_VERSION');
  });

  it('refuses a features list that is not this version\'s, in order', async () => {
    const swapped = await refusal(
      await corrupted('swap', (m) => {
        const f = [...(m.features as string[])];
        [f[0], f[1]] = [f[1]!, f[0]!];
        m.features = f;
      }),
    );
    expect(swapped.code).toBe('DNSAE_ERR_MODEL_INVALID');
    const short = await refusal(await corrupted('short', (m) => (m.features = (m.features as string[]).slice(1))));
    expect(short.code).toBe('DNSAE_ERR_MODEL_INVALID');
  });

  it('refuses a bad threshold', async () => {
    for (const [name, value] of [
      ['neg', -0.1],
      ['str', '0.1'],
      ['null', null],
    ] as const) {
      const e = await refusal(await corrupted(`thr-${name}`, (m) => (m.threshold = value)));
      expect(e.code, name).toBe('DNSAE_ERR_MODEL_INVALID');
      expect(e.message).toMatch(/threshold/);
    }
    const missing = await refusal(await corrupted('thr-missing', (m) => delete m.threshold));
    expect(missing.code).toBe('DNSAE_ERR_MODEL_INVALID');
  });
});

describe.skipIf(!existsSync(CLI))('dnsae score with header-only and damaged models', () => {
  it('the default -d both on a header-only model runs the header stage alone and says so', async () => {
    const d = await headerOnly();
    const r = runCli(['score', '-m', d, CAPTURE]);
    expect(r.errorLines).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.summary).toBeDefined();
    expect(r.summary!.detector).toBe('hybrid');
    expect(r.summary!.tunnel).toBeUndefined();
    expect(r.stderr).toContain('the model has no question stage');
    for (const line of r.stdout.split('\n').filter(Boolean)) expect(JSON.parse(line).dnsae?.stage).not.toBe('tunnel');
  });

  it('-d tunnel on a header-only model exits 4 with one line', async () => {
    const d = await headerOnly();
    const r = runCli(['score', '-m', d, '-d', 'tunnel', CAPTURE]);
    expect(r.status).toBe(4);
    expect(ERROR_CODES.DNSAE_ERR_MODEL_NOT_FOUND.exit).toBe(4);
    expect(r.errorLines).toHaveLength(1);
    expect(r.errorLines[0]).toMatch(/question/);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('    at ');
  });

  it('a damaged question/dnsae.json ends score with exit 4, whichever detectors run', async () => {
    const d = await corrupted('cli-fv', (m) => (m.featureVersion = QUESTION_FEATURE_VERSION - 1));
    for (const detector of ['tunnel', 'both']) {
      const r = runCli(['score', '-m', d, '-d', detector, CAPTURE]);
      expect(r.status, detector).toBe(4);
      expect(r.errorLines, detector).toHaveLength(1);
      expect(r.errorLines[0]).toMatch(/feature version/);
    }
  });
});

describe('calibrateWindows', () => {
  it('keeps held-out losses at full precision: the largest is the threshold itself, so its window does not alert', () => {
    // A loss that Float32 rounds down: calibrated from the rounded value, this window would score above the threshold.
    const top = Math.fround(0.05625750124454498) + 1e-12;
    expect(Math.fround(top)).toBeLessThan(top);
    const losses = Float64Array.from({ length: 100 }, (_, i) => (i === 37 ? top : i / 10_000));
    const { threshold, calibration } = calibrateWindows(losses, 1e-4);
    expect(calibration.method).toBe('max');
    expect(threshold).toBe(top);
    expect(losses.filter((l) => l > threshold)).toHaveLength(0);
    expect(calibration.observedFpr).toBe(0);
  });

  it('uses the held-out quantile once there are enough windows to show it', () => {
    const losses = Float64Array.from({ length: 20_000 }, (_, i) => i / 20_000);
    const { threshold, calibration } = calibrateWindows(losses, 1e-4);
    expect(calibration.method).toBe('quantile');
    // The 99.99th percentile of 20,000: the 19,998th smallest, two windows above it.
    expect(threshold).toBe(19_997 / 20_000);
    expect(calibration.observedFpr).toBe(2 / 20_000);
  });
});
