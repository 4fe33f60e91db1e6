#!/usr/bin/env node
// Cost of checkHeader on the per-sample path, and a check that it allocates
// nothing (heap growth stays flat over millions of calls).
//
//   npx tsc -p tsconfig.build.json && node --expose-gc scripts/bench/bench-rules.mjs
import { checkHeader } from '../../dist/rules/header-rules.js';

const N = 4096;
const ROUNDS = 2500;
const head = new Uint8Array(N * 12);
// Deterministic pseudo-random headers and lengths: a mix of passing and failing rows.
for (let i = 0; i < head.length; i++) head[i] = Math.imul(i, 2654435761) >>> 24;
const lens = Int32Array.from({ length: N }, (_, i) => (i * 7919) % 1500);

let acc = 0;
const pass = () => {
  for (let i = 0; i < N; i++) acc = (acc + checkHeader(head, i * 12, 12, lens[i], i & 1, (i >> 1) & 1)) | 0;
};
for (let w = 0; w < 20; w++) pass();
globalThis.gc?.();
const before = process.memoryUsage().heapUsed;
const t0 = process.hrtime.bigint();
for (let r = 0; r < ROUNDS; r++) pass();
const ns = Number(process.hrtime.bigint() - t0);
const grown = process.memoryUsage().heapUsed - before;
const calls = N * ROUNDS;
console.log(`${(calls / 1e6).toFixed(1)}M calls: ${(ns / calls).toFixed(1)} ns/call, heap growth ${(grown / 1024).toFixed(0)} KiB = ${(grown / calls).toFixed(3)} bytes/call (checksum ${acc})`);
