import { Command } from 'commander';
import { stageLogger } from '../logger.js';
import { openOutput } from './output-target.js';
import { extractCaptures, type ExtractFormat } from '../run/extract.js';
import { addCommunityIdOption } from './community-id-option.js';
import { addPipelineOptions, pipelineOptionsFrom, type PipelineCliOptions } from './pipeline-options.js';
import { exitForErrors, oneOf, runAction } from './run-action.js';

interface ExtractOptions extends PipelineCliOptions {
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
  return cmd.action((inputs: string[], o: ExtractOptions) =>
    runAction(async () => {
      const log = stageLogger('extract');
      const out = await openOutput(o.out);
      const { errors, stats } = await extractCaptures(inputs, o.format, out, pipelineOptionsFrom(o), log);
      await out.close();
      log.info({ stats }, 'extract summary');
      return exitForErrors(errors);
    }),
  );
}
