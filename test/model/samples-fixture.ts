import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TrainingSet } from '../../src/model/train.js';

/**
 * Real DNS header samples extracted with tshark from corpus captures by
 * scripts/model/model-samples.mjs (see the first line of each TSV).
 */
export function loadSamples(name: 'benign-samples.tsv' | 'foreign-samples.tsv'): TrainingSet {
  const file = fileURLToPath(new URL(`../fixtures/model/${name}`, import.meta.url));
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.split('\t'));
  const n = rows.length;
  const set = {
    count: n,
    head: new Uint8Array(n * 12),
    headLen: new Uint8Array(n),
    payloadLength: new Int32Array(n),
    transport: new Uint8Array(n),
    direction: new Uint8Array(n),
  };
  rows.forEach(([, transport, direction, len, headLen, hex], i) => {
    set.transport[i] = Number(transport);
    set.direction[i] = Number(direction);
    set.payloadLength[i] = Number(len);
    set.headLen[i] = Number(headLen);
    set.head.set(Buffer.from(hex!, 'hex'), i * 12);
  });
  return set;
}
