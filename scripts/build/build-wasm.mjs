#!/usr/bin/env node
// Compiles the fast lane (wasm/fast-lane.ts and wasm/question-lane.ts, AssemblyScript) to dist/wasm/fast-lane.wasm; part of
// `npm run build`, after tsc. src/flow/fast-lane.ts loads it from there and leaves the lane off when
// it is missing, so a build by tsc alone still works, on the TypeScript path only.
//   node scripts/build/build-wasm.mjs
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { laneAscArgs } from './lane-asc-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
mkdirSync(join(root, 'dist/wasm'), { recursive: true });
const { error, stderr } = await asc.main(
  laneAscArgs('dist/wasm/fast-lane.wasm'),
  { baseDir: root },
);
if (error) {
  console.error(`build-wasm: ${error.message}\n${stderr.toString()}`);
  process.exit(1);
}
