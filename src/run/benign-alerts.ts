import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DnsaeError, fromFsError } from '../errors.js';
import { HEAD_BYTES } from '../flow/sample.js';
import type { TrainingSet } from '../model/train.js';

/** Lines of one alerts file read at most; a file past it is refused, not sampled. */
export const MAX_BENIGN_ALERTS = 1_000_000;

export interface BenignAlerts {
  readonly set: TrainingSet;
  /** Header-stage records taken as benign samples. */
  readonly used: number;
  /** Records without header bytes (tunnel-stage alerts, window records), skipped. */
  readonly skipped: number;
}

function bad(file: string, line: number, why: string): DnsaeError {
  return new DnsaeError('DNSAE_ERR_BAD_ALERTS', `line ${line}: ${why}`, { file });
}

/**
 * Reads EVE records an analyst marked as false positives (dnsae score's
 * alerts, or its --all records) as benign training samples: the header
 * bytes (`dnsae.first8`), the message length, the transport and the
 * direction are all a header-stage record needs to be one again. Blank
 * lines are ignored; a line that is not JSON, or a record with bytes but
 * malformed fields, stops with its line number. Tunnel-stage alerts carry
 * no header bytes and are counted as skipped.
 */
export async function readBenignAlerts(files: readonly string[]): Promise<BenignAlerts> {
  const head: number[] = [];
  const headLen: number[] = [];
  const payloadLength: number[] = [];
  const transport: number[] = [];
  const direction: number[] = [];
  let skipped = 0;
  for (const file of files) {
    let n = 0;
    const stream = createReadStream(file, { encoding: 'utf8' });
    const opened = new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    try {
      await opened;
    } catch (err) {
      throw fromFsError(err, file);
    }
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      n++;
      if (n > MAX_BENIGN_ALERTS) throw bad(file, n, `more than ${MAX_BENIGN_ALERTS} lines; split the file`);
      if (line.trim() === '') continue;
      let rec: { proto?: unknown; direction?: unknown; dnsae?: { first8?: unknown; payload_length?: unknown } };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        throw bad(file, n, 'not a JSON record');
      }
      const d = rec?.dnsae;
      if (typeof d !== 'object' || d === null) throw bad(file, n, 'no "dnsae" object: not a dnsae record');
      if (d.first8 === undefined) {
        skipped++;
        continue;
      }
      if (typeof d.first8 !== 'string' || !/^([0-9a-f]{2}){0,8}$/.test(d.first8)) throw bad(file, n, 'dnsae.first8 must be up to 8 bytes of lower-case hex');
      const len = d.payload_length;
      if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > 65_535) throw bad(file, n, 'dnsae.payload_length must be a whole number 0-65535');
      if (rec.proto !== 'UDP' && rec.proto !== 'TCP') throw bad(file, n, 'proto must be "UDP" or "TCP"');
      if (rec.direction !== 'to_server' && rec.direction !== 'to_client') throw bad(file, n, 'direction must be "to_server" or "to_client"');
      const bytes = Buffer.from(d.first8, 'hex');
      for (let k = 0; k < HEAD_BYTES; k++) head.push(k < bytes.length ? bytes[k]! : 0);
      headLen.push(bytes.length);
      payloadLength.push(len);
      transport.push(rec.proto === 'TCP' ? 1 : 0);
      direction.push(rec.direction === 'to_client' ? 1 : 0);
    }
  }
  const set: TrainingSet = {
    count: headLen.length,
    head: Uint8Array.from(head),
    headLen: Uint8Array.from(headLen),
    payloadLength: Int32Array.from(payloadLength),
    transport: Uint8Array.from(transport),
    direction: Uint8Array.from(direction),
  };
  return { set, used: set.count, skipped };
}
