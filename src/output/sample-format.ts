import { HEAD_BYTES, FIRST_BYTES, SAMPLE_FLAG_NAMES, type SampleBatch } from '../flow/sample.js';
import { flowFields, flowFieldsBytes } from './flow-fields.js';
import { toHex } from './hex.js';
import type { LineSink } from './ndjson-sink.js';
import { eveTimestamp, eveTimestampPrefixBytes } from './timestamp.js';

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
  const flow = batch.flow(i);
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

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const TS_OPEN = ascii('{"timestamp":"');
const TS_CLOSE = ascii('+0000",');
const MSG_INDEX = ascii(',"event_type":"dns_sample","message_index":');
const PAYLOAD_LEN = ascii(',"payload_length":');
const FIRST8 = ascii(',"first8":"');
const HEADER = ascii('","header":"');
const FLAGS = ascii('","flags":');
const HEXCHAR = ascii('0123456789abcdef');
/** `flags` JSON and the closing brace and newline, for every flag combination. */
const FLAGS_TAIL: Uint8Array[] = [];
for (let f = 0; f < 256; f++) FLAGS_TAIL.push(ascii(`${flagsJson(f)}}\n`));

function put(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  // Short constants: a loop beats a native set() call.
  const n = bytes.length;
  for (let k = 0; k < n; k++) buf[p + k] = bytes[k]!;
  return p + n;
}

function putInt(buf: Uint8Array, p: number, v: number): number {
  if (v < 0) {
    buf[p++] = 45; // '-'
    v = -v;
  }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let k = digits - 1; k >= 0; k--) {
    buf[p + k] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return p + digits;
}

function putHex(buf: Uint8Array, p: number, src: Uint8Array, off: number, len: number): number {
  for (let k = 0; k < len; k++) {
    const b = src[off + k]!;
    buf[p++] = HEXCHAR[b >>> 4]!;
    buf[p++] = HEXCHAR[b & 15]!;
  }
  return p;
}

/**
 * Writes sampleToNdjson(batch, i, sourceNames) and a newline into `out`
 * byte for byte, without building a string: per record this is the whole
 * cost of `dnsae extract`'s output, so it must not allocate.
 */
export function writeSampleNdjson(out: LineSink, batch: SampleBatch, i: number, sourceNames: readonly string[]): void {
  const flow = batch.flow(i);
  const base = i * HEAD_BYTES;
  const n = batch.headLen[i]!;
  const prefix = eveTimestampPrefixBytes(batch.tsSec[i]!);
  const fields = flowFieldsBytes(flow, batch.direction[i]!, sourceNames);
  const buf = out.reserve(prefix.length + fields.length + 256);
  let p = out.position;
  p = put(buf, p, TS_OPEN);
  p = put(buf, p, prefix);
  buf[p++] = 46; // '.'
  let usec = Math.floor(batch.tsNsec[i]! / 1000);
  for (let k = 5; k >= 0; k--) {
    buf[p + k] = 48 + (usec % 10);
    usec = Math.floor(usec / 10);
  }
  p += 6;
  p = put(buf, p, TS_CLOSE);
  buf.set(fields, p);
  p += fields.length;
  p = put(buf, p, MSG_INDEX);
  p = putInt(buf, p, batch.messageIndex[i]!);
  p = put(buf, p, PAYLOAD_LEN);
  p = putInt(buf, p, batch.payloadLength[i]!);
  p = put(buf, p, FIRST8);
  p = putHex(buf, p, batch.head, base, n < FIRST_BYTES ? n : FIRST_BYTES);
  p = put(buf, p, HEADER);
  p = putHex(buf, p, batch.head, base, n);
  p = put(buf, p, FLAGS);
  p = put(buf, p, FLAGS_TAIL[batch.flags[i]!]!);
  out.commit(p);
}

export const SAMPLE_CSV_HEADER =
  'timestamp,flow_id,pcap_filename,src_ip,src_port,dest_ip,dest_port,proto,direction,message_index,payload_length,first8,header,flags';

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function sampleToCsv(batch: SampleBatch, i: number, sourceNames: readonly string[]): string {
  const flow = batch.flow(i);
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
