import { IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN, type DecodedPacket } from '../decode/packet.js';
import { WeirdCounters } from '../decode/weirds.js';
import { BODY_UNAVAILABLE, type FramerSink } from './dns-tcp-framer.js';
import { flowIdOf, flowKeyFromPacket, newFlowKey, type FlowKey } from './flow-key.js';
import { shareOf, type FlowShare } from './flow-share.js';
import { FlowTable, LANE_TCP, LANE_UDP, RECORD_USER, RECORD_WORDS, type RemoveReason } from './flow-table.js';
import { AssembledFlowInfo, NO_VLAN } from './assembled-flow-info.js';
import { openFastLane, type FastLane } from './fast-lane.js';
import type { QuestionLaneMemory } from '../features/question/question-lane.js';
import type { PcapFastPath } from '../capture/frame.js';
import { SAMPLE_TRUNCATED, SAMPLE_UNFRAMED, SampleBatch, TRANSPORT_TCP, TRANSPORT_UDP, type FlowInfo, type FlowResolver } from './sample.js';
import { newTcpReassemblyContext, TcpStream, type TcpReassemblyContext } from './tcp-stream.js';
import { STREAM_WORDS } from './dns-tcp-framer.js';

/**
 * Decoded packets in, sample batches out. UDP: one sample per datagram that
 * has payload. TCP: one sample per DNS message after reassembly and framing.
 * Everything per packet reuses preallocated state: a UDP flow is a record in
 * the flow table's typed array (its counters in the record's user words), a
 * TCP flow adds a recycled pair of stream objects, a flow's FlowInfo is made
 * only when a consumer asks for it (and its address text only when first
 * read), and only out-of-order TCP data is copied.
 */
export interface FlowAssemblerOptions {
  /** A packet is kept when either port is in this set. */
  ports: ReadonlySet<number>;
  maxFlows: number;
  udpIdleSec: number;
  tcpIdleSec: number;
  /** Out-of-order bytes one TCP direction may buffer. */
  maxTcpBufferBytes: number;
  /** Out-of-order bytes all TCP directions together may buffer. */
  maxTcpBufferTotalBytes: number;
  /** Samples per batch handed to `onBatch`. */
  batchSize: number;
  /**
   * Optional: receives every sample's whole payload (see PayloadTap). Off by
   * default; when off, TCP message bodies are skipped by counting as always.
   */
  payloadTap?: PayloadTap;
  /** Largest TCP message the tap receives whole; longer ones come as PAYLOAD_UNAVAILABLE. */
  payloadTapMaxBytes?: number;
  /**
   * Whether pcap and pcapng inputs may go through the fast lane
   * (src/flow/fast-lane.ts). Default true; the lane still stays off where it
   * cannot be used (see openFastLane). The output is the same either way.
   */
  fastLane?: boolean;
  /**
   * Message bytes kept per sample for the question stage (SampleBatch.msg):
   * 0 (the default) keeps none; MESSAGE_KEEP_BYTES is what the stage uses.
   */
  keepMessageBytes?: number;
  /**
   * Only the packets of this share of the clients are assembled
   * (src/flow/flow-share.ts); the others only move the flow table's clock,
   * as they do in a run that takes them all. Default: every packet.
   */
  share?: FlowShare;
  /**
   * Windows and registered-domain cache entries of the question stage to
   * make room for in the fast lane (QuestionLane), so the stage's
   * per-message work runs there; 0 or absent: the stage runs its
   * TypeScript loop.
   */
  questionWindows?: number;
  questionCacheSize?: number;
  /**
   * Room in the fast lane to pack each batch's question-stage rows for a
   * stage in another thread (packQuestionRows), or, in that thread, to
   * replay them (replayQuestionRows). Default false.
   */
  packQuestionRows?: boolean;
}

/**
 * Called once per sample, right after it was added at `row` of the batch
 * that `onBatch` will receive next (so before that batch is delivered).
 * `bytes[off..off+len)` is the payload: the captured bytes of a UDP
 * datagram, or the bytes of a DNS-over-TCP message after its length prefix
 * (those seen before the stream ended, for an unframed one). `len` is
 * PAYLOAD_UNAVAILABLE when a TCP message was longer than the tap's limit or
 * lost bytes in a gap. The bytes are valid during the call only. The tap is
 * for evaluation (the dns-packet baseline needs whole messages); keeping
 * TCP bodies costs a copy per byte and up to the limit per open direction.
 */
