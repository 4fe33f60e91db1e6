/**
 * A sample is one UDP datagram or one framed DNS-over-TCP message, reduced to
 * what the detectors need. Samples travel in struct-of-arrays batches so the
 * per-packet path allocates nothing; per-flow data (addresses, ids) lives on
 * the FlowInfo object shared by all samples of a flow.
 */
import type { FlowKey } from './flow-key.js';

export type Transport = 'udp' | 'tcp';
/** Query side = towards the DNS port; response side = from it. */
export type Direction = 'to_server' | 'to_client';

export interface FlowInfo {
  /** Stable id for the flow, like Suricata's flow_id (positive, < 2^53). */
  readonly flowId: number;
  readonly transport: Transport;
  /** The endpoint that is not on the DNS port (the "client"). */
  readonly clientIp: string;
  readonly clientPort: number;
  readonly serverIp: string;
  readonly serverPort: number;
  readonly ipVersion: 4 | 6;
  readonly vlan: readonly number[];
  /** Sequence number of the file or source it was first seen in. */
  readonly sourceIndex: number;
  /**
   * The flow's Community ID for `communityIdSeed`, kept by the record
   * writers on the flow's first record (src/output/community-id.ts) so the
   * hash is made once per flow. A FlowInfo without these gets its id made
   * per record.
   */
  communityId?: string | undefined;
  communityIdSeed?: number;
}

/**
 * Makes a flow's FlowInfo from the number a row names it by. The flow
 * assembler adds rows with its flow record number and the FlowInfo is made
 * only when a consumer asks for it: `dnsae extract --format none` and
 * `score` without alerts never ask, so they create no object per flow.
 */
export interface FlowResolver {
  /** The FlowInfo of flow `ref`: made on the first call, the same object on later ones while the flow lives. */
  flowInfo(ref: number): FlowInfo;
  /**
   * Copies flow `ref`'s key into `out` and says whether endpoint A is the
   * client: the question stage keys its windows by the client's address
   * words, for every message, without making a FlowInfo per flow.
   */
  readFlowKey?(ref: number, out: FlowKey): boolean;
}

export const TRANSPORT_UDP = 0;
export const TRANSPORT_TCP = 1;

export const SAMPLE_SHORT = 0x01; // fewer than 8 payload bytes
export const SAMPLE_TRUNCATED = 0x02; // captured bytes fewer than the claimed length (snaplen, fragment)
export const SAMPLE_MIDSTREAM = 0x04; // TCP stream picked up without its SYN
export const SAMPLE_UNFRAMED = 0x08; // TCP message not completed by its length prefix before the stream ended
export const SAMPLE_GAP = 0x10; // TCP stream had a hole before this message

export const SAMPLE_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [SAMPLE_SHORT, 'short'],
  [SAMPLE_TRUNCATED, 'truncated'],
  [SAMPLE_MIDSTREAM, 'midstream'],
  [SAMPLE_UNFRAMED, 'unframed'],
  [SAMPLE_GAP, 'gap'],
];

/**
 * Bytes kept per sample: the whole 12-byte DNS header. The model reads the
 * first eight (the design's view); the structural rules need NSCOUNT and
 * ARCOUNT too, which sit in bytes 8..11.
 */
export const HEAD_BYTES = 12;
export const FIRST_BYTES = 8;

/**
 * Byte offsets of a batch's columns within its region (see SampleBatch):
 * the row count, then the columns, widest first so each is aligned. The UDP
 * fast lane (src/flow/fast-lane.ts) writes rows through these offsets.
 */
export interface SampleBatchLayout {
  readonly count: number;
  readonly tsSec: number;
  readonly payloadLength: number;
  readonly tsNsec: number;
  readonly messageIndex: number;
  readonly flowRef: number;
  readonly head: number;
  readonly headLen: number;
  readonly direction: number;
  readonly flags: number;
  readonly transport: number;
  /** Bytes of each row's message kept (Uint16 per row); 0 when messages are not kept. */
  readonly msgLen: number;
  /** Each row's first `msgBytes` message bytes (msgBytes per row); 0 when messages are not kept. */
  readonly msg: number;
  readonly msgBytes: number;
  /** The region's size, a multiple of 8. */
  readonly bytes: number;
}

/**
 * Message bytes kept per row for the question stage: the classic UDP DNS
 * maximum (RFC 1035 4.2.1), which holds the header, any question (a name is
 * at most 255 bytes) and, for nearly every response, the whole answer section.
 */
export const MESSAGE_KEEP_BYTES = 512;

