import { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { stageLogger } from '../logger.js';
import { scoreCaptures } from '../run/score.js';
import { openScorer } from '../scoring/open-scorer.js';
import { addDetectorOptions, alertPolicyFrom, detectorsFrom, ruleMaskFrom, tunnelRunFrom, type DetectorCliOptions } from './alert-options.js';
import { addSinkOptions, openOutputTarget, type SinkCliOptions } from './output-target.js';
import { addCommunityIdOption } from './community-id-option.js';
import { addPipelineOptions, pipelineOptionsFrom, type PipelineCliOptions } from './pipeline-options.js';
import { progressTarget } from './progress.js';
import { BIG_INPUT_BYTES, ReadProgress } from './read-progress.js';
import { exitForErrors, runAction } from './run-action.js';
import { addJobsOption, type JobsCliOptions } from './jobs-option.js';
import { planScoreJobs } from '../run/job-plan.js';
import { runJobs } from '../run/parallel-run.js';
import { dropEarlyThreads, takeEarlyQuestionThread } from '../run/early-threads.js';
import { QuestionThread, scoreStageSplit } from '../run/stage-split.js';
import { fastLaneAvailable } from '../flow/fast-lane.js';
import { scoreSummaryLines } from './run-summaries.js';
import { addSummaryOption, writeSummary, type SummaryMode } from './summary.js';

interface ScoreOptions extends PipelineCliOptions, DetectorCliOptions, SinkCliOptions, JobsCliOptions {
  out?: string;
  all?: boolean;
  failOnAlert?: boolean;
  summary: SummaryMode;
}

export function scoreCommand(): Command {
  const cmd = new Command('score')
    .description('score port-53 traffic in captures; alerts as EVE-style NDJSON (event_type "alert")')
    .argument('<capture...>', 'pcap or pcapng files; - reads standard input')
    .option('-o, --out <target>', 'write records to a FILE (created mode 0640) instead of standard output, or to unix-stream:PATH, unix-dgram:PATH, syslog:, syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT, redis://HOST:PORT[/DB] (docs/outputs.md)')
    .option('--all', 'also write one event_type "dns_ae" record per scored sample and one "dns_ae_window" record per scored tunnel-stage window')
    .option('--fail-on-alert', `exit with status ${ExitCode.ALERTS} when at least one alert was written`);
  addDetectorOptions(cmd);
  addPipelineOptions(cmd);
  addCommunityIdOption(cmd);
  addSinkOptions(cmd);
  addJobsOption(cmd);
  addSummaryOption(cmd);
  return cmd.action((inputs: string[], o: ScoreOptions) =>
    runAction(async () => {
      const log = stageLogger('score');
      const ruleMask = ruleMaskFrom(o);
      const policy = alertPolicyFrom(o);
      const detectors = detectorsFrom(o);
      const pipeline = pipelineOptionsFrom(o);
      const laneOk = pipeline.fastLane !== false && fastLaneAvailable(pipeline.maxFlows);
      // Split by stage, the question stage's thread starts first: it loads its code while this thread opens the models.
      const thread = planScoreJobs(inputs, o.jobs, detectors.tunnel !== 'off', laneOk).mode === 'stages' ? new QuestionThread(takeEarlyQuestionThread(), o.model) : undefined;
      try {
        const scorer = detectors.header === undefined || detectors.header === 'rules' ? undefined : await openScorer(o.model);
        const tunnel = await tunnelRunFrom(o, detectors, log);
        const target = await openOutputTarget(o.out, o, { log });
        const out = target.out;
        const plan = planScoreJobs(inputs, o.jobs, tunnel !== undefined, laneOk);
        // Threads started for another plan than this one (runJobs takes its own).
        if (plan.mode !== 'files' && plan.mode !== 'shares') await dropEarlyThreads();
        const runOptions = {
          mode: detectors.header,
          scorer,
          ruleMask,
          policy,
          all: o.all === true,
          pipeline,
          ...(tunnel === undefined ? {} : { tunnel }),
          observer: new ReadProgress(progressTarget(log), { terminalOnly: true, minBytes: BIG_INPUT_BYTES }),
        };
        const result =
          plan.mode === 'stages'
            ? await scoreStageSplit(thread!, inputs, out, runOptions, o.model, o.communityIdSeed, log)
            : plan.mode === undefined
            ? await scoreCaptures(inputs, out, runOptions, log)
            : await runJobs(
                {
                  command: {
                    kind: 'score',
                    modelDir: o.model,
                    mode: detectors.header,
                    ruleMask,
                    policy,
                    all: o.all === true,
                    ...(tunnel === undefined ? {} : { tunnel: { domains: tunnel.domains, maxWindows: tunnel.maxWindows, allowDomains: [...tunnel.allowDomains] } }),
                  },
                  inputs,
                  pipeline,
                  communityIdSeed: o.communityIdSeed,
                  mode: plan.mode,
                  workers: plan.workers,
                },
                out,
                log,
              );
        await target.close();
        const stats = { ...result.stats, ...target.summary() };
        writeSummary(o.summary, log, { stats }, 'score summary', () =>
          scoreSummaryLines(inputs, stats, { out: o.out ?? 'standard output', threshold: scorer?.globalThreshold, questionThreshold: tunnel?.model.meta.threshold }),
        );
        const status = exitForErrors(result.errors);
        if (status !== ExitCode.OK) return status;
        return o.failOnAlert === true && result.alerts > 0 ? ExitCode.ALERTS : ExitCode.OK;
      } finally {
        await thread?.close();
        await dropEarlyThreads();
      }
    }),
  );
}
