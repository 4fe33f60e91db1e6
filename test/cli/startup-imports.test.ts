import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../golden/run-cli.js';

/**
 * Importing @tensorflow/tfjs costs about 0.2 s, more than extracting or
 * scoring a million packets; only `train` and `model info` need it, and they
 * import it on use. This walks the static (non-type) imports from the CLI
 * entry point and fails if tfjs became reachable again.
 */
const SRC = path.resolve(import.meta.dirname, '../../src');
const STATIC_IMPORT = /^(?:import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm;

function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(STATIC_IMPORT)) out.push((m[1] ?? m[2])!);
  return out;
}

/**
 * The command modules main.ts loads on demand (the literal dynamic imports
 * in cli/commands.ts): each is part of some command's startup, so the walk
 * starts from them too.
 */
function commandModules(): string[] {
  const file = path.join(SRC, 'cli/commands.ts');
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/import\('(\.[^']+)'\)/g)].map((m) => path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
}

function reachablePackages(...entries: string[]): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const stack = [...entries];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) stack.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.set(spec, path.relative(SRC, file));
    }
  }
  return packages;
}

/** The packages (not node: builtins) one command's run imports statically: main.ts and its command module. */
function commandPackages(command: string): string[] {
  const pkgs = reachablePackages(path.join(SRC, 'cli/main.ts'), path.join(SRC, `cli/${command}-command.ts`));
  return [...pkgs.keys()].filter((p) => !p.startsWith('node:')).sort();
}

describe('CLI startup imports', () => {
  const cli = (): Map<string, string> => reachablePackages(path.join(SRC, 'cli/main.ts'), ...commandModules());

  it('finds the static imports it walks (the walk itself works)', () => {
    const pkgs = cli();
    expect(pkgs.has('commander')).toBe(true);
    expect(commandModules().map((f) => path.basename(f)).sort()).toEqual(
      ['evaluate-command.ts', 'extract-command.ts', 'live-command.ts', 'model-command.ts', 'report-command.ts', 'score-command.ts', 'train-command.ts'],
    );
    expect(pkgs.has('dns-packet')).toBe(true); // through evaluate-command, loaded on demand
    // The model and train modules do import tfjs statically: the walk must see that.
    expect(reachablePackages(path.join(SRC, 'model/model-dir.ts')).has('@tensorflow/tfjs')).toBe(true);
  });

  it('does not reach @tensorflow/* from src/cli/main.ts and the command modules', () => {
    const pkgs = cli();
    const tf = [...pkgs].filter(([p]) => p.startsWith('@tensorflow/'));
    expect(tf).toEqual([]);
  });

  it('does not reach prom-client from src/cli/main.ts and the command modules (only dnsae live needs it, and imports it on use)', () => {
    const pkgs = cli();
    expect(pkgs.has('prom-client')).toBe(false);
    expect(reachablePackages(path.join(SRC, 'run/live.ts')).has('prom-client')).toBe(true);
  });

  it('extract and score import only commander and pino, and score the Public Suffix List (tldts) for its tunnel stage (dns-packet, prom-client, ioredis, cap and tfjs are for other commands or loaded on use)', () => {
    expect(commandPackages('extract')).toEqual(['commander', 'pino']);
    expect(commandPackages('score')).toEqual(['commander', 'pino', 'tldts']);
    expect(commandPackages('evaluate')).toContain('dns-packet'); // the walk does see a package another command adds
  });
});

/**
 * `npm run build` bundles the CLI (scripts/build/bundle-cli.mjs) into dist/bundle/cli.cjs with pino and
 * commander inside, and dist/cli/main.js compiles it with a V8 code cache. The walk above covers
 * the sources; these run the built CLI and look at what a run loads, so an external package the
 * bundler left as a require() cannot come back into every command's startup unnoticed.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const EMPTY_PCAP = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');

function runNode(nodeArgs: string[], cliArgs: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, path.join(ROOT, 'dist/cli/main.js'), ...cliArgs], {
    cwd: ROOT,
    input: EMPTY_PCAP,
    encoding: 'utf8',
    env: { ...process.env, DNSAE_LOG_LEVEL: 'warn', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Files under node_modules/ that `dnsae ARGS` loads (Node's module debug log). */
function packagesLoaded(cliArgs: string[]): string[] {
  const { status, stderr } = runNode([], cliArgs, { NODE_DEBUG: 'module' });
  expect(status, stderr).toBe(0);
  return [...stderr.matchAll(/load "([^"]*\/node_modules\/[^"]*)"/g)].map((m) => m[1]!);
}

// A tsc-only build (npx tsc -p tsconfig.build.json) leaves dist/cli/main.js as tsc's unbundled
// entry; these then have nothing to check. CI always builds with npm run build, so there they run.
const BUNDLE_ENTRY = path.join(ROOT, 'dist/cli/main.js');
const bundled = existsSync(BUNDLE_ENTRY) && readFileSync(BUNDLE_ENTRY, 'utf8').includes('// Written by scripts/build/bundle-cli.mjs.');

describe.skipIf(!bundled && process.env.CI === undefined)('bundled CLI (dist/; skipped after a tsc-only build, except in CI)', () => {
  it('prints the version of package.json (the bundle has it as a constant, src/version.ts reads the file)', () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('dnsae extract and score load nothing from node_modules (pino and commander are in the bundle)', () => {
    expect(packagesLoaded(['extract', '--format', 'none', '-'])).toEqual([]);
    expect(packagesLoaded(['score', '-o', '/dev/null', '-'])).toEqual([]);
  });

  it('sees a package a command does load: model info loads tfjs', () => {
    const loaded = packagesLoaded(['model', 'info', path.join(ROOT, 'models/default')]);
    expect(loaded.some((f) => f.includes('/node_modules/@tensorflow/tfjs/'))).toBe(true);
  });

  it('has a source map into src/, used when node runs with --enable-source-maps', () => {
    const map = JSON.parse(readFileSync(path.join(ROOT, 'dist/bundle/cli.cjs.map'), 'utf8')) as { sources: string[] };
    expect(map.sources).toContain('../../src/cli/main.ts');
    expect(map.sources).toContain('../../src/flow/flow-assembler.ts');
    const { status, stderr } = runNode(['--enable-source-maps'], ['extract', '--format', 'none', '-']);
    expect(status, stderr).toBe(0);
  });

  it('has no import() left in the bundle (a script compiled by vm has no loader for it)', () => {
    const bundle = readFileSync(path.join(ROOT, 'dist/bundle/cli.cjs'), 'utf8');
    expect(bundle.length).toBeGreaterThan(100_000);
    expect(bundle.match(/[^\w$.]import\(/g)).toBeNull();
  });

  it('compiles the bundle from its code cache (V8 accepts it: it deserializes that many bytes)', () => {
    const caches = readdirSync(path.join(ROOT, 'dist/bundle')).filter((f) => f.endsWith('.v8cache'));
    expect(caches).toHaveLength(1);
    const bytes = statSync(path.join(ROOT, 'dist/bundle', caches[0]!)).size;
    // V8 prints these to stdout; --format none writes nothing there.
    const { status, stdout, stderr } = runNode(['--profile-deserialization'], ['extract', '--format', 'none', '-']);
    expect(status, stderr).toBe(0);
    expect(stdout).toContain(`[Deserializing from ${bytes} bytes`);
  });
});
