import { HEAD_BYTES, FIRST_BYTES, SAMPLE_FLAG_NAMES, type FlowInfo, type SampleBatch } from '../flow/sample.js';
import { flowFields } from './flow-fields.js';
import { flowCommunityId, putFlowCommunityId } from './community-id.js';
import { FLOW_BYTES_MAX, FlowBytesCache } from './flow-bytes-cache.js';
import { AssembledFlowInfo } from '../flow/assembled-flow-info.js';
import { IP_TEXT_MAX } from '../flow/ip-format.js';
import { hexWord, putHex, toHex } from './hex.js';
import type { LineSink } from './ndjson-sink.js';
import { label, put6, putBytes, putInt, putLabel } from './put-ascii.js';
import { eveTimestamp, eveTimestampPrefixBytes, putEveTimestamp } from './timestamp.js';

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
const DOT = ascii('.');
const TZ_FLOW_ID = label('+0000","flow_id":');
const VLAN_OPEN = label('"vlan":[');
const VLAN_CLOSE = label('],');
const SRC_IP = label('"src_ip":"');
const SRC_PORT = label('","src_port":');
const DEST_IP = label(',"dest_ip":"');
const DEST_PORT = label('","dest_port":');
/**
 * `,"proto":"UDP","community_id":"1:..."` per flow, where Suricata's EVE
 * has it (after proto); no community_id when the flow has none (address
 * text that is no address), as Suricata leaves it out then.
 */
const PROTO_UDP_ID = ascii(',"proto":"UDP","community_id":"');
const PROTO_TCP_ID = ascii(',"proto":"TCP","community_id":"');
const PROTO_COMMUNITY_ID = new FlowBytesCache((flow, out) => {
  const head = flow.transport === 'udp' ? PROTO_UDP_ID : PROTO_TCP_ID;
  out.set(head, 0);
  const end = putFlowCommunityId(flow, out, head.length);
  if (end === head.length) return ',"proto":"UDP"'.length; // no id: the field is left out
  out[end] = 0x22; // '"'
  return end + 1;
});
/** From the Community ID to the message index, per direction: one copy instead of three. */
const DIR_INDEX = [
  ascii(',"direction":"to_server","event_type":"dns_sample","message_index":'),
  ascii(',"direction":"to_client","event_type":"dns_sample","message_index":'),
] as const;
const PAYLOAD_LEN = label(',"payload_length":');
const FIRST8 = label(',"first8":"');
const HEADER = label('","header":"');
/** The end of the header, `flags` JSON, the closing brace and newline: as a Label without flags, else per flag combination. */
const NO_FLAGS_TAIL = label(`","flags":${flagsJson(0)}}\n`);
/**
 * Filled on first use of each combination: the 512 entries of both tables
 * built at load took a few ms of every start, and made V8 optimize
 * sampleFlagNames before any packet was read.
 */
const FLAGS_TAIL: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(256).fill(undefined);
function flagsTail(flags: number): Uint8Array {
  return (FLAGS_TAIL[flags] ??= ascii(`","flags":${flagsJson(flags)}}\n`));
}

/** `,"pcap_filename":"...",` (or `,` without a name) per source index, as UTF-8, for the names array last seen. */
let cachedNames: readonly string[] | undefined;
let nameFields: Array<Uint8Array | undefined> = [];
const NO_NAME = ascii(',');

function nameField(names: readonly string[], index: number): Uint8Array {
  if (names !== cachedNames) {
    cachedNames = names;
    nameFields = [];
  }
  const name = names[index];
  if (name === undefined) return NO_NAME;
  let b = nameFields[index];
  if (b === undefined) {
    b = Buffer.from(`,"pcap_filename":${JSON.stringify(name)},`, 'utf8');
    nameFields[index] = b;
  }
  return b;
}

/**
 * `{"timestamp":"2009-11-24T21:27:09.` for the second last written, also
 * as nine words when it fits in 36 bytes (the prefix of every year from
 * 1000 to 9999), stored without a native call.
 */
