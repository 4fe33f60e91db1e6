import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ModelError } from '../errors.js';
import { stageLogger } from '../logger.js';

export type BackendPreference = 'auto' | 'node' | 'wasm' | 'cpu';

/**
 * How each backend is brought up. Injectable so tests can simulate a host
 * where tfjs-node is (or is not) installed without touching node_modules.
 */
export interface BackendLoaders {
  /** Resolves when tfjs-node is importable and registered; rejects otherwise. */
  node(): Promise<void>;
  wasm(): Promise<void>;
}

// A variable specifier keeps the compiler from resolving this optional
// dependency: it is usually absent (its native build fails on many hosts).
const TFJS_NODE = '@tensorflow/tfjs-node';

export const defaultLoaders: BackendLoaders = {
  async node() {
    // require, not import(): tfjs-node is CommonJS either way, and the bundled
    // CLI runs as a script compiled with a code cache, where import() has no
    // loader (scripts/build/bundle-cli.mjs).
    createRequire(import.meta.url)(TFJS_NODE);
  },
  async wasm() {
    // In Node the wasm binaries are read from disk; point the loader at the
    // package's own dist folder instead of a URL relative to the script.
    const req = createRequire(import.meta.url);
    const dir = path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dir + path.sep);
  },
};

async function tryBackend(name: 'tensorflow' | 'wasm' | 'cpu', load: () => Promise<void>): Promise<string | undefined> {
  try {
    await load();
    if (await tf.setBackend(name)) {
      await tf.ready();
      return tf.getBackend();
    }
  } catch (err) {
    stageLogger('model').debug({ backend: name, err: String(err) }, 'backend unavailable');
  }
  return undefined;
}

/**
 * Picks the tfjs backend: tfjs-node if importable, else wasm, else cpu.
 * Only training and the reference predict go through tfjs; scoring uses the
 * fused plain-JS pass, so the choice matters for `dnsae train` speed only.
 * Returns the active backend name ('tensorflow', 'wasm' or 'cpu').
 */
export async function selectBackend(pref: BackendPreference, loaders: BackendLoaders = defaultLoaders): Promise<string> {
  // PROD silences tfjs's console banners (the cpu backend's "install tfjs-node"
  // notice), which would otherwise interleave with our stderr log stream.
  tf.env().set('PROD', true);
  const order: Array<'node' | 'wasm' | 'cpu'> = pref === 'auto' ? ['node', 'wasm', 'cpu'] : [pref];
  for (const which of order) {
    const got =
      which === 'node'
        ? await tryBackend('tensorflow', loaders.node)
        : which === 'wasm'
          ? await tryBackend('wasm', loaders.wasm)
          : await tryBackend('cpu', async () => undefined);
    if (got !== undefined) return got;
  }
  const hint =
    pref === 'node'
      ? 'install @tensorflow/tfjs-node or use --backend auto'
      : 'use --backend auto';
  throw new ModelError('DNSAE_ERR_BACKEND', `TensorFlow.js backend '${pref}' is not available (${hint})`);
}
