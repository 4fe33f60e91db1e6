import { fileURLToPath } from 'node:url';
import { selectBackend } from '../model/backend.js';
import { loadModelDir } from '../model/model-dir.js';
import { FusedScorer } from './fused-scorer.js';

/** The model shipped with dnsae, used when --model is not given. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/default', import.meta.url));

/** Loads and validates a model directory and returns its batch scorer. */
export async function openScorer(dir: string = DEFAULT_MODEL_DIR, opts: { cacheSize?: number } = {}): Promise<FusedScorer> {
  // Loading also rebuilds the tfjs model (reference predict), which needs a backend; cpu starts fastest.
  await selectBackend('cpu');
  const loaded = await loadModelDir(dir);
  return FusedScorer.fromModel(loaded, opts.cacheSize === undefined ? {} : { cacheSize: opts.cacheSize });
}