let headSec = Number.NaN;
let head: Uint8Array = new Uint8Array(0);
const headWords = new Int32Array(9);

function putHead(buf: Uint8Array, dv: DataView, p: number, tsSec: number): number {
  if (tsSec !== headSec) {
    headSec = tsSec;
    head = Buffer.concat([TS_OPEN, eveTimestampPrefixBytes(tsSec), DOT]);
    if (head.length <= 36) {
      const b = Buffer.alloc(36);
      b.set(head);
      for (let k = 0; k < 9; k++) headWords[k] = b.readInt32LE(4 * k);
    }
  }
  if (head.length > 36) return putBytes(buf, p, head);
  const w = headWords;
  dv.setInt32(p, w[0]!, true);
  dv.setInt32(p + 4, w[1]!, true);
  dv.setInt32(p + 8, w[2]!, true);
  dv.setInt32(p + 12, w[3]!, true);
  dv.setInt32(p + 16, w[4]!, true);
  dv.setInt32(p + 20, w[5]!, true);
  dv.setInt32(p + 24, w[6]!, true);
  dv.setInt32(p + 28, w[7]!, true);
  dv.setInt32(p + 32, w[8]!, true);
  return p + head.length;
}

/** JSON.stringify(s) without its quotes, as bytes: plain ASCII is copied; anything else goes through JSON. */
function putJsonStringBody(buf: Uint8Array, p: number, s: string): number {
  const n = s.length;
  let plain = true;
  for (let k = 0; k < n && plain; k++) {
    const c = s.charCodeAt(k);
    plain = c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c;
  }
  if (plain) {
    for (let k = 0; k < n; k++) buf[p + k] = s.charCodeAt(k);
    return p + n;
  }
  const b = Buffer.from(JSON.stringify(s), 'utf8');
  return putBytes(buf, p, b.subarray(1, b.length - 1));
}

/** One endpoint's address text: from the flow's words when it has them, else from its string. */
function putAddress(buf: Uint8Array, dv: DataView, p: number, flow: FlowInfo, server: boolean): number {
  if (flow instanceof AssembledFlowInfo) return flow.putIp(dv, p, server);
  return putJsonStringBody(buf, p, server ? flow.serverIp : flow.clientIp);
}

/** Bytes a record of `flow` can take beyond its timestamp prefix and file name (a JSON escape is at most 6 bytes per UTF-16 unit). */
function recordBound(flow: FlowInfo): number {
  const addresses = flow instanceof AssembledFlowInfo ? 2 * IP_TEXT_MAX : 6 * (flow.clientIp.length + flow.serverIp.length);
  return 512 + FLOW_BYTES_MAX + addresses + 12 * flow.vlan.length;
}

/** A DataView of the sink's chunk, made again only when the sink hands out another chunk. */
let viewBuf: Uint8Array | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

