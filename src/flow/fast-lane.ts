import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PcapFastPath, SourceStats } from '../capture/frame.js';
import type { PcapHeaderInfo } from '../capture/pcap-reader.js';
import type { PcapngInterface } from '../capture/pcapng-reader.js';
import { DEFAULT_CHUNK_SIZE } from '../capture/chunk-window.js';
import {
  fixedRecordCount,
  fixedSlotCount,
  RECORD_WORDS,
  T_CLOCK,
  T_FLUSHED,
  TABLE_STATE_BYTES,
  tableRegionBytes,
  type FlowTableStorage,
} from './flow-table.js';
import { S_HEAD, S_STREAM_FLAGS, STREAM_WORDS } from './dns-tcp-framer.js';
import { sampleBatchLayout, type SampleBatchLayout, type SampleBatchStorage } from './sample.js';
import { DOMAIN_BYTES, EXAMPLE_BYTES, EXAMPLE_HEAD, HIST_BINS, WindowTable } from '../features/question/window-table.js';
import { QUESTION_FEATURE_COUNT } from '../features/question/question-features.js';
import { questionLaneLayout, type QuestionKernel, type QuestionLaneHooks, type QuestionLaneMemory } from '../features/question/question-lane.js';

/**
 * The fast lane: wasm/fast-lane.ts compiled to WebAssembly, run over a
 * pcap or pcapng reader's window (pcap records, pcapng enhanced packet
 * blocks). For Ethernet frames (up to two VLAN tags) with plain IPv4/IPv6
 * UDP datagrams, and TCP segments that carry a known DNS-over-TCP stream on
 * in order, it does in one loop what the reader, the decoders and the flow
 * assembler do per packet, on the same state: the flow table, the sample
 * batch and the TCP pairs' words live in the module's memory (FlowTable,
 * SampleBatch and TcpPair take storage there), so each packet goes
 * whichever way suits it and both see the same flows and streams. The
 * module stops at any record it does not handle exactly as the TypeScript
 * path would, and the reader hands that one to the decoders.
 *
 * Why: in V8's JIT the path costs about 3,000 instructions per packet,
 * mostly checks around each typed-array access, plus ~0.14 s of optimizing
 * compiles on the core it shares; docs/performance.md has the figures. With
 * the lane, little is left for the JIT to compile.
 *
 * Off when the compiled module is missing (a build by tsc alone), when a
 * payload tap is set (evaluation), for more than MAX_FAST_LANE_FLOWS flows,
 * and with DNSAE_FAST_LANE=0 in the environment (for comparing both paths:
 * scripts/bench/measure-lane.mjs).
 */
export const MAX_FAST_LANE_FLOWS = 8_000_000;

const KERNEL_PATH = fileURLToPath(new URL('../../dist/wasm/fast-lane.wasm', import.meta.url));

/**
 * Lane-state words (wasm/fast-lane.ts L_*): the batch serial and the count
 * of pcapng interfaces, set here; the counters the module adds to, folded
 * into this side's totals and zeroed after every call.
 */
export const LANE_STATE_WORDS = 8;
const L_BATCH_SERIAL = 0;
const L_FRAMES = 1;
const L_BYTES = 2;
const L_IGNORED = 3;
const L_UDP = 4;
const L_TCP_SEGMENTS = 5;
const L_TCP_SAMPLES = 6;
const L_NG_INTERFACES = 7;
/** pcapng interfaces the lane tells apart per section; blocks of later ones go the TypeScript path. */
const NG_MAX_INTERFACES = 256;
const NG_NOT_FOR_LANE = 0;
const NG_MICROSECONDS = 1;
const NG_NANOSECONDS = 2;

/** The assembler's record words, as the module addresses them (bytes). */
export interface LaneRecordLayout {
  readonly msg0: number;
  readonly batch: number;
  readonly source: number;
  readonly flags: number;
  /** A TCP flow's pair slot. */
  readonly pair: number;
}

interface WasmGlobal {
  readonly value: number;
}

/** The module's exports: the lane's, and the question stage's (QuestionKernel). */
interface KernelExports extends QuestionKernel {
  configure(...args: number[]): void;
  begin(nanosecond: number, recordLimit: number, source: number): void;
  beginPcapng(blockLimit: number, source: number): void;
  scan(p: number, end: number): number;
  scanPcapng(p: number, end: number): number;
  flushUdp(): void;
  configureMessages(msgAt: number, msgLenAt: number, msgBytes: number): void;
  configureShare(index: number, count: number, byClient: number): void;
  questionPackInto(at: number): void;
  questionPackTake(): number;
  replayDecodedRows(src: number): void;
  readonly [constant: string]: unknown;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: KernelExports };
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let kernelModule: object | null | undefined;