export type PayloadTap = (row: number, bytes: Uint8Array, off: number, len: number) => void;

export const PAYLOAD_UNAVAILABLE = BODY_UNAVAILABLE;

/** A DNS-over-TCP length prefix cannot say more than this. */
export const MAX_TCP_MESSAGE_BYTES = 65_535;

export const DEFAULT_FLOW_ASSEMBLER_OPTIONS: Readonly<FlowAssemblerOptions> = {
  ports: new Set([53]),
  maxFlows: 100_000,
  udpIdleSec: 60,
  tcpIdleSec: 300,
  maxTcpBufferBytes: 64 * 1024,
  maxTcpBufferTotalBytes: 64 * 1024 * 1024,
  batchSize: 4096,
};

export interface FlowAssemblerStats {
  flows_created: number;
  flows_expired: number;
  flows_evicted: number;
  /** TCP flows replaced by a new connection (SYN after FIN/RST) on the same 5-tuple. */
  flows_closed: number;
  /** Flows ended by flush() at the end of an input. */
  flows_flushed: number;
  flows_active: number;
  packets_ignored: number;
  udp_datagrams: number;
  udp_samples: number;
  udp_empty: number;
  udp_uncaptured: number;
  tcp_segments: number;
  tcp_samples: number;
  tcp_unframed: number;
  tcp_retransmissions: number;
  tcp_overlaps: number;
  tcp_gaps: number;
  tcp_gap_bytes: number;
  tcp_buffer_full: number;
  tcp_buffered_bytes: number;
  tcp_data_after_close: number;
}

/** One direction of a TCP flow, as the framer names it back to the assembler. */
interface TcpSide {
  ref: number;
  readonly dir: 0 | 1;
}

/**
 * A pair's words (PAIR_WORDS from slot * PAIR_WORDS): the time of its last
 * packet as a Float64 (words 0-1) and its nanoseconds (word 2), then each
 * direction's StreamState. The fast lane finds them through the flow
 * record's U_PAIR word and updates them for in-order segments.
 */
export const PAIR_WORDS = 4 + 2 * STREAM_WORDS;
const P_TS_NSEC = 2;
const P_STREAMS = 4;

/** The two directions of a TCP flow, and the time of its last packet (messages cut short by its end get it). */
class TcpPair {
  readonly toServer: TcpStream<TcpSide>;
  readonly toClient: TcpStream<TcpSide>;
  readonly sides: [TcpSide, TcpSide] = [
    { ref: -1, dir: 0 },
    { ref: -1, dir: 1 },
  ];
  private readonly w: Int32Array;
  private readonly f: Float64Array;
  private readonly base: number;

  /** `words` and `f64` view the same memory; the pair's words start at `slot` * PAIR_WORDS. */
  constructor(ctx: TcpReassemblyContext, sink: FramerSink<TcpSide>, words: Int32Array, f64: Float64Array, readonly slot: number) {
    this.w = words;
    this.f = f64;
    this.base = slot * PAIR_WORDS;
    this.toServer = new TcpStream<TcpSide>(ctx, sink, this.sides[0], { words, base: this.base + P_STREAMS });
    this.toClient = new TcpStream<TcpSide>(ctx, sink, this.sides[1], { words, base: this.base + P_STREAMS + STREAM_WORDS });
  }

  get tsSec(): number {
    return this.f[this.base / 2]!;
  }

  set tsSec(v: number) {
    this.f[this.base / 2] = v;
  }

  get tsNsec(): number {
    return this.w[this.base + P_TS_NSEC]!;
  }

  set tsNsec(v: number) {
    this.w[this.base + P_TS_NSEC] = v;
  }

  stream(dir: 0 | 1): TcpStream<TcpSide> {
    return dir === 0 ? this.toServer : this.toClient;
  }

  assign(ref: number): void {
    this.sides[0].ref = ref;
    this.sides[1].ref = ref;
  }
}