function viewOf(buf: Uint8Array): DataView {
  if (buf !== viewBuf) {
    viewBuf = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  return view;
}

/**
 * Writes sampleToNdjson(batch, i, sourceNames) and a newline into `out`
 * byte for byte, without building a string: per record this is the whole
 * cost of `dnsae extract`'s output, so it must not allocate. A flow made by
 * the flow assembler has its addresses written from the key words, so no
 * flow needs address strings either. Stores are 2 or 4 bytes wide where
 * they can be (see put-ascii.ts).
 */
export function writeSampleNdjson(out: LineSink, batch: SampleBatch, i: number, sourceNames: readonly string[]): void {
  const flow = batch.flow(i);
  const tsSec = batch.tsSec[i]!;
  const name = nameField(sourceNames, flow.sourceIndex);
  const buf = out.reserve(eveTimestampPrefixBytes(tsSec).length + name.length + recordBound(flow));
  const dv = viewOf(buf);
  const toClient = batch.direction[i] === 1;
  let p = putHead(buf, dv, out.position, tsSec);
  p = put6(dv, p, (batch.tsNsec[i]! / 1000) | 0);
  p = putLabel(dv, p, TZ_FLOW_ID);
  p = putInt(dv, p, flow.flowId);
  p = putBytes(buf, p, name);
  const vlan = flow.vlan;
  if (vlan.length > 0) {
    p = putLabel(dv, p, VLAN_OPEN);
    for (let k = 0; k < vlan.length; k++) {
      if (k > 0) dv.setUint8(p++, 0x2c); // ','
      p = putInt(dv, p, vlan[k]!);
    }
    p = putLabel(dv, p, VLAN_CLOSE);
  }
  p = putLabel(dv, p, SRC_IP);
  p = putAddress(buf, dv, p, flow, toClient);
  p = putLabel(dv, p, SRC_PORT);
  p = putInt(dv, p, toClient ? flow.serverPort : flow.clientPort);
  p = putLabel(dv, p, DEST_IP);
  p = putAddress(buf, dv, p, flow, !toClient);
  p = putLabel(dv, p, DEST_PORT);
  p = putInt(dv, p, toClient ? flow.clientPort : flow.serverPort);
  p = PROTO_COMMUNITY_ID.put(dv, p, flow);
  p = putBytes(buf, p, DIR_INDEX[toClient ? 1 : 0]);
  p = putInt(dv, p, batch.messageIndex[i]!);
  p = putLabel(dv, p, PAYLOAD_LEN);
  p = putInt(dv, p, batch.payloadLength[i]!);
  p = putLabel(dv, p, FIRST8);
  const h = batch.head;
  const base = i * HEAD_BYTES;
  const n = batch.headLen[i]!;
  if (n === HEAD_BYTES) {
    // Nearly every row: first8 is the first 16 digits of header, so its four words are stored twice.
    const w0 = hexWord(h, base);
    const w1 = hexWord(h, base + 2);
    const w2 = hexWord(h, base + 4);
    const w3 = hexWord(h, base + 6);
    dv.setInt32(p, w0, true);
    dv.setInt32(p + 4, w1, true);
    dv.setInt32(p + 8, w2, true);
    dv.setInt32(p + 12, w3, true);
    p = putLabel(dv, p + 16, HEADER);
    dv.setInt32(p, w0, true);
    dv.setInt32(p + 4, w1, true);
    dv.setInt32(p + 8, w2, true);
    dv.setInt32(p + 12, w3, true);
    dv.setInt32(p + 16, hexWord(h, base + 8), true);
    dv.setInt32(p + 20, hexWord(h, base + 10), true);
    p += 24;
  } else {
    p = putHex(dv, p, h, base, n < FIRST_BYTES ? n : FIRST_BYTES);
    p = putLabel(dv, p, HEADER);
    p = putHex(dv, p, h, base, n);
  }
  const flags = batch.flags[i]!;
  p = flags === 0 ? putLabel(dv, p, NO_FLAGS_TAIL) : putBytes(buf, p, flagsTail(flags));
  out.commit(p);
}

export const SAMPLE_CSV_HEADER =
  'timestamp,flow_id,pcap_filename,src_ip,src_port,dest_ip,dest_port,proto,community_id,direction,message_index,payload_length,first8,header,flags';

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
    flowCommunityId(flow),
    toClient ? 'to_client' : 'to_server',
    String(batch.messageIndex[i]),
    String(batch.payloadLength[i]),
    toHex(batch.head, base, n < FIRST_BYTES ? n : FIRST_BYTES),
    toHex(batch.head, base, n),
    sampleFlagNames(batch.flags[i]!).join('|'),
  ].join(',');
}

/** `,` csvField(name) `,` per source index, as UTF-8, for the names array last seen. */
let csvCachedNames: readonly string[] | undefined;
let csvNameFields: Array<Uint8Array | undefined> = [];

function csvNameField(names: readonly string[], index: number): Uint8Array {
  if (names !== csvCachedNames) {
    csvCachedNames = names;
    csvNameFields = [];
  }
  let b = csvNameFields[index];
  if (b === undefined) {
    b = Buffer.from(`,${csvField(names[index] ?? '')},`, 'utf8');
    csvNameFields[index] = b;
  }
  return b;
}