type WasmMemory = { buffer: ArrayBuffer };

/**
 * The memory of a lane whose run has ended (FastLane.release), kept for the
 * next lane of the same size in this thread: a job worker opens a fresh run
 * per capture, and a new memory of a hundred MiB or more is faulted in page
 * by page again each time (on the 2-core bench host, 80,000 more page
 * faults and 0.25 s of system time for four captures of a million packets
 * on two workers), where clearing the used one costs a memset. One is kept,
 * so a thread holds at most the memory of the lane it runs and one spare.
 */
let spare: { pages: number; memory: WasmMemory } | undefined;

/** The compiled module, or undefined when dist/wasm/fast-lane.wasm is not there. */
function loadKernel(): object | undefined {
  if (kernelModule === undefined) {
    try {
      kernelModule = wasm === undefined ? null : new wasm.Module(readFileSync(KERNEL_PATH));
    } catch {
      kernelModule = null;
    }
  }
  return kernelModule ?? undefined;
}

/** Whether the module's exported copies of the layout constants agree with the TypeScript ones (no lane when not). */
function constantsAgree(e: KernelExports, rec: LaneRecordLayout, pairWords: number): boolean {
  const c = (name: string): number => (e[name] as WasmGlobal).value;
  return (
    c('RECORD_BYTES') === RECORD_WORDS * 4 &&
    c('R_SEEN') === 32 &&
    c('U_MSG0') === rec.msg0 &&
    c('U_BATCH') === rec.batch &&
    c('U_SOURCE') === rec.source &&
    c('U_FLAGS') === rec.flags &&
    c('U_PAIR') === rec.pair &&
    c('V6_BYTES') === 32 &&
    c('SLOT_BYTES') === 8 &&
    c('T_CLOCK') === T_CLOCK * 8 &&
    c('T_FLUSHED') === T_FLUSHED * 8 &&
    c('L_BATCH_SERIAL') === L_BATCH_SERIAL * 4 &&
    c('L_FRAMES') === L_FRAMES * 4 &&
    c('L_BYTES') === L_BYTES * 4 &&
    c('L_IGNORED') === L_IGNORED * 4 &&
    c('L_UDP') === L_UDP * 4 &&
    c('L_TCP_SEGMENTS') === L_TCP_SEGMENTS * 4 &&
    c('L_TCP_SAMPLES') === L_TCP_SAMPLES * 4 &&
    c('L_NG_INTERFACES') === L_NG_INTERFACES * 4 &&
    c('NG_MAX_INTERFACES') === NG_MAX_INTERFACES &&
    c('PAIR_BYTES') === pairWords * 4 &&
    c('P_STREAMS') === 16 &&
    c('STREAM_BYTES') === STREAM_WORDS * 4 &&
    c('S_STREAM_FLAGS') === S_STREAM_FLAGS * 4 &&
    c('S_HEAD') === S_HEAD * 4 &&
    c('Q_I32_WORDS') === WindowTable.I32_WORDS &&
    c('Q_F64_WORDS') === WindowTable.F64_WORDS &&
    c('Q_HIST_BINS') === HIST_BINS &&
    c('Q_DOMAIN_BYTES') === DOMAIN_BYTES &&
    c('Q_EXAMPLE_BYTES') === EXAMPLE_BYTES &&
    c('Q_EXAMPLE_HEAD') === EXAMPLE_HEAD &&
    c('QL_STATE_BYTES') <= 256 &&
    c('Q_FEATURES') === QUESTION_FEATURE_COUNT &&
    c('PD_FIXED_BYTES') === PD_FIXED_BYTES
  );
}

