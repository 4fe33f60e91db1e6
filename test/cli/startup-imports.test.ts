import { existsSync, readFileSync } from 'node:fs';
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
      ['evaluate-command.ts', 'extract-command.ts', 'live-command.ts', 'model-command.ts', 'score-command.ts', 'train-command.ts'],
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

  it('extract and score import only commander and pino (dns-packet, prom-client, cap and tfjs are for other commands)', () => {
    expect(commandPackages('extract')).toEqual(['commander', 'pino']);
    expect(commandPackages('score')).toEqual(['commander', 'pino']);
    expect(commandPackages('evaluate')).toContain('dns-packet'); // the walk does see a package another command adds
  });
});

/**
 * `npm run build` bundles the CLI (scripts/bundle-cli.mjs): dist/cli/main.js and its chunks in
 * dist/bundle/, with pino and commander inside. The walk above covers the sources; this one covers
 * what a run actually loads, so an import the bundler hoists (a static import of a package it
 * leaves external) cannot bring tfjs or prom-client back into every command's startup.
 */
const DIST = path.resolve(import.meta.dirname, '../../dist');
const BUNDLE_IMPORT = /^(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?["']([^"']+)["'];?$/gm;

function bundleStatic(file: string, seen: Set<string>, bare: Set<string>): void {
  if (seen.has(file)) return;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(BUNDLE_IMPORT)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) bundleStatic(path.resolve(path.dirname(file), spec), seen, bare);
    else bare.add(spec);
  }
}

/** Files and bare specifiers loaded statically by `dnsae <command>`: main.js, then the command's chunk. */
function bundleRun(command: string): { files: Set<string>; bare: Set<string> } {
  const main = path.join(DIST, 'cli/main.js');
  const files = new Set<string>();
  const bare = new Set<string>();
  bundleStatic(main, files, bare);
  const chunk = new RegExp(`import\\("(\\.[^"]*/${command}-command-[^"/]+\\.js)"\\)`).exec(readFileSync(main, 'utf8'));
  if (chunk === null) throw new Error(`dist/cli/main.js does not import a ${command}-command chunk: run npm run build`);
  bundleStatic(path.resolve(path.dirname(main), chunk[1]!), files, bare);
  return { files, bare };
}

describe('bundled CLI (dist/)', () => {
  it('is built: dist/cli/main.js is the bundle entry with its chunks in dist/bundle/', () => {
    expect(existsSync(path.join(DIST, 'cli/main.js')), 'dist/cli/main.js missing: run npm run build').toBe(true);
    const { files } = bundleRun('extract');
    expect([...files].filter((f) => path.dirname(f) === path.join(DIST, 'bundle')).length).toBeGreaterThan(1);
  });

  it('prints the version of package.json (the bundle has it as a constant, src/version.ts reads the file)', () => {
    const { version } = JSON.parse(readFileSync(path.resolve(DIST, '../package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  for (const command of ['extract', 'score']) {
    it(`dnsae ${command} loads only node: builtins besides its own chunks (pino and commander are bundled)`, () => {
      const { bare } = bundleRun(command);
      expect([...bare].filter((s) => !s.startsWith('node:'))).toEqual([]);
    });
  }

  it('the walk sees an external package where a command does import one at startup', () => {
    // evaluate imports dns-packet statically, and the bundle leaves it external.
    const { bare } = bundleRun('evaluate');
    expect(bare.has('dns-packet')).toBe(true);
  });
});
