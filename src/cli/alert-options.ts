import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseRuleList } from '../rules/header-rules.js';
import { DEFAULT_ALERT_POLICY, type AlertPolicyOptions } from '../scoring/alert-policy.js';
import { DETECTOR_MODES, type DetectorMode } from '../scoring/batch-scorer.js';
import { oneOf } from './run-action.js';

/** Options shared by `score` and `live`: which detectors, which rules, alert hygiene. */
export function addDetectorOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <dir>', 'model directory (default: the shipped models/default)')
    .option('-d, --detector <mode>', 'ae (autoencoder), rules (structure checks) or hybrid (either fires)', oneOf('--detector', DETECTOR_MODES), 'hybrid')
    .option('--rules <list>', 'structure rules to use: default, all, none, or names to add/remove (e.g. "default,+multiple_questions,-z_bit_set")')
    .option('--all-alerts', 'one alert per anomalous message instead of one per flow')
    .option('--alert-limit <n/sec>', 'at most N alerts per source address per SEC seconds; 0 disables', '100/60');
}

export interface DetectorCliOptions {
  model?: string;
  detector: DetectorMode;
  rules?: string;
  allAlerts?: boolean;
  alertLimit: string;
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
