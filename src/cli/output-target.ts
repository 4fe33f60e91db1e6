import { LineSink } from '../output/ndjson-sink.js';

/** `-` or no path: standard output. A file is truncated unless `append` (dnsae live keeps what an earlier run wrote). */
export async function openOutput(path: string | undefined, append = false): Promise<LineSink> {
  return path === undefined || path === '-' ? LineSink.toStdout() : LineSink.toFile(path, append);
}