/** Flow record words the assembler owns (see RECORD_USER). */
const U_MSG0 = RECORD_USER;
const U_MSG1 = RECORD_USER + 1;
/** Serial of the batch this flow last added a row to (FlowAssembler.laneState[0]). */
const U_BATCH = RECORD_USER + 2;
const U_SOURCE = RECORD_USER + 3;
const U_FLAGS = RECORD_USER + 4;
/** A TCP flow's pair slot (TcpPair.slot), for the fast lane. */
const U_PAIR = RECORD_USER + 5;
const F_CLIENT_IS_A = 1;
const F_HAS_INFO = 2;

/**
 * Ended TCP flows' stream pairs are kept for reuse, up to this many. UDP
 * flows need nothing beyond their record.
 */
const POOL_MAX = 4096;

export class FlowAssembler implements FramerSink<TcpSide>, FlowResolver {
  readonly options: Readonly<FlowAssemblerOptions>;
  readonly weirds: WeirdCounters;
  private readonly batch: SampleBatch;
  private readonly table: FlowTable;
  private readonly tcpCtx: TcpReassemblyContext;
  private readonly key: FlowKey = newFlowKey();
  /** Key of a flow being reported (flowInfo), apart from the per-packet key. */
  private readonly infoKey: FlowKey = newFlowKey();
  /** 1 at each DNS port: an index per packet instead of two Set lookups. */
  private readonly isDnsPort: Uint8Array;
  /** The fast lane, when there is one: the table, the batch and the words below live in its memory. */
  private readonly lane: FastLane | undefined;
  /** Word 0: the serial of the batch being filled (in the lane's memory when there is a lane, which stamps rows with it). */
  private readonly laneState: Int32Array;
  /** By flow record number: the TCP flow's stream pair (unset for UDP flows). */
  private readonly pairs: Array<TcpPair | undefined> = [];
  /**
   * Starts with one pair: an empty array literal holds small integers in V8,
   * and the first pair pushed (the first TCP flow to end, mid-capture) would
   * change its elements kind and deoptimize createFlow and its callers.
   */
  private readonly pairPool: TcpPair[];
  /** Pair slots in the lane's memory: the next never used, and those of pairs dropped from a full pool. */
  private nextPairSlot = 0;
  private readonly freePairSlots: number[] = [];
  /** By flow record number: the flow's FlowInfo once asked for (valid while F_HAS_INFO is set). */
  private readonly infos: Array<FlowInfo | undefined> = [];
  private readonly tap: PayloadTap | undefined;
  private readonly keep: number;
  /** Timestamp given to samples emitted now. */
  private curSec = 0;
  private curNsec = 0;
  private ignored = 0;
  private udpDatagrams = 0;
  private udpSamples = 0;
  private udpEmpty = 0;
  private udpUncaptured = 0;
  private tcpSegments = 0;
  private tcpSamples = 0;
  private tcpUnframed = 0;
  private share: FlowShare | undefined;

