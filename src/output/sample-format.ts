import { HEAD_BYTES, FIRST_BYTES, SAMPLE_FLAG_NAMES, type FlowInfo, type SampleBatch } from '../flow/sample.js';
import { flowFields } from './flow-fields.js';
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

/** A non-negative integer below 2^31 in decimal: integer division only. */
function putSmallInt(buf: Uint8Array, p: number, v: number): number {
  let digits = 1;
  for (let t = v; t >= 10; t = (t / 10) | 0) digits++;
  for (let k = digits - 1; k >= 0; k--) {
    const q = (v / 10) | 0;
    buf[p + k] = 48 + v - q * 10;
    v = q;
  }
  return p + digits;
}

/**
 * An integer in decimal, as `${v}` writes it. Flow ids are 16-digit numbers:
 * they are split at 10^8 into two parts that fit in 31 bits, since digit by
 * digit division of a double (Math.floor) cost more than the rest of a record.
 */
function putInt(buf: Uint8Array, p: number, v: number): number {
  if (v < 0) {
    buf[p++] = 45; // '-'
    v = -v;
  }
  if (v < 0x80000000) return putSmallInt(buf, p, v);
  if (v < 0x80000000 * 1e8) {
    const hi = Math.floor(v / 1e8);
    p = putSmallInt(buf, p, hi);
    let lo = v - hi * 1e8;
    for (let k = 7; k >= 0; k--) {
      const q = (lo / 10) | 0;
      buf[p + k] = 48 + lo - q * 10;
      lo = q;
    }
    return p + 8;
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

const FLOW_ID = ascii('"flow_id":');
const VLAN_OPEN = ascii('"vlan":[');
const VLAN_CLOSE = ascii('],');
const SRC_IP = ascii('"src_ip":');
const SRC_PORT = ascii(',"src_port":');
const DEST_IP = ascii(',"dest_ip":');
const DEST_PORT = ascii(',"dest_port":');
const PROTO_DIR = [
  [ascii(',"proto":"UDP","direction":"to_server"'), ascii(',"proto":"UDP","direction":"to_client"')],
  [ascii(',"proto":"TCP","direction":"to_server"'), ascii(',"proto":"TCP","direction":"to_client"')],
] as const;

/** `"pcap_filename":"...",` per source index, as UTF-8, for the names array last seen. */
let cachedNames: readonly string[] | undefined;
let nameFields: Array<Uint8Array | undefined> = [];

function nameField(names: readonly string[], index: number): Uint8Array | undefined {
  if (names !== cachedNames) {
    cachedNames = names;
    nameFields = [];
  }
  const name = names[index];
  if (name === undefined) return undefined;
  let b = nameFields[index];
  if (b === undefined) {
    b = Buffer.from(`"pcap_filename":${JSON.stringify(name)},`, 'utf8');
    nameFields[index] = b;
  }
  return b;
}

/** JSON.stringify(s) as bytes: address text is plain ASCII and is copied; anything else goes through JSON. */
function putJsonString(buf: Uint8Array, p: number, s: string): number {
  const n = s.length;
  let plain = true;
  for (let k = 0; k < n && plain; k++) {
    const c = s.charCodeAt(k);
    plain = c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c;
  }
  if (!plain) {
    const b = Buffer.from(JSON.stringify(s), 'utf8');
    buf.set(b, p);
    return p + b.length;
  }
  buf[p++] = 0x22;
  for (let k = 0; k < n; k++) buf[p + k] = s.charCodeAt(k);
  p += n;
  buf[p++] = 0x22;
  return p;
}

/** Upper bound of the bytes putFlowFields writes (a JSON escape is at most 6 bytes per UTF-16 unit). */
function flowFieldsBound(flow: FlowInfo, name: Uint8Array | undefined): number {
  return 160 + (name === undefined ? 0 : name.length) + 6 * (flow.clientIp.length + flow.serverIp.length) + 8 * flow.vlan.length;
}

/**
 * flowFields(flow, direction, names) written as bytes: the same JSON
 * members, without the per-flow strings and buffers the cached form made
 * (rendering and encoding them, two per flow, was most of the NDJSON
 * output's cost and of its garbage on a capture with many flows).
 */
function putFlowFields(buf: Uint8Array, p: number, flow: FlowInfo, toClient: boolean, name: Uint8Array | undefined): number {
  p = put(buf, p, FLOW_ID);
  p = putInt(buf, p, flow.flowId);
  buf[p++] = 0x2c; // ','
  if (name !== undefined) p = put(buf, p, name);
  const vlan = flow.vlan;
  if (vlan.length > 0) {
    p = put(buf, p, VLAN_OPEN);
    for (let k = 0; k < vlan.length; k++) {
      if (k > 0) buf[p++] = 0x2c;
      p = putInt(buf, p, vlan[k]!);
    }
    p = put(buf, p, VLAN_CLOSE);
  }
  p = put(buf, p, SRC_IP);
  p = putJsonString(buf, p, toClient ? flow.serverIp : flow.clientIp);
  p = put(buf, p, SRC_PORT);
  p = putInt(buf, p, toClient ? flow.serverPort : flow.clientPort);
  p = put(buf, p, DEST_IP);
  p = putJsonString(buf, p, toClient ? flow.clientIp : flow.serverIp);
  p = put(buf, p, DEST_PORT);
  p = putInt(buf, p, toClient ? flow.clientPort : flow.serverPort);
  return put(buf, p, PROTO_DIR[flow.transport === 'udp' ? 0 : 1][toClient ? 1 : 0]);
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
  const name = nameField(sourceNames, flow.sourceIndex);
  const buf = out.reserve(prefix.length + flowFieldsBound(flow, name) + 256);
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
  p = putFlowFields(buf, p, flow, batch.direction[i] === 1, name);
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