/** `,UDP,1:...,` per flow (the Community ID is base64 and never needs CSV quoting). */
const CSV_UDP = ascii(',UDP,');
const CSV_TCP = ascii(',TCP,');
const CSV_PROTO_COMMUNITY_ID = new FlowBytesCache((flow, out) => {
  const head = flow.transport === 'udp' ? CSV_UDP : CSV_TCP;
  out.set(head, 0);
  const end = putFlowCommunityId(flow, out, head.length);
  out[end] = 0x2c; // ','
  return end + 1;
});
const CSV_DIR = [label('to_server,'), label('to_client,')] as const;
/** `,` the flag names joined by `|`, and the newline, per flag combination. */
const CSV_FLAGS_TAIL: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(256).fill(undefined);
function csvFlagsTail(flags: number): Uint8Array {
  return (CSV_FLAGS_TAIL[flags] ??= ascii(`,${sampleFlagNames(flags).join('|')}\n`));
}
const CSV_NO_FLAGS_TAIL = label(',\n');

/** A flow's address as CSV has it (the text as is): from the key words, else the string as UTF-8. */
function putCsvAddress(buf: Uint8Array, dv: DataView, p: number, flow: FlowInfo, server: boolean): number {
  if (flow instanceof AssembledFlowInfo) return flow.putIp(dv, p, server);
  return putBytes(buf, p, Buffer.from(server ? flow.serverIp : flow.clientIp, 'utf8'));
}

/** Writes sampleToCsv(batch, i, sourceNames) and a newline into `out` as bytes, as writeSampleNdjson does for NDJSON. */
export function writeSampleCsv(out: LineSink, batch: SampleBatch, i: number, sourceNames: readonly string[]): void {
  const flow = batch.flow(i);
  const tsSec = batch.tsSec[i]!;
  const name = csvNameField(sourceNames, flow.sourceIndex);
  const addresses = flow instanceof AssembledFlowInfo ? 2 * IP_TEXT_MAX : 3 * (flow.clientIp.length + flow.serverIp.length);
  const buf = out.reserve(eveTimestampPrefixBytes(tsSec).length + name.length + addresses + FLOW_BYTES_MAX + 320);
  const dv = viewOf(buf);
  const toClient = batch.direction[i] === 1;
  let p = putEveTimestamp(buf, dv, out.position, tsSec, batch.tsNsec[i]!);
  dv.setUint8(p++, 0x2c); // ','
  p = putInt(dv, p, flow.flowId);
  p = putBytes(buf, p, name);
  p = putCsvAddress(buf, dv, p, flow, toClient);
  dv.setUint8(p++, 0x2c);
  p = putInt(dv, p, toClient ? flow.serverPort : flow.clientPort);
  dv.setUint8(p++, 0x2c);
  p = putCsvAddress(buf, dv, p, flow, !toClient);
  dv.setUint8(p++, 0x2c);
  p = putInt(dv, p, toClient ? flow.clientPort : flow.serverPort);
  p = CSV_PROTO_COMMUNITY_ID.put(dv, p, flow);
  p = putLabel(dv, p, CSV_DIR[toClient ? 1 : 0]);
  p = putInt(dv, p, batch.messageIndex[i]!);
  dv.setUint8(p++, 0x2c);
  p = putInt(dv, p, batch.payloadLength[i]!);
  dv.setUint8(p++, 0x2c);
  const base = i * HEAD_BYTES;
  const n = batch.headLen[i]!;
  p = putHex(dv, p, batch.head, base, n < FIRST_BYTES ? n : FIRST_BYTES);
  dv.setUint8(p++, 0x2c);
  p = putHex(dv, p, batch.head, base, n);
  const flags = batch.flags[i]!;
  out.commit(flags === 0 ? putLabel(dv, p, CSV_NO_FLAGS_TAIL) : putBytes(buf, p, csvFlagsTail(flags)));
}