export interface FastLaneOptions {
  maxFlows: number;
  batchSize: number;
  udpIdleSec: number;
  tcpIdleSec: number;
  /** Where the assembler keeps its words in a flow record (RECORD_USER + its U_* indices). */
  record: LaneRecordLayout;
  /** TCP stream pairs the assembler may hold at once, and Int32 words per pair (see TcpPair). */
  pairs: number;
  pairWords: number;
  /** Message bytes kept per row for the question stage (SampleBatch.msgBytes); 0 keeps none. */
  msgBytes?: number;
  /** Room for the question stage's windows and registered-domain cache entries in the lane (QuestionLane); 0 or absent: none. */
  questionWindows?: number;
  questionCacheSize?: number;
  /**
   * Room to pack a batch's question-stage rows for another thread's lane, or
   * to replay such rows (packQuestionRows, replayQuestionRows): the stage
   * split of src/run/stage-split.ts.
   */
  packRows?: boolean;
}

/** Bytes of a packed decoded row before its IPv6 words, label starts, label lengths and name (wasm/question-lane.ts PD_FIXED_BYTES). */
export const PD_FIXED_BYTES = 50;

/** The largest packed batch of `batchSize` decoded rows: IPv6, 127 labels, a 255-byte name, 8-aligned. */
export function packedRowsBytes(batchSize: number): number {
  return 8 + batchSize * (PD_FIXED_BYTES + 24 + 2 * 127 + 255 + 7);
}

/** The memory's regions: byte offsets, each aligned to 8 (records to 64, one cache line). */
interface LaneLayout {
  readonly tableState: number;
  readonly laneState: number;
  readonly ports: number;
  readonly batch: number;
  readonly batchLayout: SampleBatchLayout;
  readonly window: number;
  readonly windowBytes: number;
  readonly slots: number;
  readonly slotCount: number;
  readonly records: number;
  readonly v6: number;
  readonly free: number;
  readonly held: number;
  readonly capacity: number;
  readonly pairs: number;
  readonly pairCapacity: number;
  readonly ngKinds: number;
  /** The question region (0 when there is none), its windows and cache entries. */
  readonly question: number;
  readonly pairsEnd: number;
  readonly questionWindows: number;
  readonly questionCacheSize: number;
  /** Where rows are packed or replayed from (0: no room), and its size. */
  readonly pack: number;
  readonly packBytes: number;
  readonly bytes: number;
}

function layoutFor(
  maxFlows: number,
  batchSize: number,
  pairCapacity: number,
  pairWords: number,
  msgBytes: number,
  questionWindows: number,
  questionCacheSize: number,
  packRows: boolean,
): LaneLayout {
  let at = 65_536; // the first page stays unused: address 0 is never a record, row or packet
  const take = (bytes: number, align = 8): number => {
    at = Math.ceil(at / align) * align;
    const start = at;
    at += bytes;
    return start;
  };
  const capacity = fixedRecordCount(maxFlows, batchSize);
  const slotCount = fixedSlotCount(maxFlows);
  const t = tableRegionBytes(capacity, slotCount);
  const batchLayout = sampleBatchLayout(batchSize, msgBytes);
  const windowBytes = DEFAULT_CHUNK_SIZE + 65_536;
  const tableState = take(TABLE_STATE_BYTES);
  const laneState = take(LANE_STATE_WORDS * 4);
  const ports = take(65_536);
  const ngKinds = take(NG_MAX_INTERFACES);
  const batch = take(batchLayout.bytes);
  const window = take(windowBytes, 64);
  const records = take(t.records, 64);
  const slots = take(t.slots, 64);
  const v6 = take(t.v6, 64);
  const free = take(t.free);
  const held = take(t.held);
  const pairs = take(pairCapacity * pairWords * 4, 64);
  const withQuestion = msgBytes > 0 && questionWindows > 0 && questionCacheSize > 0;
  // After the pairs, so the pairs' views (which run to the end of the pair region) stay as they were.
  const pairsEnd = at;
  const question = withQuestion ? take(questionLaneLayout(questionWindows, questionCacheSize).size, 64) : 0;
  const packBytes = packRows && withQuestion ? packedRowsBytes(batchSize) : 0;
  const pack = packBytes > 0 ? take(packBytes, 64) : 0;
  return {
    tableState,
    laneState,
    ports,
    batch,
    batchLayout,
    window,
    windowBytes,
    slots,
    slotCount,
    records,
    v6,
    free,
    held,
    capacity,
    pairs,
    pairCapacity,
    ngKinds,
    question,
    questionWindows: withQuestion ? questionWindows : 0,
    questionCacheSize: withQuestion ? questionCacheSize : 0,
    pairsEnd,
    pack,
    packBytes,
    bytes: at,
  };
}

