import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors.js';
import type { FusionCalibration } from './fusion-calibration.js';

/**
 * `fusion.json` in a model directory: how the hybrid detector combines the
 * autoencoder and the structure checks (src/model/fusion-calibration.ts,
 * docs/model.md "Hybrid fusion"). A separate file rather than a field of
 * dnsae.json, so a model directory without it (every model written before)
 * loads unchanged and the hybrid keeps the union of both detectors.
 */
export const FUSION_JSON = 'fusion.json';
export const FUSION_FORMAT_VERSION = 1;
const MAX_BYTES = 64 << 10;

export interface FusionRecord extends FusionCalibration {
  readonly formatVersion: number;
  /** The header model the thresholds belong to (dnsae.json's modelId). */
  readonly modelId: string;
}

function fail(file: string, message: string, code: 'DNSAE_ERR_MODEL_INVALID' | 'DNSAE_ERR_MODEL_VERSION' = 'DNSAE_ERR_MODEL_INVALID'): never {
  throw new ModelError(code, message, { file });
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function checkFusionRecord(raw: unknown, file: string, modelId: string): FusionRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(file, 'fusion record is not a JSON object');
  const r = raw as Record<string, unknown>;
  if (r.formatVersion !== FUSION_FORMAT_VERSION) {
    fail(file, `fusion format version ${String(r.formatVersion)} not supported (this dnsae reads ${FUSION_FORMAT_VERSION})`, 'DNSAE_ERR_MODEL_VERSION');
  }
  if (r.modelId !== modelId) fail(file, `fusion record is for model ${String(r.modelId)}, not ${modelId}`);
  if (!isNum(r.aeOnlyThreshold) || r.aeOnlyThreshold < 0) fail(file, 'aeOnlyThreshold missing or not a non-negative number');
  return raw as FusionRecord;
}

/**
 * The fusion record of a model directory, or undefined when it has none.
 * Its threshold may sit below the model threshold when dnsae.json's was
 * edited upwards; the scorer then applies the model threshold to both.
 */
export async function readFusionRecord(dir: string, modelId: string): Promise<FusionRecord | undefined> {
  const file = path.join(dir, FUSION_JSON);
  let text: string;
  try {
    const buf = await readFile(file);
    if (buf.length > MAX_BYTES) fail(file, `fusion record larger than ${MAX_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof ModelError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelError('DNSAE_ERR_MODEL_INVALID', `cannot read fusion record: ${(err as Error).message}`, { file, cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    fail(file, `fusion record is not valid JSON: ${(err as Error).message}`);
  }
  return checkFusionRecord(raw, file, modelId);
}

/** Writes fusion.json next to a model's dnsae.json (through a temporary file, so a reader never sees half of it). */
export async function writeFusionRecord(dir: string, modelId: string, cal: FusionCalibration): Promise<FusionRecord> {
  const rec: FusionRecord = { formatVersion: FUSION_FORMAT_VERSION, modelId, ...cal };
  const file = path.join(dir, FUSION_JSON);
  await writeFile(file + '.tmp', JSON.stringify(rec, null, 2) + '\n');
  await rename(file + '.tmp', file);
  return rec;
}
