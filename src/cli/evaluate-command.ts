import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ModelError, OutputError, UsageError } from '../errors.js';
import { DEFAULT_TARGET_FPR } from '../evaluate/evaluation.js';
import { buildJsonReport, formatJsonReport } from '../evaluate/report-json.js';
import { renderHtmlReport } from '../evaluate/report-html.js';
import { formatTextReport } from '../evaluate/report-text.js';
import { stageLogger } from '../logger.js';
import { LineSink } from '../output/ndjson-sink.js';
import { parseRuleList } from '../rules/header-rules.js';
import { evaluateCaptures, type EvaluateRunOptions } from '../run/evaluate.js';
import { evaluateJobs } from '../run/evaluate-jobs.js';
import { planEvaluateJobs } from '../run/job-plan.js';
import { DEFAULT_MODEL_DIR, openQuestionModel, openScorer } from '../scoring/open-scorer.js';
import { addJobsOption } from './jobs-option.js';
import { addPipelineOptions, pipelineOptionsFrom, type PipelineCliOptions } from './pipeline-options.js';
import { progressTarget } from './progress.js';
import { BIG_INPUT_BYTES, ReadProgress } from './read-progress.js';
import { exitForErrors, parseFloatOption, runAction } from './run-action.js';
import { evaluateSummaryLines } from './run-summaries.js';
import { addSummaryOption, writeSummary, type SummaryMode } from './summary.js';

/** Windows open at once, as score's --tunnel-windows default. */
const DEFAULT_TUNNEL_WINDOWS = 65_536;

interface EvaluateOptions extends PipelineCliOptions {
  benign?: string[];
  anomalous?: string[];
  tunnels?: string[];
  /** false with --no-tunnel. */
  tunnel: boolean;
  model?: string;
  fpr: number;
  json?: boolean;
  report?: string;
  rules?: string;
  summary: SummaryMode;
  jobs?: number;
}

export function evaluateCommand(): Command {
  const cmd = new Command('evaluate')
    .description(
      'compare the detectors (ae, rules, hybrid, dns-packet baseline) on labelled captures; per-sample and per-flow metrics; ' +
        'with a tunnel stage in the model, its per-window and per-session metrics beside the hand-written baseline',
    )
    .option('--benign <captures...>', 'captures whose traffic is all benign (negative class)')
    .option('--anomalous <captures...>', 'captures whose traffic is all anomalous (positive class)')
    .option('--tunnels <captures...>', 'captures whose DNS is all tunnel or exfiltration traffic (positive class of the tunnel stage)')
    .option('--no-tunnel', 'evaluate the header stage alone, even when the model has a tunnel stage')
    .option('-m, --model <dir>', 'model directory (default: the shipped models/default)')
    .option('--fpr <rate>', 'target false-positive rate for the suggested threshold', parseFloatOption('--fpr', 0, 1), DEFAULT_TARGET_FPR)
    .option('--json', 'print the JSON report instead of the text table')
    .option('--report <file.html>', 'also write the self-contained HTML report to FILE')
    .option('--rules <list>', 'structure rules to use: default, all, none, or names to add/remove (e.g. "default,+multiple_questions")');
  addPipelineOptions(cmd);
  addJobsOption(cmd, {
    zero: 'for 32 MiB of input or more',
    sharing:
      'N parts, this thread and N-1 workers, each reading every capture: the question stage whole in this thread, the header stage\'s batches shared by the others. ' +
      'The report, the summary and the exit status are those of --jobs 1 (docs/scaling.md)',
  });
  addSummaryOption(cmd);
  return cmd.action((o: EvaluateOptions) =>
    runAction(async () => {
      const log = stageLogger('evaluate');
      const benign = o.benign ?? [];
      const anomalous = o.anomalous ?? [];
      const tunnels = o.tunnels ?? [];
      if (benign.length + anomalous.length + tunnels.length === 0) {
        throw new UsageError('evaluate needs captures: --benign FILES, --anomalous FILES and/or --tunnels FILES');
      }
      if (!o.tunnel && tunnels.length > 0) throw new UsageError('--tunnels needs the tunnel stage; drop --no-tunnel');
      const ruleMask = o.rules === undefined ? undefined : parseRuleList(o.rules);
      const scorer = await openScorer(o.model);
      const dir = o.model ?? DEFAULT_MODEL_DIR;
      const question = o.tunnel ? await openQuestionModel(dir) : undefined;
      if (question === undefined && tunnels.length > 0) {
        throw new ModelError('DNSAE_ERR_MODEL_NOT_FOUND', 'the model has no question stage (question/) to evaluate on --tunnels; train one with dnsae train', { file: dir });
      }
      if (question === undefined && o.tunnel) log.info({ model: dir }, 'the model has no question stage: the header stage is evaluated alone');
      const run: EvaluateRunOptions = {
        scorer,
        fpr: o.fpr,
        pipeline: pipelineOptionsFrom(o),
        observer: new ReadProgress(progressTarget(log), { terminalOnly: true, minBytes: BIG_INPUT_BYTES }),
        ...(ruleMask === undefined ? {} : { ruleMask }),
        ...(question === undefined ? {} : { tunnel: { model: question, domains: {}, maxWindows: DEFAULT_TUNNEL_WINDOWS, allowDomains: new Set<string>() } }),
      };
      const inputs = { benign, anomalous, tunnels };
      const workers = planEvaluateJobs([...benign, ...anomalous, ...(question === undefined ? [] : tunnels)], o.jobs);
      const result =
        workers === 1
          ? await evaluateCaptures(inputs, run, log)
          : await evaluateJobs(inputs, run, o.model, workers, log);
      const ev = result.evaluation;
      if (o.report !== undefined) {
        try {
          await writeFile(o.report, renderHtmlReport(ev), { mode: 0o644 });
        } catch (err) {
          const e = err as NodeJS.ErrnoException;
          throw new OutputError(`cannot write report (${e.code ?? e.message})`, { file: o.report, cause: err });
        }
      }
      const out = LineSink.toStdout();
      out.writeLine(o.json === true ? formatJsonReport(buildJsonReport(ev)) : formatTextReport(ev).replace(/\n$/, ''));
      await out.close();
      writeSummary(o.summary, log, { stats: result.stats }, 'evaluate summary', () =>
        evaluateSummaryLines([...benign, ...anomalous, ...tunnels], result.stats, { modelId: scorer.modelId, threshold: scorer.globalThreshold, report: o.report }),
      );
      return exitForErrors(result.errors);
    }),
  );
}
