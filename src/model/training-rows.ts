import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors.js';
import { encodeRow, featureWidth, type FeatureSpec } from '../features/encode.js';
import { HEAD_BYTES } from '../flow/sample.js';
import { rowKey } from './row-key.js';
import type { RowPart, TrainingSet, WeightedSet } from './train.js';

/**
 * A model's training data as its distinct rows and their counts: what
 * `dnsae train --base DIR` adds to the site's own samples so that
 * fine-tuning does not forget what the base model learnt. With the default
 * encoding a million samples are a few hundred distinct rows; a table that
 * would pass MAX_TRAINING_ROWS keeps the first rows seen and counts the
 * rest as dropped.
 */
export const TRAINING_ROWS_JSON = 'training-rows.json';
export const TRAINING_ROWS_VERSION = 1;
export const MAX_TRAINING_ROWS = 65_536;
const MAX_FILE_BYTES = 16 << 20;

export interface TrainingRows extends WeightedSet {
  /** Samples in all (sum of counts). */
  readonly samples: number;
  readonly droppedRows: number;
  readonly droppedSamples: number;
}

/** One representative sample per distinct encoded row, its ID bytes zeroed when the spec masks them. */
export function summarizeRows(parts: readonly RowPart[], spec: FeatureSpec, max: number = MAX_TRAINING_ROWS): TrainingRows {
  const w = featureWidth(spec);
  const tmp = new Float32Array(w);
  const seen = new Map<string, number>();
  const reps: Array<{ data: TrainingSet; i: number }> = [];
  const counts: number[] = [];
  let droppedRows = 0;
  let droppedSamples = 0;
  let samples = 0;
  for (const { data, idx, counts: cs } of parts) {
    for (let k = 0; k < idx.length; k++) {
      const c = cs === undefined ? 1 : cs[k]!;
      if (c === 0) continue;
      const i = idx[k]!;
      encodeRow(data.head, i * HEAD_BYTES, data.headLen[i]!, data.transport[i] ? 1 : 0, data.direction[i]!, data.payloadLength[i]!, spec, tmp, 0);
      const key = rowKey(tmp, w, spec);
      const at = seen.get(key);
      samples += c;
      if (at === undefined) {
        if (reps.length < max) {
          seen.set(key, reps.length);
          reps.push({ data, i });
          counts.push(c);
        } else {
          seen.set(key, -1);
          droppedRows++;
          droppedSamples += c;
        }
      } else if (at === -1) droppedSamples += c;
      else counts[at]! += c;
    }
  }
  const n = reps.length;
  const set = newSet(n);
  reps.forEach(({ data, i }, r) => {
    set.head.set(data.head.subarray(i * HEAD_BYTES, (i + 1) * HEAD_BYTES), r * HEAD_BYTES);
    if (spec.maskId) set.head.fill(0, r * HEAD_BYTES, r * HEAD_BYTES + 2);
    set.headLen[r] = Math.min(8, data.headLen[i]!);
    set.payloadLength[r] = data.payloadLength[i]!;
    set.transport[r] = data.transport[i]!;
    set.direction[r] = data.direction[i]!;
  });
  return { data: set, counts: Uint32Array.from(counts), samples, droppedRows, droppedSamples };
}

interface MutableSet {
  count: number;
  head: Uint8Array;
  headLen: Uint8Array;
  payloadLength: Int32Array;
  transport: Uint8Array;
  direction: Uint8Array;
}

function newSet(n: number): MutableSet {
  return {
    count: n,
    head: new Uint8Array(n * HEAD_BYTES),
    headLen: new Uint8Array(n),
    payloadLength: new Int32Array(n),
    transport: new Uint8Array(n),
    direction: new Uint8Array(n),
  };
}

interface RowsFile {
  version: number;
  samples: number;
  droppedRows: number;
  droppedSamples: number;
  /** [first bytes as hex (up to 8), payload length, transport 0 udp 1 tcp, direction 0 to_server 1 to_client, count] */
  rows: Array<[string, number, number, number, number]>;
}

export async function writeTrainingRows(dir: string, rows: TrainingRows): Promise<void> {
  const s = rows.data;
  const out: RowsFile = { version: TRAINING_ROWS_VERSION, samples: rows.samples, droppedRows: rows.droppedRows, droppedSamples: rows.droppedSamples, rows: [] };
  for (let r = 0; r < s.count; r++) {
    const hex = Buffer.from(s.head.subarray(r * HEAD_BYTES, r * HEAD_BYTES + s.headLen[r]!)).toString('hex');
    out.rows.push([hex, s.payloadLength[r]!, s.transport[r]!, s.direction[r]!, rows.counts[r]!]);
  }
  // One row a line: diffable, and still one JSON document.
  const body = out.rows.map((r) => JSON.stringify(r)).join(',\n');
  const { rows: _rows, ...head } = out;
  await writeFile(path.join(dir, TRAINING_ROWS_JSON), JSON.stringify(head).slice(0, -1) + ',"rows":[\n' + body + '\n]}\n');
}

/** A model directory's training rows, or undefined when it has none (written before they were kept). */
export async function readTrainingRows(dir: string): Promise<TrainingRows | undefined> {
  const file = path.join(dir, TRAINING_ROWS_JSON);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return undefined;
  }
  const bad = (why: string): never => {
    throw new ModelError('DNSAE_ERR_MODEL_INVALID', why, { file });
  };
  if (size > MAX_FILE_BYTES) bad(`file too large (${size} bytes, limit ${MAX_FILE_BYTES})`);
  let raw: RowsFile;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as RowsFile;
  } catch (err) {
    return bad(`not valid JSON (${(err as Error).message})`);
  }
  if (raw?.version !== TRAINING_ROWS_VERSION) bad(`training rows version ${String(raw?.version)} not supported (this dnsae reads ${TRAINING_ROWS_VERSION})`);
  if (!Array.isArray(raw.rows) || raw.rows.length > MAX_TRAINING_ROWS) bad('rows missing or more than the limit');
  const n = raw.rows.length;
  const set = newSet(n);
  const counts = new Uint32Array(n);
  let samples = 0;
  raw.rows.forEach((row, r) => {
    const [hex, len, transport, direction, count] = Array.isArray(row) ? row : [];
    if (typeof hex !== 'string' || !/^([0-9a-f]{2}){0,8}$/.test(hex)) bad(`row ${r + 1}: header bytes must be up to 8 bytes of hex`);
    const ints = [len, transport, direction, count];
    if (!ints.every((v) => Number.isInteger(v) && (v as number) >= 0) || (transport as number) > 1 || (direction as number) > 1 || (len as number) > 65_535 || (count as number) > 0xffff_ffff) {
      bad(`row ${r + 1}: length, transport, direction or count out of range`);
    }
    set.head.set(Buffer.from(hex as string, 'hex'), r * HEAD_BYTES);
    set.headLen[r] = (hex as string).length / 2;
    set.payloadLength[r] = len as number;
    set.transport[r] = transport as number;
    set.direction[r] = direction as number;
    counts[r] = count as number;
    samples += count as number;
  });
  return { data: set, counts, samples, droppedRows: Number(raw.droppedRows) || 0, droppedSamples: Number(raw.droppedSamples) || 0 };
}
