import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSeeds, replayRegression, type FuzzApi, type Seeds } from '../../scripts/fuzz/fuzz-harness.mjs';
import { srcFuzzApi } from './fuzz-api.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = `${ROOT}test/fixtures/fuzz-regressions`;
const files = readdirSync(DIR).filter((f) => f !== 'README.md').sort();

let api: FuzzApi;
let seeds: Seeds;
beforeAll(async () => {
  api = await srcFuzzApi();
  seeds = await loadSeeds(api, `${ROOT}test/fixtures`);
});

describe('fuzz regressions replay cleanly', () => {
  it('every kept input is explained in the README', () => {
    const readme = readFileSync(`${DIR}/README.md`, 'utf8');
    for (const f of files) expect(readme).toContain(`\`${f}\``);
  });

  for (const f of files) {
    it(f, async () => {
      const target = await replayRegression(api, `${DIR}/${f}`, seeds);
      expect(f.startsWith(`${target}-`)).toBe(true);
    });
  }

  it('a replay fails when the module misbehaves on the kept input', async () => {
    const flow = files.find((f) => f.startsWith('flow-'))!;
    const Real = api.FlowAssembler as new (...a: any[]) => { flush(): void };
    // A flow layer that keeps its flows at the end of input leaks them.
    class Leaky extends Real {
      override flush(): void {}
    }
    await expect(replayRegression({ ...api, FlowAssembler: Leaky }, `${DIR}/${flow}`, seeds)).rejects.toThrow(/flow state left after flush/);
  });
});