/**
 * One assembler's fast lane and the memory it shares with the assembler's
 * table, batch and TCP pairs. Made by openFastLane; the assembler builds
 * its FlowTable, SampleBatch and TcpPairs on `tableStorage`,
 * `batchStorage` and `pairWords`.
 */
export class FastLane implements PcapFastPath {
  readonly tableStorage: FlowTableStorage;
  readonly batchStorage: SampleBatchStorage;
  /** The assembler's DNS-port table (1 at each DNS port). */
  readonly ports: Uint8Array;
  /** Word L_BATCH_SERIAL is the assembler's batch serial. */
  readonly state: Int32Array;
  /** The assembler's TCP pairs (TcpPair): `pairCapacity` slots, as Int32 words and as Float64s. */
  readonly pairWords: Int32Array;
  readonly pairF64: Float64Array;
  readonly pairCapacity: number;
  /** Records the module consumed, since the lane was made. */
  frames = 0;
  /** Packets on no DNS port, datagrams that became samples, TCP segments and the messages they completed. */
  ignored = 0;
  udp = 0;
  tcpSegments = 0;
  tcpSamples = 0;
  /** Delivers the batch the module filled; set by the assembler. */
  onBatchFull: () => void = () => undefined;
  /** The question stage's region, when the lane was made with one (see QuestionLane). */
  readonly question: QuestionLaneMemory | undefined;

  private readonly buffer: ArrayBuffer;
  private readonly layout: LaneLayout;
  private readonly kernel: KernelExports;
  private readonly batchCount: Int32Array;
  private batchCapacity = 0;
  private source = 0;
  private readonly ngKinds: Uint8Array;

  private memory: WasmMemory | undefined;

  constructor(memory: WasmMemory, layout: LaneLayout, kernel: KernelExports, hooks: QuestionLaneHooks) {
    const buffer = memory.buffer;
    this.memory = memory;
    this.buffer = buffer;
    this.layout = layout;
    this.kernel = kernel;
    const l = layout;
    this.tableStorage = {
      buffer,
      state: l.tableState,
      slots: l.slots,
      slotCount: l.slotCount,
      records: l.records,
      v6: l.v6,
      free: l.free,
      held: l.held,
      capacity: l.capacity,
    };
    this.batchStorage = { buffer, offset: l.batch };
    this.ports = new Uint8Array(buffer, l.ports, 65_536);
    this.state = new Int32Array(buffer, l.laneState, LANE_STATE_WORDS);
    this.batchCount = new Int32Array(buffer, l.batch + l.batchLayout.count, 1);
    this.ngKinds = new Uint8Array(buffer, l.ngKinds, NG_MAX_INTERFACES);
    this.pairCapacity = l.pairCapacity;
    const pairBytes = l.pairsEnd - l.pairs;
    this.pairWords = new Int32Array(buffer, l.pairs, pairBytes / 4);
    this.pairF64 = new Float64Array(buffer, l.pairs, pairBytes / 8);
    const b = l.batchLayout;
    this.question =
      l.questionWindows === 0
        ? undefined
        : {
            buffer,
            zeroed: true,
            offset: l.question,
            windows: l.questionWindows,
            cacheSize: l.questionCacheSize,
            kernel,
            hooks,
            columns: {
              tsSec: l.batch + b.tsSec,
              tsNsec: l.batch + b.tsNsec,
              payloadLength: l.batch + b.payloadLength,
              flowRef: l.batch + b.flowRef,
              msg: l.batch + b.msg,
              msgLen: l.batch + b.msgLen,
              msgBytes: b.msgBytes,
              records: l.records,
              v6: l.v6,
            },
          };
  }

  /** Binds the lane to the pipeline's input number `sourceIndex` (the flows it creates carry it). */
  forSource(sourceIndex: number): this {
    this.source = sourceIndex;
    return this;
  }

  windowBuffer(size: number): Uint8Array | undefined {
    return size <= this.layout.windowBytes ? new Uint8Array(this.buffer, this.layout.window, size) : undefined;
  }

  begin(header: PcapHeaderInfo, maxRecord: number): boolean {
    // Ethernet only, in the byte order the module reads, without FCS bytes, and not pcap 2.0-2.2 (swapped lengths).
    if (header.linktype !== 1 || !header.littleEndian || header.fcsBytes !== 0 || header.versionMinor < 3) return false;
    this.kernel.begin(header.nanosecond ? 1 : 0, maxRecord, this.source);
    return true;
  }