  constructor(
    options: Partial<FlowAssemblerOptions>,
    private readonly onBatch: (batch: SampleBatch) => void,
    weirds?: WeirdCounters,
  ) {
    this.options = { ...DEFAULT_FLOW_ASSEMBLER_OPTIONS, ...options };
    this.weirds = weirds ?? new WeirdCounters();
    this.tap = this.options.payloadTap;
    const o = this.options;
    this.keep = o.keepMessageBytes ?? 0;
    this.lane =
      o.fastLane === false || this.tap !== undefined
        ? undefined
        : openFastLane({
            maxFlows: o.maxFlows,
            batchSize: o.batchSize,
            udpIdleSec: o.udpIdleSec,
            tcpIdleSec: o.tcpIdleSec,
            record: { msg0: U_MSG0 * 4, batch: U_BATCH * 4, source: U_SOURCE * 4, flags: U_FLAGS * 4, pair: U_PAIR * 4 },
            // Pairs in use (one per TCP flow in the table), in the pool, and the first one made.
            pairs: o.maxFlows + POOL_MAX + 1,
            pairWords: PAIR_WORDS,
            msgBytes: this.keep,
            questionWindows: o.questionWindows ?? 0,
            questionCacheSize: o.questionCacheSize ?? 0,
            packRows: o.packQuestionRows === true,
          });
    this.isDnsPort = this.lane?.ports ?? new Uint8Array(65536);
    this.laneState = this.lane?.state ?? new Int32Array(1);
    // Counts delivered batches. A flow that has rows in the batch not yet
    // delivered (its U_BATCH word equals the serial) keeps its record number
    // out of reuse when it ends, until that batch is delivered: those rows
    // still resolve their FlowInfo through it.
    this.laneState[0] = 1;
    for (const p of this.options.ports) if (Number.isInteger(p) && p >= 0 && p <= 0xffff) this.isDnsPort[p] = 1;
    this.batch = new SampleBatch(this.options.batchSize, this, this.lane?.batchStorage, this.keep);
    // The tap's whole bodies also serve the kept prefix; without a tap, only the prefix is kept.
    const maxBody = this.tap !== undefined ? Math.max(1, this.options.payloadTapMaxBytes ?? MAX_TCP_MESSAGE_BYTES) : this.keep;
    this.tcpCtx = newTcpReassemblyContext(
      this.weirds,
      this.options.maxTcpBufferBytes,
      this.options.maxTcpBufferTotalBytes,
      maxBody,
      this.tap === undefined && this.keep > 0,
    );
    this.pairPool = [this.newPair()];
    this.table = new FlowTable(
      { maxFlows: this.options.maxFlows, idleSec: [this.options.udpIdleSec, this.options.tcpIdleSec] },
      { onRemove: (ref, reason) => this.onRemove(ref, reason) },
      this.lane?.tableStorage,
    );
    if (this.lane !== undefined) this.lane.onBatchFull = () => this.deliver();
    const share = this.options.share;
    if (share !== undefined && share.count > 1) {
      this.share = share;
      this.lane?.configureShare(share.index, share.count, share.by === 'client');
    }
  }

  /**
   * The fast lane for input number `sourceIndex`, for a pcap or pcapng
   * reader (PacketSource.run), or undefined when this assembler has none.
   */
  pcapFastPath(sourceIndex: number): PcapFastPath | undefined {
    return this.lane?.forSource(sourceIndex);
  }

  /** Whether pcap and pcapng inputs go through the fast lane. */
  get fastLane(): boolean {
    return this.lane !== undefined;
  }

