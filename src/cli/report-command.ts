import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { OutputError, UsageError } from '../errors.js';
import { stageLogger } from '../logger.js';
import { LineSink } from '../output/ndjson-sink.js';
import { BUCKET_UNITS, parseInstant, type BucketUnit } from '../report/buckets.js';
import { renderReportHtml } from '../report/html.js';
import { formatJsonSummary } from '../report/json.js';
import { runReport } from '../report/run-report.js';
import { formatTextSummary } from '../report/text.js';
import { exitForErrors, oneOf, parseIntOption, runAction } from './run-action.js';

interface ReportCliOptions {
  html?: string;
  json?: string;
  text?: boolean;
  from?: string;
  to?: string;
  bucket: BucketUnit;
  window: number;
  allProducers?: boolean;
}

async function writeReport(file: string, body: string): Promise<void> {
  try {
    await writeFile(file, body, { mode: 0o644 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new OutputError(`cannot write report (${e.code ?? e.message})`, { file, cause: err });
  }
}

export function reportCommand(): Command {
  return new Command('report')
    .description('trend report over EVE alert files: alerts per bucket with moving average and sigma bands, per sensor, top talkers, models')
    .argument('<alerts...>', 'EVE NDJSON files (.gz too); - reads standard input')
    .option('--html <file>', 'write the self-contained HTML report to FILE')
    .option('--json <file>', 'write the JSON summary to FILE (- for standard output)')
    .option('--text', 'print a short plain-text summary (the default when neither --html nor --json is given)')
    .option('--from <time>', 'first instant of the period, ISO 8601 (default: the first alert)')
    .option('--to <time>', 'end of the period, exclusive, ISO 8601 (default: after the last alert)')
    .option('--bucket <unit>', 'bucket size: hour, day or week (UTC; weeks start on Monday)', oneOf('--bucket', BUCKET_UNITS), 'day')
    .option('--window <n>', 'buckets in the trailing moving average and bands', parseIntOption('--window', 2, 1000), 7)
    .option('--all-producers', "report other producers' alerts (e.g. Suricata's) as a separate series")
    .action((inputs: string[], o: ReportCliOptions) =>
      runAction(async () => {
        const log = stageLogger('report');
        const fromMs = o.from === undefined ? undefined : parseInstant('--from', o.from);
        const toMs = o.to === undefined ? undefined : parseInstant('--to', o.to);
        if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new UsageError('--to must be after --from');
        if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
        const { summary, errors } = await runReport(inputs, { unit: o.bucket, window: o.window, fromMs, toMs, allProducers: o.allProducers === true }, log);
        log.info({ stats: { files: summary.inputs.files.length, alerts: summary.totals.alerts, malformed: summary.inputs.malformed, flagged: summary.flagged.length } }, 'report summary');
        if (o.html !== undefined) await writeReport(o.html, renderReportHtml(summary));
        const out = LineSink.toStdout();
        if (o.json === '-') out.writeLine(formatJsonSummary(summary).replace(/\n$/, ''));
        else if (o.json !== undefined) await writeReport(o.json, formatJsonSummary(summary));
        if (o.text === true || (o.html === undefined && o.json === undefined)) out.writeLine(formatTextSummary(summary).replace(/\n$/, ''));
        await out.close();
        return exitForErrors(errors);
      }),
    );
}
