import { HEAD_BYTES, FIRST_BYTES, SAMPLE_FLAG_NAMES, type SampleBatch } from '../flow/sample.js';
import { flowFields } from './flow-fields.js';
import { toHex } from './hex.js';
import { eveTimestamp } from './timestamp.js';

/** Names of the flag bits set on a sample, e.g. ["short","midstream"]. */
export function sampleFlagNames(flags: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of SAMPLE_FLAG_NAMES) if ((flags & bit) !== 0) out.push(name);
  return out;
}

function flagsJson(flags: number): string {
  if (flags === 0) return '[]';
  return JSON.stringify(sampleFlagNames(flags));
}

/** One `dnsae extract` NDJSON record (event_type "dns_sample"). */
export function sampleToNdjson(batch: SampleBatch, i: number, sourceNames: readonly string[]): string {
  const flow = batch.flows[i]!;
  const base = i * HEAD_BYTES;
  const n = batch.headLen[i]!;
  return (
    `{"timestamp":"${eveTimestamp(batch.tsSec[i]!, batch.tsNsec[i]!)}",` +
    flowFields(flow, batch.direction[i]!, sourceNames) +
    `,"event_type":"dns_sample","message_index":${batch.messageIndex[i]},"payload_length":${batch.payloadLength[i]},` +
    `"first8":"${toHex(batch.head, base, n < FIRST_BYTES ? n : FIRST_BYTES)}","header":"${toHex(batch.head, base, n)}",` +
    `"flags":${flagsJson(batch.flags[i]!)}}`
  );
}

export const SAMPLE_CSV_HEADER =
  'timestamp,flow_id,pcap_filename,src_ip,src_port,dest_ip,dest_port,proto,direction,message_index,payload_length,first8,header,flags';

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function sampleToCsv(batch: SampleBatch, i: number, sourceNames: readonly string[]): string {
  const flow = batch.flows[i]!;
  const toClient = batch.direction[i] === 1;
  const base = i * HEAD_BYTES;
  const n = batch.headLen[i]!;
  return [
    eveTimestamp(batch.tsSec[i]!, batch.tsNsec[i]!),
    String(flow.flowId),
    csvField(sourceNames[flow.sourceIndex] ?? ''),
    toClient ? flow.serverIp : flow.clientIp,
    String(toClient ? flow.serverPort : flow.clientPort),
    toClient ? flow.clientIp : flow.serverIp,
    String(toClient ? flow.clientPort : flow.serverPort),
    flow.transport === 'udp' ? 'UDP' : 'TCP',
    toClient ? 'to_client' : 'to_server',
    String(batch.messageIndex[i]),
    String(batch.payloadLength[i]),
    toHex(batch.head, base, n < FIRST_BYTES ? n : FIRST_BYTES),
    toHex(batch.head, base, n),
    sampleFlagNames(batch.flags[i]!).join('|'),
  ].join(',');
}
