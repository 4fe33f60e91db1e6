import type { SampleBatch } from '../flow/sample.js';
import type { Logger } from '../logger.js';
import type { LineSink } from '../output/ndjson-sink.js';
import { SAMPLE_CSV_HEADER, writeSampleCsv, writeSampleNdjson } from '../output/sample-format.js';
import { Pipeline, runFiles, type BatchConsumer, type PipelineOptions } from '../pipeline.js';
import type { DnsaeError } from '../errors.js';

export type ExtractFormat = 'ndjson' | 'csv' | 'none';

export interface ExtractResult {
  readonly errors: DnsaeError[];
  readonly stats: Record<string, unknown>;
}

/** One extract run's pipeline on `out` (see openScoreRun for `drain`); the CSV header is the caller's. */
export function openExtractRun(
  inputs: readonly string[],
  format: ExtractFormat,
  out: LineSink,
  pipelineOptions: PipelineOptions,
  log: Logger,
  drain: () => Promise<void> = () => out.drain(),
): Pipeline {
  const names = inputs.map((p) => (p === '-' ? '<stdin>' : p));
  // The format is chosen once here, not per batch or per record; `none` formats nothing.
  const onBatch: (batch: SampleBatch) => void =
    format === 'none'
      ? () => undefined
      : format === 'csv'
        ? (batch) => {
            for (let i = 0; i < batch.count; i++) writeSampleCsv(out, batch, i, names);
          }
        : (batch) => {
            for (let i = 0; i < batch.count; i++) writeSampleNdjson(out, batch, i, names);
          };
  const consumer: BatchConsumer = { onBatch, drain };
  return new Pipeline(pipelineOptions, consumer, log);
}

/** The summary of an extract run. */
export function extractStats(pipeline: Pipeline): Record<string, unknown> {
  return { ...pipeline.stats(), sources: pipeline.sources };
}

/** `dnsae extract`: every sample as a record, nothing scored. */
export async function extractCaptures(
  inputs: readonly string[],
  format: ExtractFormat,
  out: LineSink,
  pipelineOptions: PipelineOptions,
  log: Logger,
): Promise<ExtractResult> {
  if (format === 'csv') out.writeLine(SAMPLE_CSV_HEADER);
  const pipeline = openExtractRun(inputs, format, out, pipelineOptions, log);
  const { errors } = await runFiles(inputs, pipeline, log);
  return { errors, stats: extractStats(pipeline) };
}