  beginPcapng(maxBlock: number): boolean {
    this.state[L_NG_INTERFACES] = 0;
    this.kernel.beginPcapng(maxBlock, this.source);
    return true;
  }

  /**
   * Interfaces on Ethernet, with microsecond or nanosecond timestamps and no
   * if_tsoffset, in a little-endian section, are for the lane; every other
   * interface's blocks go the TypeScript path.
   */
  pcapngInterfaces(interfaces: readonly PcapngInterface[], littleEndian: boolean): void {
    const n = littleEndian ? Math.min(interfaces.length, NG_MAX_INTERFACES) : 0;
    for (let i = 0; i < n; i++) {
      const f = interfaces[i]!;
      const plain = f.linktype === 1 && f.tsOffset === 0 && f.scale.kind === 'mul';
      this.ngKinds[i] = !plain ? NG_NOT_FOR_LANE : f.scale.units === 1e6 ? NG_MICROSECONDS : f.scale.units === 1e9 ? NG_NANOSECONDS : NG_NOT_FOR_LANE;
    }
    this.state[L_NG_INTERFACES] = n;
  }

  scan(buf: Uint8Array, p: number, end: number, stats: SourceStats): number {
    return this.run(false, buf, p, end, stats);
  }

  scanPcapng(buf: Uint8Array, p: number, end: number, stats: SourceStats): number {
    return this.run(true, buf, p, end, stats);
  }

  private run(pcapng: boolean, buf: Uint8Array, p: number, end: number, stats: SourceStats): number {
    // A window that grew for a record above the chunk size is no longer in the module's memory.
    if (buf.buffer !== this.buffer) return p;
    const base = buf.byteOffset;
    const s = this.state;
    const k = this.kernel;
    for (;;) {
      const q = (pcapng ? k.scanPcapng(base + p, base + end) : k.scan(base + p, base + end)) - base;
      const frames = s[L_FRAMES]!;
      const bytes = s[L_BYTES]! >>> 0;
      this.frames += frames;
      stats.frames += frames;
      stats.bytes += bytes;
      this.ignored += s[L_IGNORED]!;
      this.udp += s[L_UDP]!;
      this.tcpSegments += s[L_TCP_SEGMENTS]!;
      this.tcpSamples += s[L_TCP_SAMPLES]!;
      s[L_FRAMES] = 0;
      s[L_BYTES] = 0;
      s[L_IGNORED] = 0;
      s[L_UDP] = 0;
      s[L_TCP_SEGMENTS] = 0;
      s[L_TCP_SAMPLES] = 0;
      if (this.batchCount[0]! < this.batchCapacity || q === p) return q;
      this.onBatchFull();
      p = q;
    }
  }

  /**
   * Ends every UDP flow as FlowTable.removeAll('flushed') would, each with
   * the assembler's onRemove for a UDP flow (hold the record while the batch
   * names it), without a call per flow. The flows keep their slots: the
   * caller marks the table's index stale, and its removeAll then ends the
   * TCP flows and rebuilds the index. 100,000 flows cost ~40 ms through the
   * table's hooks at the end of the bench capture.
   */
  flushUdp(): void {
    this.kernel.flushUdp();
  }

  /** A row the assembler added (not the lane) to the question stage's windows, when the stage runs in the lane. */
  questionRowAt(row: number): void {
    if (this.question !== undefined) this.kernel.questionRowAt(row);
  }

  /**
   * The delivered batch's rows as the question region packed them while
   * they were added (decodeOnly): a view of the lane's memory, valid until
   * the next row is added. Undefined without the room (packRows).
   */
  packQuestionRows(): Uint8Array | undefined {
    const l = this.layout;
    if (l.pack === 0) return undefined;
    return new Uint8Array(this.buffer, l.pack, this.kernel.questionPackTake());
  }

  /**
   * From now on the question region decodes each row as it is added and
   * packs it for packQuestionRows instead of adding it to a window (after
   * its QuestionLane configured it). False without the room (packRows).
   */
  decodeOnly(): boolean {
    const l = this.layout;
    if (l.pack === 0 || this.question === undefined) return false;
    this.kernel.questionPackInto(l.pack);
    return true;
  }