export function sampleBatchLayout(capacity: number, msgBytes = 0): SampleBatchLayout {
  const tsSec = 8;
  const payloadLength = tsSec + capacity * 8;
  const tsNsec = payloadLength + capacity * 4;
  const messageIndex = tsNsec + capacity * 4;
  const flowRef = messageIndex + capacity * 4;
  const head = flowRef + capacity * 4;
  const headLen = head + capacity * HEAD_BYTES;
  const direction = headLen + capacity;
  const flags = direction + capacity;
  const transport = flags + capacity;
  const msgLen = Math.ceil((transport + capacity) / 8) * 8;
  const msg = msgLen + (msgBytes > 0 ? capacity * 2 : 0);
  const bytes = Math.ceil((msg + capacity * msgBytes) / 8) * 8;
  return { count: 0, tsSec, payloadLength, tsNsec, messageIndex, flowRef, head, headLen, direction, flags, transport, msgLen, msg, msgBytes, bytes };
}

/** Where a batch keeps its columns when it shares memory with the fast lane: `bytes` of `buffer` from `offset` (8-aligned). */
export interface SampleBatchStorage {
  readonly buffer: ArrayBuffer;
  readonly offset: number;
}

export class SampleBatch {
  /** HEAD_BYTES per row; the first FIRST_BYTES are the model's input. */
  readonly head: Uint8Array;
  /** How many of the HEAD_BYTES are real (rest are 0). */
  readonly headLen: Uint8Array;
  /** Message length: UDP payload length, or the TCP message length (prefix value, or bytes seen if unframed). */
  readonly payloadLength: Int32Array;
  readonly tsSec: Float64Array;
  readonly tsNsec: Int32Array;
  readonly direction: Uint8Array; // 0 = to_server, 1 = to_client
  readonly messageIndex: Uint32Array;
  readonly flags: Uint8Array;
  /** TRANSPORT_UDP or TRANSPORT_TCP: the row's flow transport without its FlowInfo. */
  readonly transport: Uint8Array;
  /** The row's flow number for the resolver (pushRef), or -1 for a row added with its FlowInfo (push). */
  readonly flowRef: Int32Array;
  /** Message bytes kept per row (0 when the batch keeps none). */
  readonly msgBytes: number;
  /** Row i's first msgLen[i] message bytes from i * msgBytes: the question stage's input. */
  readonly msg: Uint8Array;
  /** Message bytes kept for the row: 0 when none were (a TCP message with a gap, or messages not kept). */
  readonly msgLen: Uint16Array;
  /** The row count, in the batch's memory so the fast lane adds rows too. */
  private readonly countWord: Int32Array;
  /** FlowInfo of rows added by push, and of every row once `flows` was read. */
  private readonly infos: Array<FlowInfo | undefined>;
  private resolved = 0;

  constructor(
    readonly capacity: number,
    private readonly resolver?: FlowResolver,
    storage?: SampleBatchStorage,
    msgBytes = 0,
  ) {
    const l = sampleBatchLayout(capacity, msgBytes);
    this.msgBytes = msgBytes;
    const buf = storage?.buffer ?? new ArrayBuffer(l.bytes);
    const o = storage?.offset ?? 0;
    this.countWord = new Int32Array(buf, o + l.count, 1);
    this.head = new Uint8Array(buf, o + l.head, capacity * HEAD_BYTES);
    this.headLen = new Uint8Array(buf, o + l.headLen, capacity);
    this.payloadLength = new Int32Array(buf, o + l.payloadLength, capacity);
    this.tsSec = new Float64Array(buf, o + l.tsSec, capacity);
    this.tsNsec = new Int32Array(buf, o + l.tsNsec, capacity);
    this.direction = new Uint8Array(buf, o + l.direction, capacity);
    this.messageIndex = new Uint32Array(buf, o + l.messageIndex, capacity);
    this.flags = new Uint8Array(buf, o + l.flags, capacity);
    this.transport = new Uint8Array(buf, o + l.transport, capacity);
    this.flowRef = new Int32Array(buf, o + l.flowRef, capacity);
    this.msgLen = new Uint16Array(buf, o + l.msgLen, msgBytes > 0 ? capacity : 0);
    this.msg = new Uint8Array(buf, o + l.msg, capacity * msgBytes);
    this.infos = [];
    for (let i = 0; i < capacity; i++) this.infos.push(undefined);
  }

  /**
   * Each row's FlowInfo (all of the batch's rows' FlowInfos are made on the
   * first access after rows were added). Rows of one flow share one object.
   */
  get flows(): FlowInfo[] {
    const n = this.countWord[0]!;
    for (let i = this.resolved; i < n; i++) this.infos[i] = this.flow(i);
    this.resolved = n;
    return this.infos as FlowInfo[];
  }

