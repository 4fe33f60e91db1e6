import { LineSink } from '../output/ndjson-sink.js';

export async function openOutput(path: string | undefined): Promise<LineSink> {
  return path === undefined || path === '-' ? LineSink.toStdout() : LineSink.toFile(path);
}
