import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DnsaeError } from '../../src/errors.js';
import { defaultLoaders, selectBackend, type BackendLoaders } from '../../src/model/backend.js';

const absentNode: BackendLoaders = {
  node: () => Promise.reject(new Error("Cannot find module '@tensorflow/tfjs-node'")),
  wasm: defaultLoaders.wasm,
};

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('selectBackend', () => {
  it('auto falls back to wasm when tfjs-node cannot be imported', async () => {
    expect(await selectBackend('auto', absentNode)).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('auto falls back to cpu when wasm fails too', async () => {
    const none: BackendLoaders = { node: absentNode.node, wasm: () => Promise.reject(new Error('no wasm')) };
    expect(await selectBackend('auto', none)).toBe('cpu');
  });

  it('a forced backend that is unavailable is a DNSAE_ERR_BACKEND error', async () => {
    const err = await selectBackend('node', absentNode).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsaeError);
    expect((err as DnsaeError).code).toBe('DNSAE_ERR_BACKEND');
    expect((err as DnsaeError).toLine()).toMatch(/'node'.*\[DNSAE_ERR_BACKEND\]/);
    const werr = await selectBackend('wasm', { ...absentNode, wasm: () => Promise.reject(new Error('x')) }).catch((e: unknown) => e);
    expect((werr as DnsaeError).code).toBe('DNSAE_ERR_BACKEND');
  });

  it('forced cpu and wasm work', async () => {
    expect(await selectBackend('cpu')).toBe('cpu');
    expect(await selectBackend('wasm')).toBe('wasm');
  });

  it('the real loaders pick tfjs-node only when it is installed', async () => {
    const got = await selectBackend('auto');
    expect(got).toBe(tfjsNodeInstalled() ? 'tensorflow' : 'wasm');
  });
});