  /** Row i's FlowInfo, made by the resolver (for that row's flow only) if it does not exist yet. */
  flow(i: number): FlowInfo {
    const ref = this.flowRef[i]!;
    return ref < 0 ? this.infos[i]! : this.resolver!.flowInfo(ref);
  }

  /**
   * Row i's flow key into `out`; returns whether endpoint A is the client.
   * Only rows added by pushRef through a resolver that reads keys have one.
   */
  readFlowKey(i: number, out: FlowKey): boolean {
    const ref = this.flowRef[i]!;
    const r = this.resolver;
    if (ref < 0 || r?.readFlowKey === undefined) throw new Error('row has no flow key (added with push, or the resolver reads none)');
    return r.readFlowKey(ref, out);
  }

  /** Rows in the batch. */
  get count(): number {
    return this.countWord[0]!;
  }

  /** For rows written straight into the columns. */
  set count(n: number) {
    this.countWord[0] = n;
  }

  get full(): boolean {
    return this.countWord[0]! >= this.capacity;
  }

  clear(): void {
    this.countWord[0] = 0;
    this.resolved = 0;
  }

  /**
   * Appends a sample; copies up to HEAD_BYTES from `src` at `off`. Returns the
   * row index. The caller must check `full` first.
   */
  push(
    flow: FlowInfo,
    direction: 0 | 1,
    tsSec: number,
    tsNsec: number,
    messageIndex: number,
    payloadLength: number,
    src: Uint8Array,
    off: number,
    avail: number,
    flags: number,
  ): number {
    const i = this.add(direction, tsSec, tsNsec, messageIndex, payloadLength, src, off, avail, flags);
    this.infos[i] = flow;
    this.flowRef[i] = -1;
    this.transport[i] = flow.transport === 'tcp' ? TRANSPORT_TCP : TRANSPORT_UDP;
    return i;
  }

  /** push() for a row whose FlowInfo the batch's resolver makes only if asked for (see FlowResolver). */
  pushRef(
    ref: number,
    transport: number,
    direction: 0 | 1,
    tsSec: number,
    tsNsec: number,
    messageIndex: number,
    payloadLength: number,
    src: Uint8Array,
    off: number,
    avail: number,
    flags: number,
  ): number {
    const i = this.add(direction, tsSec, tsNsec, messageIndex, payloadLength, src, off, avail, flags);
    this.flowRef[i] = ref;
    this.transport[i] = transport;
    return i;
  }

  /**
   * Keeps the first bytes of row i's message, `src[off..off+len)` (at most
   * msgBytes of them; len < 0 keeps none). A loop, not set(subarray()): the
   * view subarray makes would be an allocation per message.
   */
  keepMessage(i: number, src: Uint8Array, off: number, len: number): void {
    const cap = this.msgBytes;
    const n = len < 0 ? 0 : len < cap ? len : cap;
    const msg = this.msg;
    const base = i * cap;
    for (let k = 0; k < n; k++) msg[base + k] = src[off + k]!;
    this.msgLen[i] = n;
  }

  private add(
    direction: 0 | 1,
    tsSec: number,
    tsNsec: number,
    messageIndex: number,
    payloadLength: number,
    src: Uint8Array,
    off: number,
    avail: number,
    flags: number,
  ): number {
    const cw = this.countWord;
    const i = cw[0]!;
    cw[0] = i + 1;
    const n = avail < HEAD_BYTES ? avail : HEAD_BYTES;
    const base = i * HEAD_BYTES;
    const head = this.head;
    if (n === HEAD_BYTES) {
      // Nearly every sample: straight-line copies, where the loop cost a map and bounds check per byte.
      head[base] = src[off]!;
      head[base + 1] = src[off + 1]!;
      head[base + 2] = src[off + 2]!;
      head[base + 3] = src[off + 3]!;
      head[base + 4] = src[off + 4]!;
      head[base + 5] = src[off + 5]!;
      head[base + 6] = src[off + 6]!;
      head[base + 7] = src[off + 7]!;
      head[base + 8] = src[off + 8]!;
      head[base + 9] = src[off + 9]!;
      head[base + 10] = src[off + 10]!;
      head[base + 11] = src[off + 11]!;
    } else {
      for (let k = 0; k < n; k++) head[base + k] = src[off + k]!;
      for (let k = n; k < HEAD_BYTES; k++) head[base + k] = 0;
    }
    this.headLen[i] = n;
    this.payloadLength[i] = payloadLength;
    this.tsSec[i] = tsSec;
    this.tsNsec[i] = tsNsec;
    this.direction[i] = direction;
    this.messageIndex[i] = messageIndex;
    this.flags[i] = flags | (n < FIRST_BYTES ? SAMPLE_SHORT : 0);
    return i;
  }
}

export type BatchHandler = (batch: SampleBatch) => void | Promise<void>;
