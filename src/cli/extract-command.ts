import { Command } from 'commander';
import { stageLogger } from '../logger.js';
import { openOutput } from './output-target.js';
import { extractCaptures, type ExtractFormat } from '../run/extract.js';
import { addCommunityIdOption } from './community-id-option.js';
import { addPipelineOptions, pipelineOptionsFrom, type PipelineCliOptions } from './pipeline-options.js';
import { exitForErrors, oneOf, runAction } from './run-action.js';
import { addJobsOption, EXTRACT_JOBS, type JobsCliOptions } from './jobs-option.js';
import { planExtractJobs } from '../run/job-plan.js';
import { dropEarlyThreads } from '../run/early-threads.js';
import { runJobs } from '../run/parallel-run.js';
import { SAMPLE_CSV_HEADER } from '../output/sample-format.js';

interface ExtractOptions extends PipelineCliOptions, JobsCliOptions {
  format: ExtractFormat;
  out?: string;
}

export function extractCommand(): Command {
  const cmd = new Command('extract')
    .description('write one record per port-53 sample (UDP datagram or DNS-over-TCP message): endpoints, length, first eight bytes')
    .argument('<capture...>', 'pcap or pcapng files; - reads standard input')
    .option('-f, --format <fmt>', 'ndjson, csv, or none (statistics only)', oneOf('--format', ['ndjson', 'csv', 'none'] as const), 'ndjson')
    .option('-o, --out <file>', 'write records to FILE instead of standard output');
  addPipelineOptions(cmd);
  addCommunityIdOption(cmd);
  addJobsOption(cmd, EXTRACT_JOBS);
  return cmd.action((inputs: string[], o: ExtractOptions) =>
    runAction(async () => {
      const log = stageLogger('extract');
      const out = await openOutput(o.out);
      const plan = planExtractJobs(inputs, o.jobs, o.format !== 'none');
      // Threads started for workers this plan does not have (runJobs takes its own).
      if (plan.mode === undefined) await dropEarlyThreads();
      let errors, stats;
      if (plan.mode === undefined) ({ errors, stats } = await extractCaptures(inputs, o.format, out, pipelineOptionsFrom(o), log));
      else {
        if (o.format === 'csv') out.writeLine(SAMPLE_CSV_HEADER);
        const spec = { command: { kind: 'extract', format: o.format }, inputs, pipeline: pipelineOptionsFrom(o), communityIdSeed: o.communityIdSeed, mode: plan.mode, workers: plan.workers } as const;
        ({ errors, stats } = await runJobs(spec, out, log));
        await dropEarlyThreads();
      }
      await out.close();
      log.info({ stats }, 'extract summary');
      return exitForErrors(errors);
    }),
  );
}
