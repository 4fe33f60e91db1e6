/**
 * Reading deploy/systemd/dnsae.service and dnsae.default the way systemd
 * does for the few things the tests check: key=value lines of a section,
 * and ExecStart= expanded with an EnvironmentFile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../golden/run-cli.js';

export const UNIT = join(ROOT, 'deploy/systemd/dnsae.service');
export const DEFAULTS = join(ROOT, 'deploy/systemd/dnsae.default');

/** Every `Key=value` of the unit as [section, key, value], in order. */
export function unitEntries(text: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec !== null) {
      section = sec[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    out.push([section, line.slice(0, eq), line.slice(eq + 1)]);
  }
  return out;
}

export function serviceValues(key: string): string[] {
  return unitEntries(readFileSync(UNIT, 'utf8'))
    .filter(([s, k]) => s === 'Service' && k === key)
    .map(([, , v]) => v);
}

/** An EnvironmentFile: VAR=value lines, comments and blank lines skipped, no quotes used. */
export function environmentFile(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    env.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return env;
}

/**
 * ExecStart's words after systemd's expansion (systemd.service(5),
 * "Command lines"): `${VAR}` is one word, `$VAR` alone as a word is split
 * at whitespace. Throws on a variable the environment does not define.
 */
export function expandExec(line: string, env: ReadonlyMap<string, string>): string[] {
  const get = (name: string): string => {
    const v = env.get(name);
    if (v === undefined) throw new Error(`${name} is not set in the EnvironmentFile`);
    return v;
  };
  const words: string[] = [];
  for (const w of line.trim().split(/\s+/)) {
    const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w);
    if (bare !== null) words.push(...get(bare[1]!).split(/\s+/).filter((s) => s !== ''));
    else words.push(w.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n: string) => get(n)));
  }
  return words;
}
