#!/usr/bin/env node
// Bundles the CLI after tsc into one CommonJS file, dist/bundle/cli.cjs, and makes a V8 code cache
// for it from one run; dist/cli/main.js (still the entry point) compiles the bundle with that cache.
// Loading about 90 separate files (52 of dnsae, 35 CommonJS files of pino and commander) and
// compiling them was most of the ~0.13 s dnsae added to Node's own startup; bundle and cache take
// it to ~0.04 s (docs/performance.md, "Startup").
//   node scripts/build/bundle-cli.mjs           # part of `npm run build`, after tsc
// tsc's per-module output stays in dist/ for the scripts and tools that import single modules.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The packages every command loads, and tldts (the Public Suffix List) that score and live load for the
// tunnel stage. Everything else (tfjs and its native backend, cap, prom-client, dns-packet, ioredis)
// stays an import from node_modules, loaded as before by the commands that need it.
const BUNDLED = new Set(['pino', 'commander', 'tldts', 'tldts-core']);

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

const dist = join(root, 'dist');
const bundle = join(dist, 'bundle/cli.cjs');
rmSync(join(dist, 'bundle'), { recursive: true, force: true });
// What both bundles share: one CommonJS file for node20, with import.meta.url made from the file's own path.
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  define: { 'import.meta.url': '__dnsaeImportMetaUrl' },
  banner: { js: '"use strict";\nconst __dnsaeImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [onlyListedPackages, versionConstant],
  logLevel: 'warning',
};
// One CommonJS file: no ES module loader work per module, and a single script V8 can cache.
// Commands other than the one being run cost only their share of the cache: each is wrapped in
// a function that runs on its dynamic import in cli/commands.ts.
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  // Two levels below the root, like every tsc module that resolves a path from import.meta.url
  // (scoring/open-scorer.ts: ../../models/default).
  outfile: bundle,
});

// The job worker of score/extract --jobs (src/run/job-worker.ts) as one file beside it: a worker thread
// loads its modules itself, and ~90 separate ES modules cost it about 0.13 s of CPU, the bundle a third.
await build({ ...common, entryPoints: ['src/run/job-worker.ts'], outfile: join(dist, 'bundle/job-worker.cjs') });
// The same for the worker of evaluate --jobs (src/run/evaluate-worker.ts).
await build({ ...common, entryPoints: ['src/run/evaluate-worker.ts'], outfile: join(dist, 'bundle/evaluate-worker.cjs') });
// The question stage's thread of score --jobs 2 on one capture (src/run/question-worker.ts).
await build({ ...common, entryPoints: ['src/run/question-worker.ts'], outfile: join(dist, 'bundle/question-worker.cjs') });
// And for the worker of live --workers N (src/run/live-worker.ts).
await build({ ...common, entryPoints: ['src/run/live-worker.ts'], outfile: join(dist, 'bundle/live-worker.cjs') });

// The cache is named after the bundle's content: V8 itself checks only the source length, its
// version and flags, so a cache of an older bundle must never be found under the current name.
const hash = createHash('sha256').update(readFileSync(bundle)).digest('hex').slice(0, 16);
const cacheName = `cli-${hash}.v8cache`;

// dist/cli/main.js stays the entry point (package.json bin, `node dist/cli/main.js`). It replaces
// tsc's ES module of the same name, whose source map no longer applies.
rmSync(join(dist, 'cli/main.js.map'), { force: true });
writeFileSync(
  join(dist, 'cli/main.js'),
  `#!/usr/bin/env node
// Written by scripts/build/bundle-cli.mjs. The CLI is the CommonJS bundle ../bundle/cli.cjs (source map
// beside it), compiled here with the V8 code cache the build made from one run of it: V8 then
// neither parses the file nor compiles again the functions that run used. A cache that does not fit
// this node (another V8 version or other V8 flags) is rejected by V8, which then compiles as usual.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const file = fileURLToPath(new URL('../bundle/cli.cjs', import.meta.url));
const cacheFile = fileURLToPath(new URL('../bundle/${cacheName}', import.meta.url));
if (process.sourceMapsEnabled) {
  // node --enable-source-maps maps stack traces to src/ for require()d files, not for vm scripts.
  createRequire(import.meta.url)(file);
} else {
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache: compiled from source
  }
  // The function around a CommonJS module, as require() adds it; the #! line becomes a comment.
  // import() has no loader in such a script without an experimental option: the bundle has none
  // (test/cli/startup-imports.test.ts).
  const source = '(function (exports, require, module, __filename, __dirname) { ' + readFileSync(file, 'utf8').replace(/^#!/, '//') + '\\n})';
  const script = new Script(source, { filename: file, cachedData });
  // Set only by scripts/build/bundle-cli.mjs, which runs the CLI once to make the cache.
  const out = process.env.DNSAE_BUILD_CODE_CACHE;
  if (out !== undefined) process.on('exit', () => writeFileSync(out, script.createCachedData()));
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}
`,
);

// One run of what every extract and score run does (read a capture, pipeline, log a summary) makes
// the cache; the functions it did not run are compiled when first called, as without a cache.
const tmp = mkdtempSync(join(tmpdir(), 'dnsae-bundle-'));
try {
  const pcap = join(tmp, 'empty.pcap');
  // A classic pcap header (little-endian, v2.4, snaplen 65535, Ethernet) and no packets.
  writeFileSync(pcap, Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'));
  const run = spawnSync(process.execPath, [join(dist, 'cli/main.js'), 'extract', '--format', 'none', pcap], {
    env: { ...process.env, DNSAE_BUILD_CODE_CACHE: join(dist, 'bundle', cacheName), DNSAE_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`bundle-cli: the run that makes the code cache failed (status ${run.status}): ${run.stderr}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
