#!/usr/bin/env node
// Bundles the CLI after tsc: dist/cli/main.js becomes one ES module with the code every command
// shares, each command a chunk imported when it runs, all in dist/bundle/. Resolving and
// compiling about 95 separate files (57 of dnsae, 37 CommonJS files of pino and commander) was
// about 50 ms of each run's 0.19 s startup (docs/performance.md, "Startup").
//   node scripts/bundle-cli.mjs           # part of `npm run build`, after tsc
// tsc's per-module output stays in dist/ for the scripts and tools that import single modules.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The packages every command loads. Everything else (tfjs and its native backend, cap, prom-client,
// dns-packet) stays an import from node_modules, loaded as before by the commands that need it.
const BUNDLED = new Set(['pino', 'commander']);

const onlyListedPackages = {
  name: 'only-listed-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.importer.includes('/node_modules/')) return undefined; // a bundled package's own dependencies
      if (args.path.startsWith('node:')) return { external: true };
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED.has(name) ? undefined : { external: true };
    });
  },
};

// src/version.ts reads ../package.json relative to its own file, which a chunk in dist/bundle/ is not
// beside; the bundle gets the version as a constant instead.
const versionConstant = {
  name: 'version-constant',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({
      contents: `export const VERSION: string = ${JSON.stringify(version)};\n`,
      loader: 'ts',
    }));
  },
};

const outdir = join(root, 'dist');
rmSync(join(outdir, 'bundle'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  // Chunks two levels below the root, like every tsc module that resolves a path from import.meta.url
  // (scoring/open-scorer.ts: ../../models/default).
  entryNames: 'cli/[name]',
  chunkNames: 'bundle/[name]-[hash]',
  sourcemap: true,
  sourcesContent: false,
  // pino and commander are CommonJS and call require() for Node's modules; an ES module has none.
  banner: { js: "import { createRequire as __dnsaeCreateRequire } from 'node:module';\nconst require = __dnsaeCreateRequire(import.meta.url);" },
  plugins: [onlyListedPackages, versionConstant],
  logLevel: 'warning',
});
