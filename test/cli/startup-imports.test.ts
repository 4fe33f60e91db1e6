import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

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
});
