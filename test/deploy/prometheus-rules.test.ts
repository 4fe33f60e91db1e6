import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../golden/run-cli.js';
import { sh } from '../netns.js';

/**
 * deploy/prometheus/dnsae-rules.yml through promtool: the rules load, and
 * the unit tests in dnsae-rules.test.yml pass and cover every alert both
 * ways (a case where it fires, one where it does not).
 */

const RULES = join(ROOT, 'deploy/prometheus/dnsae-rules.yml');
const TESTS = join(ROOT, 'deploy/prometheus/dnsae-rules.test.yml');
const SKIP = sh('promtool', ['--version']).status !== 0 ? 'promtool is not installed' : undefined;

/** Alert names, in file order. */
export function alertNames(rulesText: string): string[] {
  return [...rulesText.matchAll(/^\s*- alert: (\S+)\s*$/gm)].map((m) => m[1]!);
}

/** Per alert name, whether some alert_rule_test case expects it firing, and whether one expects it silent. */
function coverage(testText: string): Map<string, { fires: boolean; silent: boolean }> {
  const out = new Map<string, { fires: boolean; silent: boolean }>();
  const cases = testText.split(/^\s*- eval_time: /m).slice(1);
  for (const c of cases) {
    const name = /^\s*alertname: (\S+)\s*$/m.exec(c)?.[1];
    if (name === undefined) continue;
    const e = out.get(name) ?? { fires: false, silent: false };
    if (/exp_alerts: \[\]/.test(c)) e.silent = true;
    else if (/exp_labels:/.test(c)) e.fires = true;
    out.set(name, e);
  }
  return out;
}

describe.skipIf(SKIP !== undefined)(`Prometheus rules${SKIP === undefined ? '' : ` (skipped: ${SKIP})`}`, () => {
  it('pass promtool check rules', () => {
    const r = sh('promtool', ['check', 'rules', RULES]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('pass their promtool unit tests', () => {
    const r = sh('promtool', ['test', 'rules', TESTS]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('each alert has a test where it fires and one where it stays silent', () => {
    const names = alertNames(readFileSync(RULES, 'utf8'));
    expect(names.length).toBeGreaterThanOrEqual(8);
    const cov = coverage(readFileSync(TESTS, 'utf8'));
    for (const n of names) expect(cov.get(n), n).toEqual({ fires: true, silent: true });
  });

  it('would notice a broken rule: promtool test fails when the alert-rate floor is gone', () => {
    // The unit tests are run against a copy of the rules without the floor;
    // sensor b (a small rate over a zero baseline) must then fire and fail them.
    const text = readFileSync(RULES, 'utf8');
    expect(text).toContain('> 1 / 60');
    const dir = sh('mktemp', ['-d']).stdout.trim();
    try {
      sh('cp', [TESTS, dir]);
      sh('sh', ['-c', `sed 's#> 1 / 60#> 0#' '${RULES}' > '${dir}/dnsae-rules.yml'`]);
      const r = sh('promtool', ['test', 'rules', join(dir, 'dnsae-rules.test.yml')]);
      expect(r.status).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain('b:9153');
    } finally {
      sh('rm', ['-rf', dir]);
    }
  });
});
