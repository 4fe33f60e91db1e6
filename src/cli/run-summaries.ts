import { count } from './progress.js';
import { table } from './summary.js';

interface RunStats {
  frames?: number;
  samples?: number;
  flows?: { flows_created?: number };
  scoring?: { alerts_by_signature?: Record<string, number> };
  alerting?: { alerts?: number; suppressed_flow?: number; suppressed_rate?: number };
  tunnel?: { windows_scored?: number };
  tunnel_alerting?: { alerts?: number };
  detector?: string | null;
  model_id?: string | null;
  tunnel_model_id?: string | null;
}

function readLine(inputs: readonly string[], s: RunStats): [string, string] {
  return ['read', `${inputs.length} capture${inputs.length === 1 ? '' : 's'}, ${count(s.frames ?? 0)} packets, ${count(s.samples ?? 0)} DNS messages, ${count(s.flows?.flows_created ?? 0)} flows`];
}

/** `dnsae score`'s closing lines on a terminal. */
export function scoreSummaryLines(inputs: readonly string[], stats: Record<string, unknown>, o: { out: string; threshold?: number | undefined; questionThreshold?: number | undefined }): string[] {
  const s = stats as RunStats;
  const header = s.alerting?.alerts ?? 0;
  const tunnel = s.tunnel_alerting?.alerts ?? 0;
  const sig = s.scoring?.alerts_by_signature ?? {};
  const bySig = Object.entries(sig)
    .filter(([, n]) => n > 0)
    .map(([id, n]) => `${count(n)} x ${id}`)
    .join(', ');
  const models: string[] = [];
  if (s.model_id != null) models.push(`header ${s.model_id} (${s.detector ?? ''}${o.threshold === undefined ? '' : `, threshold ${o.threshold.toFixed(6)}`})`);
  else if (s.detector != null) models.push(`header: structure rules only`);
  if (s.tunnel_model_id != null) models.push(`question ${s.tunnel_model_id}${o.questionThreshold === undefined ? '' : ` (threshold ${o.questionThreshold.toFixed(6)})`}`);
  const suppressed = (s.alerting?.suppressed_flow ?? 0) + (s.alerting?.suppressed_rate ?? 0);
  return table([
    readLine(inputs, s),
    ['model', models.length > 0 ? models.join('; ') : 'none'],
    ['alerts', `${count(header + tunnel)} written to ${o.out}: ${count(header)} header stage${bySig === '' ? '' : ` (${bySig})`}, ${count(tunnel)} tunnel stage; ${count(suppressed)} more held back by the one-per-flow and rate limits`],
  ]);
}

interface EvalStats extends RunStats {
  files?: number;
}

/** `dnsae evaluate`'s closing lines on a terminal (the report itself is on standard output). */
export function evaluateSummaryLines(inputs: readonly string[], stats: Record<string, unknown>, o: { modelId: string; threshold: number; report?: string | undefined }): string[] {
  const s = stats as EvalStats;
  return table([
    readLine(inputs, s),
    ['model', `header ${o.modelId}, threshold ${o.threshold.toFixed(6)}`],
    ['wrote', `the ${o.report === undefined ? '' : 'text/JSON '}report to standard output${o.report === undefined ? '' : ` and the HTML report to ${o.report}`}`],
  ]);
}