  ingest(pkt: DecodedPacket, tsSec: number, tsNsec: number, sourceIndex: number): void {
    const proto = pkt.protocol;
    if ((proto !== IPPROTO_UDP && proto !== IPPROTO_TCP) || (this.isDnsPort[pkt.srcPort]! | this.isDnsPort[pkt.dstPort]!) === 0) {
      this.ignored++;
      return;
    }
    const key = this.key;
    if (!flowKeyFromPacket(pkt, key)) {
      this.ignored++;
      return;
    }
    const table = this.table;
    table.advance(tsSec + tsNsec / 1e9);
    const share = this.share;
    if (share !== undefined && shareOf(key, this.isDnsPort[pkt.srcPort] === 1, this.isDnsPort[pkt.dstPort] === 1, share) !== share.index) return;
    let ref = table.lookup(key);
    if (ref >= 0 && proto === IPPROTO_TCP && (pkt.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      // A fresh SYN on a direction that already ended is a new connection reusing the tuple.
      if (this.pairs[ref]!.stream(this.dirOf(ref, key)).closed) {
        table.remove(ref, 'closed');
        ref = -1;
      }
    }
    if (ref < 0) ref = this.createFlow(pkt, key, sourceIndex);
    else table.touch(ref);
    this.curSec = tsSec;
    this.curNsec = tsNsec;
    const dir = this.dirOf(ref, key);

    if (proto === IPPROTO_UDP) {
      this.udpDatagrams++;
      const captured = pkt.payloadCaptured;
      if (captured <= 0) {
        if (pkt.payloadLength <= 0) this.udpEmpty++;
        else this.udpUncaptured++;
        return;
      }
      const flags = pkt.firstFragment || captured < pkt.payloadLength ? SAMPLE_TRUNCATED : 0;
      this.udpSamples++;
      this.push(ref, TRANSPORT_UDP, dir, pkt.payloadLength, pkt.bytes, pkt.payloadOffset, captured, flags);
      return;
    }

    this.tcpSegments++;
    const pair = this.pairs[ref]!;
    pair.tsSec = tsSec;
    pair.tsNsec = tsNsec;
    const flags = pkt.tcpFlags;
    pair.stream(dir).segment(flags, pkt.tcpSeq, pkt.bytes, pkt.payloadOffset, pkt.payloadCaptured, pkt.payloadLength);
    if ((flags & TCP_RST) !== 0) {
      pair.toServer.end();
      pair.toClient.end();
    }
  }

  /** 0 when the packet that filled `key` goes to the server of flow `ref`, 1 when it comes from it. */
  private dirOf(ref: number, key: FlowKey): 0 | 1 {
    const clientIsA = (this.table.words[ref * RECORD_WORDS + U_FLAGS]! & F_CLIENT_IS_A) !== 0;
    return key.srcIsA === clientIsA ? 0 : 1;
  }

  /** End of input: ends every flow (emitting messages cut short), then delivers the last partial batch. */
  flush(): void {
    // With many flows the lane ends the UDP ones in one call and the index is rebuilt whole; with few,
    // each flow leaves its slot (FlowTable.removeAll), so a large, nearly empty index is not touched.
    if (this.lane !== undefined && !this.table.sparse) {
      this.lane.flushUdp();
      this.table.markIndexStale();
    }
    this.table.removeAll('flushed');
    this.table.resetClock();
    if (this.batch.count > 0) this.deliver();
  }

  /**
   * Hands the partial batch to onBatch without ending any flow: a live
   * source calls it after each capture chunk so that a sample waits for
   * the read timeout at most, not for a full batch.
   */
  deliverPending(): void {
    if (this.batch.count > 0) this.deliver();
  }

  get stats(): FlowAssemblerStats {
    const t = this.table;
    const c = this.tcpCtx;
    return {
      flows_created: t.created,
      flows_expired: t.expired,
      flows_evicted: t.evicted,
      flows_closed: t.closed,
      flows_flushed: t.flushed,
      flows_active: t.size,
      packets_ignored: this.ignored + (this.lane?.ignored ?? 0),
      udp_datagrams: this.udpDatagrams + (this.lane?.udp ?? 0),
      udp_samples: this.udpSamples + (this.lane?.udp ?? 0),
      udp_empty: this.udpEmpty,
      udp_uncaptured: this.udpUncaptured,
      tcp_segments: this.tcpSegments + (this.lane?.tcpSegments ?? 0),
      tcp_samples: this.tcpSamples + (this.lane?.tcpSamples ?? 0),
      tcp_unframed: this.tcpUnframed,
      tcp_retransmissions: c.retransmissions,
      tcp_overlaps: c.overlaps,
      tcp_gaps: c.gaps,
      tcp_gap_bytes: c.gapBytes,
      tcp_buffer_full: c.bufferFull,
      tcp_buffered_bytes: c.bufferedBytes,
      tcp_data_after_close: c.afterClose,
    };
  }

  /** FlowResolver: the FlowInfo of a flow that has rows in the batch being delivered. */
  flowInfo(ref: number): FlowInfo {
    const w = this.table.words;
    const f = ref * RECORD_WORDS + U_FLAGS;
    if ((w[f]! & F_HAS_INFO) !== 0) return this.infos[ref]!;
    const key = this.infoKey;
    this.table.readKey(ref, key);
    const clientIsA = (w[f]! & F_CLIENT_IS_A) !== 0;
    const vlan = key.vlan0 === 0 && key.vlan1 === 0 ? NO_VLAN : [key.vlan0, key.vlan1].filter((x) => x !== 0);
    const info = new AssembledFlowInfo(
      flowIdOf(key),
      key.proto === IPPROTO_TCP ? 'tcp' : 'udp',
      clientIsA ? key.portA : key.portB,
      clientIsA ? key.portB : key.portA,
      key.ipVersion,
      vlan,
      w[ref * RECORD_WORDS + U_SOURCE]!,
      key,
      clientIsA,
    );
    while (this.infos.length <= ref) this.infos.push(undefined);
    this.infos[ref] = info;
    w[f] = w[f]! | F_HAS_INFO;
    return info;
  }

  /** The fast lane's question region, when the lane was made with one (FlowAssemblerOptions.questionWindows). */
  /** The run is over: the fast lane's memory may serve this thread's next assembler (FastLane.release); this one is not used again. */
  release(): void {
    this.lane?.release();
  }

  get questionLane(): QuestionLaneMemory | undefined {
    return this.lane?.question;
  }

  /**
   * During onBatch: the batch's rows decoded and packed for a question stage
   * in another thread (FastLane.packQuestionRows, after questionDecodeOnly),
   * valid until the next row is added; undefined without a lane made with
   * packQuestionRows and the question region.
   */
  packQuestionRows(): Uint8Array | undefined {
    return this.lane?.packQuestionRows();
  }

  /** The lane's question region decodes rows for packQuestionRows and keeps no windows (FastLane.decodeOnly); false without the room. */
  questionDecodeOnly(): boolean {
    return this.lane?.decodeOnly() ?? false;
  }

  /**
   * Another assembler's packed rows as this assembler's next batch: each
   * row joins this lane's question stage as the packing run's did, then the
   * batch goes to onBatch. False when this assembler cannot replay them (no
   * lane with packQuestionRows and the question region).
   */
  replayQuestionRows(packed: Uint8Array): boolean {
    if (this.lane === undefined || this.batch.count > 0 || !this.lane.replayQuestionRows(packed)) return false;
    this.deliver();
    return true;
  }

  /** FlowResolver.readFlowKey: the key of a flow that has rows in the batch being delivered. */
  readFlowKey(ref: number, out: FlowKey): boolean {
    this.table.readKey(ref, out);
    return (this.table.words[ref * RECORD_WORDS + U_FLAGS]! & F_CLIENT_IS_A) !== 0;
  }

  /** FramerSink: one DNS-over-TCP message (or the part of one seen before the stream ended). */
  message(
    side: TcpSide,
    head: Uint8Array,
    headLen: number,
    payloadLength: number,
    flags: number,
    body: Uint8Array | null,
    bodyLen: number,
  ): void {
    this.tcpSamples++;
    if ((flags & SAMPLE_UNFRAMED) !== 0) this.tcpUnframed++;
    if (this.tap !== undefined) this.pushTapped(side.ref, side.dir, payloadLength, head, headLen, flags, body!, bodyLen);
    else this.push(side.ref, TRANSPORT_TCP, side.dir, payloadLength, head, 0, headLen, flags, body, bodyLen);
  }

  /** The flow's next message index in direction `dir`; marks the flow as having rows in the current batch. */
  private nextIndex(ref: number, dir: 0 | 1): number {
    const w = this.table.words;
    const b = ref * RECORD_WORDS;
    w[b + U_BATCH] = this.laneState[0]!;
    const m = b + (dir === 0 ? U_MSG0 : U_MSG1);
    const idx = w[m]!;
    w[m] = idx + 1;
    return idx >>> 0;
  }

  private push(
    ref: number,
    transport: number,
    dir: 0 | 1,
    payloadLength: number,
    src: Uint8Array,
    off: number,
    avail: number,
    flags: number,
    body: Uint8Array | null = null,
    bodyLen = 0,
  ): void {
    const idx = this.nextIndex(ref, dir);
    const batch = this.batch;
    const row = batch.pushRef(ref, transport, dir, this.curSec, this.curNsec, idx, payloadLength, src, off, avail, flags);
    // A UDP payload is where its header is; TCP messages with the tap on go through pushTapped.
    if (this.keep > 0) {
      if (body === null) batch.keepMessage(row, src, off, avail);
      else batch.keepMessage(row, body, 0, bodyLen);
      // The lane's question stage takes each row as it is added, the lane's own and these alike, in order.
      this.lane?.questionRowAt(row);
    }
    if (this.tap !== undefined) this.tap(row, src, off, avail);
    if (batch.full) this.deliver();
  }

  /** A DNS-over-TCP message while the tap is on: the tap gets the kept body, not the header. */
  private pushTapped(
    ref: number,
    dir: 0 | 1,
    payloadLength: number,
    head: Uint8Array,
    headLen: number,
    flags: number,
    body: Uint8Array,
    bodyLen: number,
  ): void {
    const idx = this.nextIndex(ref, dir);
    const row = this.batch.pushRef(ref, TRANSPORT_TCP, dir, this.curSec, this.curNsec, idx, payloadLength, head, 0, headLen, flags);
    if (this.keep > 0) this.batch.keepMessage(row, body, 0, bodyLen);
    this.tap!(row, body, 0, bodyLen);
    if (this.batch.full) this.deliver();
  }

  private deliver(): void {
    try {
      this.onBatch(this.batch);
    } finally {
      this.batch.clear();
      this.laneState[0] = this.laneState[0]! + 1;
      this.table.releaseHeld();
    }
  }

  /** Ends a TCP flow's streams; returns whether rows of the batch not yet delivered name the flow. */
  private onRemove(ref: number, _reason: RemoveReason): boolean {
    const pair = this.pairs[ref];
    if (pair !== undefined) {
      this.pairs[ref] = undefined;
      // Messages cut short by the flow's end are stamped with its last packet's time.
      const sec = this.curSec;
      const nsec = this.curNsec;
      this.curSec = pair.tsSec;
      this.curNsec = pair.tsNsec;
      try {
        pair.toServer.end();
        pair.toClient.end();
      } finally {
        this.curSec = sec;
        this.curNsec = nsec;
      }
      pair.toServer.reset();
      pair.toClient.reset();
      if (this.pairPool.length < POOL_MAX) this.pairPool.push(pair);
      else if (this.lane !== undefined) this.freePairSlots.push(pair.slot);
    }
    // Ending the streams may have added rows (messages cut short): checked after.
    return this.table.words[ref * RECORD_WORDS + U_BATCH] === this.laneState[0];
  }

  /** A pair with words of its own, or in a free slot of the lane's memory. */
  private newPair(): TcpPair {
    const lane = this.lane;
    if (lane === undefined) {
      const buf = new ArrayBuffer(PAIR_WORDS * 4);
      return new TcpPair(this.tcpCtx, this, new Int32Array(buf), new Float64Array(buf), 0);
    }
    const slot = this.freePairSlots.pop() ?? this.nextPairSlot++;
    if (slot >= lane.pairCapacity) throw new Error('TCP pair storage is full');
    return new TcpPair(this.tcpCtx, this, lane.pairWords, lane.pairF64, slot);
  }

  /**
   * The client is the endpoint not on a DNS port. When both ports are DNS
   * ports (53 -> 53) it is the sender of the flow's first packet, except that
   * the sender of a SYN-ACK is the server.
   */
  private createFlow(pkt: DecodedPacket, key: FlowKey, sourceIndex: number): number {
    const tcp = pkt.protocol === IPPROTO_TCP;
    const srcDns = this.isDnsPort[pkt.srcPort] === 1;
    const dstDns = this.isDnsPort[pkt.dstPort] === 1;
    let clientIsSrc: boolean;
    if (srcDns !== dstDns) clientIsSrc = dstDns;
    else if (tcp && (pkt.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) clientIsSrc = false;
    else clientIsSrc = true;
    const ref = this.table.insert(key, tcp ? LANE_TCP : LANE_UDP);
    const w = this.table.words;
    const b = ref * RECORD_WORDS;
    w[b + U_MSG0] = 0;
    w[b + U_MSG1] = 0;
    w[b + U_BATCH] = 0;
    w[b + U_SOURCE] = sourceIndex;
    w[b + U_FLAGS] = clientIsSrc === key.srcIsA ? F_CLIENT_IS_A : 0;
    if (tcp) {
      const pair = this.pairPool.pop() ?? this.newPair();
      pair.assign(ref);
      w[b + U_PAIR] = pair.slot;
      while (this.pairs.length <= ref) this.pairs.push(undefined);
      this.pairs[ref] = pair;
    }
    return ref;
  }
}
