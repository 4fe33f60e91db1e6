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

/** `dnsae extract`: every sample as a record, nothing scored. */
export async function extractCaptures(
  inputs: readonly string[],
  format: ExtractFormat,
  out: LineSink,
  pipelineOptions: PipelineOptions,
  log: Logger,
): Promise<ExtractResult> {
  const names = inputs.map((p) => (p === '-' ? '<stdin>' : p));
  if (format === 'csv') out.writeLine(SAMPLE_CSV_HEADER);
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
  const consumer: BatchConsumer = { onBatch, drain: () => out.drain() };
  const pipeline = new Pipeline(pipelineOptions, consumer, log);
  const { errors } = await runFiles(inputs, pipeline, log);
  return { errors, stats: { ...pipeline.stats(), sources: pipeline.sources } };
}
