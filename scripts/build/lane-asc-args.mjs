// The asc arguments that compile the fast lane (wasm/fast-lane.ts with wasm/question-lane.ts) to `outFile`:
// build-wasm.mjs's build, and the measuring builds of scripts/bench/measure-question-steps.mjs (which add
// --use QUESTION_STOP_AT=N).
export function laneAscArgs(outFile) {
  return [
    'wasm/fast-lane.ts',
    // The question stage's per-message work, in the same module and memory (it reads the lane's batch rows and flow records).
    'wasm/question-lane.ts',
    '--outFile', outFile,
    '--optimizeLevel', '3',
    '--runtime', 'stub',
    // Bounds are the module's own checks against the record and frame lengths; memory accesses
    // outside the memory trap anyway.
    '--noAssert',
    // The TypeScript side creates the memory, sized for the flow table it shares.
    '--importMemory',
    '--noExportMemory',
    '--use', 'abort=',
    // The question autoencoder's forward pass (netLoss) in 128-bit registers; Node has had wasm SIMD on by default since 16.4.
    '--enable', 'simd',
  ];
}