  /**
   * Rows another lane packed, each added to this lane's question-stage
   * windows in their order; the caller then delivers the batch. False when
   * this lane has no room for them.
   */
  replayQuestionRows(packed: Uint8Array): boolean {
    const l = this.layout;
    if (l.pack === 0 || this.question === undefined || packed.length > l.packBytes) return false;
    new Uint8Array(this.buffer, l.pack, packed.length).set(packed);
    this.kernel.replayDecodedRows(l.pack);
    return true;
  }

  /** The share of clients the lane takes (src/flow/flow-share.ts); the others' packets only move its clock. */
  configureShare(index: number, count: number, byClient: boolean): void {
    this.kernel.configureShare(index, count, byClient ? 1 : 0);
  }

  /**
   * The run is over and nothing reads the lane again (its table, batch and
   * question region included): its memory may go to this thread's next lane
   * of the same size, cleared.
   */
  release(): void {
    const m = this.memory;
    this.memory = undefined;
    if (m !== undefined) spare = { pages: Math.ceil(this.layout.bytes / 65_536), memory: m };
  }

  /** Layout for the module: called once, after the lane's regions are given to the table and batch. */
  configure(options: FastLaneOptions): void {
    const l = this.layout;
    const b = l.batchLayout;
    const at = (o: number): number => l.batch + o;
    this.batchCapacity = options.batchSize;
    this.kernel.configure(
      l.tableState,
      l.slots,
      l.slotCount,
      l.records,
      l.v6,
      l.free,
      l.held,
      l.capacity,
      options.maxFlows,
      options.udpIdleSec,
      options.tcpIdleSec,
      l.ports,
      l.laneState,
      at(b.count),
      options.batchSize,
      at(b.tsSec),
      at(b.payloadLength),
      at(b.tsNsec),
      at(b.messageIndex),
      at(b.flowRef),
      at(b.head),
      at(b.headLen),
      at(b.direction),
      at(b.flags),
      at(b.transport),
      l.pairs,
      l.ngKinds,
    );
    this.kernel.configureMessages(at(b.msg), at(b.msgLen), b.msgBytes);
  }
}

/** Whether an assembler of `maxFlows` flows gets a lane (unless its memory is refused): see above. */
export function fastLaneAvailable(maxFlows: number): boolean {
  if (process.env.DNSAE_FAST_LANE === '0' || wasm === undefined) return false;
  if (!(maxFlows >= 1 && maxFlows <= MAX_FAST_LANE_FLOWS)) return false;
  return loadKernel() !== undefined;
}

/** A fast lane for an assembler with these options, or undefined when there can be none (see above). */
export function openFastLane(options: FastLaneOptions): FastLane | undefined {
  if (!fastLaneAvailable(options.maxFlows) || wasm === undefined) return undefined;
  const module = loadKernel()!;
  const layout = layoutFor(
    options.maxFlows,
    options.batchSize,
    options.pairs,
    options.pairWords,
    options.msgBytes ?? 0,
    options.questionWindows ?? 0,
    options.questionCacheSize ?? 0,
    options.packRows === true,
  );
  const pages = Math.ceil(layout.bytes / 65_536);
  let memory: WasmMemory;
  if (spare !== undefined && spare.pages === pages) {
    memory = spare.memory;
    spare = undefined;
    // As new: every part of the lane starts from zero bytes, as on a new memory.
    new Uint8Array(memory.buffer).fill(0);
  } else {
    try {
      memory = new wasm.Memory({ initial: pages, maximum: pages });
    } catch {
      // Address space refused (a tight ulimit -v): the TypeScript path's table grows as needed instead.
      return undefined;
    }
  }
  // The question stage binds these when it uses the lane's region (QuestionLane); until then nothing calls them.
  const hooks: QuestionLaneHooks = { domainLabels: () => 0, windowClosed: () => undefined, loss: () => 0 };
  const instance = new wasm.Instance(module, {
    env: {
      memory,
      questionDomainLabels: (name: number, nameLen: number, labels: number): number => hooks.domainLabels(name, nameLen, labels),
      questionWindowClosed: (slot: number, reason: number): void => hooks.windowClosed(slot, reason),
      questionLoss: (): number => hooks.loss(),
      questionLog1p: Math.log1p,
      questionLog2: Math.log2,
      questionExp: Math.exp,
      questionTanh: Math.tanh,
    },
  });
  if (!constantsAgree(instance.exports, options.record, options.pairWords)) return undefined;
  const lane = new FastLane(memory, layout, instance.exports, hooks);
  lane.configure(options);
  return lane;
}
