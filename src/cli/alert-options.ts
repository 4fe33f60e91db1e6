import type { Command } from 'commander';
import { ModelError, UsageError } from '../errors.js';
import type { TunnelRunOptions } from '../run/score.js';
import { DEFAULT_MODEL_DIR, openQuestionModel } from '../scoring/open-scorer.js';
import { parseRuleList } from '../rules/header-rules.js';
import { DEFAULT_ALERT_POLICY, type AlertPolicyOptions } from '../scoring/alert-policy.js';
import { readFileSync } from 'node:fs';
import { readZoneList } from '../features/question/registered-domain.js';
import type { RegisteredDomainOptions } from '../features/question/registered-domain.js';
import { DETECTOR_MODES, type DetectorMode } from '../scoring/batch-scorer.js';

/** Options shared by `score` and `live`: which detectors, which rules, alert hygiene. */
export function addDetectorOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <dir>', 'model directory (default: the shipped models/default)')
    .option(
      '-d, --detector <list>',
      'stages and detectors, comma-separated: header (= hybrid), ae (header autoencoder), rules (structure checks), hybrid (either fires), tunnel (question stage), both (hybrid and tunnel); a header detector alone runs no tunnel stage',
      'both',
    )
    .option('--allow-domains <file>', 'registered domains the tunnel stage never alerts on, one per line (# comments)')
    .option('--zone-depth <n>', 'labels of a registered domain under a suffix not on the Public Suffix List (.test, .corp, ...)', '2')
    .option('--internal-zones <file>', "the site's own zones, one per line: a name under one is grouped by the zone plus one label")
    .option('--tunnel-windows <n>', '(client, registered domain) windows open at once; past it the oldest is scored early (counted)', '65536')
    .option('--rules <list>', 'structure rules to use: default, all, none, or names to add/remove (e.g. "default,+multiple_questions,-z_bit_set")')
    .option('--all-alerts', 'one alert per anomalous message instead of one per flow')
    .option('--alert-limit <n/sec>', 'at most N alerts per source address per SEC seconds; 0 disables', '100/60');
}

export interface DetectorCliOptions {
  model?: string;
  detector: string;
  rules?: string;
  allAlerts?: boolean;
  alertLimit: string;
  allowDomains?: string;
  zoneDepth: string;
  internalZones?: string;
  tunnelWindows: string;
}

/** Which stages run: the header stage's detector (or none), and the tunnel stage: 'on' (asked for), 'auto' (when the model has one), 'off'. */
export interface Detectors {
  readonly header: DetectorMode | undefined;
  readonly tunnel: 'on' | 'auto' | 'off';
}

export function detectorsFrom(o: { detector: string }): Detectors {
  const parts = o.detector.split(',').map((x) => x.trim()).filter((x) => x !== '');
  let header: DetectorMode | undefined;
  let tunnel: Detectors['tunnel'] = 'off';
  const setHeader = (m: DetectorMode): void => {
    if (header !== undefined && header !== m) throw new UsageError(`--detector names two header detectors (${header}, ${m}); pick one of ${DETECTOR_MODES.join(', ')}`);
    header = m;
  };
  for (const p of parts) {
    if (p === 'both') {
      setHeader('hybrid');
      tunnel = tunnel === 'on' ? 'on' : 'auto';
    } else if (p === 'header') setHeader('hybrid');
    else if (p === 'tunnel') tunnel = 'on';
    else if ((DETECTOR_MODES as readonly string[]).includes(p)) setHeader(p as DetectorMode);
    else throw new UsageError(`--detector: unknown '${p}' (header, ae, rules, hybrid, tunnel, both)`);
  }
  if (header === undefined && tunnel === 'off') throw new UsageError('--detector names no detector');
  return { header, tunnel };
}

function readListFile(option: string, file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the ${option} file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file, cause: err });
  }
  return readZoneList(file, text);
}

export function allowDomainsFrom(o: DetectorCliOptions): Set<string> {
  return new Set(o.allowDomains === undefined ? [] : readListFile('--allow-domains', o.allowDomains));
}

export function registeredDomainOptionsFrom(o: DetectorCliOptions): Partial<RegisteredDomainOptions> {
  const depth = Number(o.zoneDepth);
  if (!Number.isInteger(depth) || depth < 1 || depth > 16) throw new UsageError(`--zone-depth takes a whole number from 1 to 16, got '${o.zoneDepth}'`);
  return { zoneDepth: depth, internalZones: o.internalZones === undefined ? [] : readListFile('--internal-zones', o.internalZones) };
}

export function tunnelWindowsFrom(o: DetectorCliOptions): number {
  const n = Number(o.tunnelWindows);
  if (!Number.isInteger(n) || n < 1 || n > 16_777_216) throw new UsageError(`--tunnel-windows takes a whole number from 1 to 16777216, got '${o.tunnelWindows}'`);
  return n;
}

export function ruleMaskFrom(o: DetectorCliOptions): number | undefined {
  return o.rules === undefined ? undefined : parseRuleList(o.rules);
}

export function alertPolicyFrom(o: DetectorCliOptions): AlertPolicyOptions {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(o.alertLimit);
  if (!m) throw new UsageError(`--alert-limit takes N or N/SEC (e.g. 100/60), got '${o.alertLimit}'`);
  const window = m[2] === undefined ? DEFAULT_ALERT_POLICY.limitWindowSec : Number(m[2]);
  if (window < 1) throw new UsageError('--alert-limit window must be at least 1 second');
  return { ...DEFAULT_ALERT_POLICY, onePerFlow: o.allAlerts !== true, limitPerSource: Number(m[1]), limitWindowSec: window };
}

/**
 * The tunnel stage's run options for the chosen detectors and model: undefined
 * when the stage does not run (not asked for, or 'auto' with a header-only
 * model, which is said in the log). Asking for it with a model that has
 * none is a model error.
 */
export async function tunnelRunFrom(
  o: DetectorCliOptions,
  d: Detectors,
  log: { info(obj: object, msg: string): void },
): Promise<TunnelRunOptions | undefined> {
  if (d.tunnel === 'off') return undefined;
  const dir = o.model ?? DEFAULT_MODEL_DIR;
  const model = await openQuestionModel(dir);
  if (model === undefined) {
    if (d.tunnel === 'on') throw new ModelError('DNSAE_ERR_MODEL_NOT_FOUND', 'the model has no question stage (question/); train one with dnsae train, or run -d header', { file: dir });
    log.info({ model: dir }, 'the model has no question stage: the header stage runs alone');
    return undefined;
  }
  return { model, domains: registeredDomainOptionsFrom(o), maxWindows: tunnelWindowsFrom(o), allowDomains: allowDomainsFrom(o) };
}
