#!/usr/bin/env node
// Compiles the fast lane (wasm/fast-lane.ts and wasm/question-lane.ts, AssemblyScript) to dist/wasm/fast-lane.wasm; part of
// `npm run build`, after tsc. src/flow/fast-lane.ts loads it from there and leaves the lane off when
// it is missing, so a build by tsc alone still works, on the TypeScript path only.
//   node scripts/build/build-wasm.mjs
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
mkdirSync(join(root, 'dist/wasm'), { recursive: true });
const { error, stderr } = await asc.main(
  [
    'wasm/fast-lane.ts',
    // The question stage's per-message work, in the same module and memory (it reads the lane's batch rows and flow records).
    'wasm/question-lane.ts',
    '--outFile', 'dist/wasm/fast-lane.wasm',
    '--optimizeLevel', '3',
    '--runtime', 'stub',
    // Bounds are the module's own checks against the record and frame lengths; memory accesses
    // outside the memory trap anyway.
    '--noAssert',
    // The TypeScript side creates the memory, sized for the flow table it shares.
    '--importMemory',
    '--noExportMemory',
    '--use', 'abort=',
  ],
  { baseDir: root },
);
if (error) {
  console.error(`build-wasm: ${error.message}\n${stderr.toString()}`);
  process.exit(1);
}
