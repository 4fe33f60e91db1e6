import { NAME_BYTE } from '../../decode/dns/name-bytes.js';
import { ANSWER_WEIRD, QUESTION_WEIRD, NON_ASCII_WEIRD } from '../../decode/dns/question-status.js';
import { RR_TYPE_BIT_TABLE } from '../../decode/dns/rr-type-bits.js';
import type { WeirdCounters } from '../../decode/weirds.js';
import {
  CHAR_BIN,
  DISTINCT_BY_SET,
  FEATURE_CONSTANTS,
  LOG1P_DISTINCT_BY_SET,
  LOG1P_INT,
  LOG2_INT,
  LOG_TABLE_SIZE,
  N_LOG2_N,
  QUANT_STEPS,
  QUANT_STEP_VALUE,
  QUESTION_FEATURE_COUNT,
} from './question-features.js';
import type { QuestionExtractorStats } from './question-extractor.js';
import type { RegisteredDomains } from './registered-domain.js';
import type { DenseWeights } from '../../model/model-weights.js';
import { lineAlignedRegion, windowTableLayout, WindowTable, type CloseReason, type WindowTableStats } from './window-table.js';

/**
 * The question stage's per-message work in the fast lane
 * (wasm/question-lane.ts): the same decoding, registered-domain cache and
 * window updates as QuestionExtractor's TypeScript loop, on a WindowTable
 * whose arrays live in the lane's memory, so the scorer and the alerts read
 * the windows where the module wrote them. Used when the pipeline's
 * assembler has a lane with a question region (FastLane.question); without
 * one, the TypeScript loop runs, with the same windows.
 *
 * Why: in V8 the TypeScript loop costs several times the header stage's
 * whole cost per packet; `DNSAE_FAST_LANE=0 node dist/cli/main.js score`
 * against the lane on the bench capture shows it, and
 * scripts/bench/measure-question-steps.mjs what each step costs in the lane.
 */

/** State words (wasm/question-lane.ts QL_*, Int32 indices). */
const QL_FREE_TOP = 0;
const QL_HEAD = 1;
const QL_TAIL = 2;
const QL_OPENED = 3;
const QL_CLOSED = 4;
const QL_EXPIRED = 5;
const QL_EVICTED = 6;
const QL_FLUSHED = 7;
const QL_ACTIVE = 8;
const QL_MESSAGES = 9;
const QL_QUERIES = 10;
const QL_RESPONSES = 11;
const QL_NOT_KEPT = 12;
const QL_NO_QUESTION = 13;
const QL_ROOT = 14;
const QL_NOT_QUERY = 15;
const QL_SOURCE = 16;
const QL_DOM_HITS = 17;
const QL_DOM_MISSES = 18;
const QL_DOM_EVICTIONS = 19;
const QL_STATUS = 20;
const QL_ANSWER = 31;
const QL_NON_ASCII = 34;
const QL_SCORED = 35;
const QL_CACHE_HITS = 36;
const QL_CACHE_MISSES = 37;
/** Float64 indices: the last scored window's loss, the threshold, the clock. */
const QL_LOSS_F64 = 20;
const QL_CLOCK_F64 = 22;
const STATE_BYTES = 256;
const FAN_CELLS = 2 * 65_536;
const SCRATCH_BYTES = 1024;
const FEATURES_AT = 512;
const TABLES_LOGS_AT = 2048;
const TABLE_BYTES = TABLES_LOGS_AT + 3 * LOG_TABLE_SIZE * 8 + 2 * 129 * 8 + (QUANT_STEPS + 1) * 4;
const LOSS_CACHE_BYTES = 32_768 * 64;
/** Room for the autoencoder in the module (descriptors, Float64 weights and activations); a larger one is scored through the loss hook. */
const NET_BYTES = 96 * 1024;
const NET_DESCRIPTOR_BYTES = 256;
const NET_WORDS = 6;
const ACTIVATION_CODE: Readonly<Record<string, number>> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };
const DOMAIN_ENTRY_BYTES = 128;
const REASONS: readonly CloseReason[] = ['window', 'expired', 'evicted', 'flushed'];

/** The region's parts: byte offsets from its start. */
export interface QuestionLaneLayout {
  readonly state: number;
  readonly table: number;
  /** The registered-domain cache: cacheSize entries of DOMAIN_ENTRY_BYTES (wasm/question-lane.ts D_ENTRY). */
  readonly domainCache: number;
  readonly fanCells: number;
  readonly scratch: number;
  readonly tables: number;
  readonly lossCache: number;
  readonly net: number;
  readonly size: number;
}

export function questionLaneLayout(windows: number, cacheSize: number): QuestionLaneLayout {
  const { take, size } = lineAlignedRegion();
  const state = take(STATE_BYTES);
  const table = take(windowTableLayout(windows).size);
  const domainCache = take(cacheSize * DOMAIN_ENTRY_BYTES);
  const fanCells = take(FAN_CELLS * 8);
  const scratch = take(SCRATCH_BYTES);
  const tables = take(TABLE_BYTES);
  const lossCache = take(LOSS_CACHE_BYTES);
  const net = take(NET_BYTES);
  return { state, table, domainCache, fanCells, scratch, tables, lossCache, net, size: size() };
}

/** The module's question exports. */
export interface QuestionKernel {
  configureQuestion(...args: number[]): void;
  configureFeatures(...args: number[]): void;
  questionScoring(threshold: number, every: number): void;
  /** The batch is delivered: windows whose time is up close (rows were added to their windows as they were added). */
  questionDeliver(): void;
  /** Row `row`, added by the TypeScript side with its message in the batch's column, to its window (a no-op until configured). */
  questionRowAt(row: number): void;
  questionFlush(): void;
  /** The autoencoder the module scores with: `layers` descriptors at `at` (0: the loss hook scores), Float64 input buffer at `input`. */
  questionNet(at: number, layers: number, input: number): void;
  /** The module's loss of the features at `features` (tests). */
  questionNetLoss(): number;
}

/** Calls from the module, bound by QuestionLane. */
export interface QuestionLaneHooks {
  domainLabels: (name: number, nameLen: number, labels: number) => number;
  windowClosed: (slot: number, reason: number) => void;
  loss: () => number;
}

/**
 * How the lane's closed windows are scored: `loss` of a feature vector
 * (called on a miss of the lane's loss cache), and `verdict` for each
 * window over `threshold` (every window with `every`), given its features
 * and loss; both get the lane's feature vector, valid during the call.
 */
export interface QuestionLaneScoring {
  readonly threshold: number;
  readonly every: boolean;
  readonly loss: (x: Float32Array) => number;
  /**
   * The autoencoder behind `loss`, when it is WindowScorer's forward pass
   * over these layers: the module then computes the loss itself, to the bit
   * (wasm/question-lane.ts netLoss), without a call out per window.
   */
  readonly layers?: readonly DenseWeights[];
  readonly verdict: (table: WindowTable, slot: number, reason: CloseReason, x: Float32Array, loss: number) => void;
}

/** What a fast lane with a question region offers (FastLane.question). */
export interface QuestionLaneMemory {
  readonly buffer: ArrayBuffer;
  /** The region has never been written (a new memory); the first QuestionLane on it clears it. */
  zeroed: boolean;
  /** The region's start (64-aligned) and its sizes. */
  readonly offset: number;
  readonly windows: number;
  readonly cacheSize: number;
  readonly kernel: QuestionKernel;
  readonly hooks: QuestionLaneHooks;
  /** Absolute addresses of the batch columns and the flow records the module reads. */
  readonly columns: {
    readonly tsSec: number;
    readonly tsNsec: number;
    readonly payloadLength: number;
    readonly flowRef: number;
    readonly msg: number;
    readonly msgLen: number;
    readonly msgBytes: number;
    readonly records: number;
    readonly v6: number;
  };
}

export class QuestionLane {
  readonly table: WindowTable;
  private readonly st: Int32Array;
  private readonly clock: Float64Array;
  private readonly kernel: QuestionKernel;
  private readonly buffer: ArrayBuffer;
  private readonly netAt: number;

  /** The feature vector of the window being scored (QUESTION_FEATURE_COUNT Float32s). */
  readonly features: Float32Array;
  private scoring: QuestionLaneScoring | undefined;

  constructor(
    mem: QuestionLaneMemory,
    windowSec: number,
    private readonly domains: RegisteredDomains,
    private readonly weirds: WeirdCounters,
    onClose: (table: WindowTable, slot: number, reason: CloseReason) => void,
  ) {
    const l = questionLaneLayout(mem.windows, mem.cacheSize);
    const at = (o: number): number => mem.offset + o;
    const buf = mem.buffer;
    this.kernel = mem.kernel;
    this.buffer = buf;
    this.netAt = at(l.net);
    const table = new WindowTable(mem.windows, windowSec, () => undefined, { buffer: buf, offset: at(l.table) });
    this.table = table;
    const t = windowTableLayout(mem.windows);
    this.st = new Int32Array(buf, at(l.state), STATE_BYTES / 4);
    this.clock = new Float64Array(buf, at(l.state), STATE_BYTES / 8);
    // A fresh table: every slot free, nothing open, every fan-out cell of no period; the cache and index empty.
    this.st.fill(0);
    const free = new Int32Array(buf, at(l.table) + t.free, mem.windows);
    for (let i = 0; i < mem.windows; i++) free[i] = mem.windows - 1 - i;
    this.st[QL_FREE_TOP] = mem.windows;
    this.st[QL_HEAD] = -1;
    this.st[QL_TAIL] = -1;
    // A new WebAssembly.Memory is zero: clearing the 9 MiB of index and cache again would only fault their pages in.
    if (!mem.zeroed) {
      new Int32Array(buf, at(l.table) + t.index, 2 * t.indexSize).fill(0);
      new Uint8Array(buf, at(l.domainCache), mem.cacheSize * DOMAIN_ENTRY_BYTES).fill(0);
    }
    mem.zeroed = false;
    new Int32Array(buf, at(l.fanCells), 2 * FAN_CELLS).fill(-1);
    // The TypeScript path's own tables, so both paths fold, classify and type names alike.
    new Int32Array(buf, at(l.tables), 256).set(NAME_BYTE);
    new Uint8Array(buf, at(l.tables) + 1024, 256).set(CHAR_BIN);
    new Uint16Array(buf, at(l.tables) + 1280, 256).set(RR_TYPE_BIT_TABLE);
    const logs = new Float64Array(buf, at(l.tables) + TABLES_LOGS_AT, 3 * LOG_TABLE_SIZE + 2 * 129);
    logs.set(LOG1P_INT, 0);
    logs.set(N_LOG2_N, LOG_TABLE_SIZE);
    logs.set(LOG2_INT, 2 * LOG_TABLE_SIZE);
    logs.set(DISTINCT_BY_SET, 3 * LOG_TABLE_SIZE);
    logs.set(LOG1P_DISTINCT_BY_SET, 3 * LOG_TABLE_SIZE + 129);
    new Float32Array(buf, at(l.tables) + TABLES_LOGS_AT + (3 * LOG_TABLE_SIZE + 2 * 129) * 8, QUANT_STEPS + 1).set(QUANT_STEP_VALUE);
    const name = new Uint8Array(buf, at(l.scratch), 256);
    const features = new Float32Array(buf, at(l.scratch) + FEATURES_AT, QUESTION_FEATURE_COUNT);
    this.features = features;
    mem.hooks.domainLabels = (_addr, nameLen, labels) => domains.compute(name, nameLen, labels);
    // Until scoring is set, every window goes to onClose (the extractor's contract), with its features in `features`.
    mem.hooks.windowClosed = (slot, reason) => {
      const sc = this.scoring;
      if (sc === undefined) onClose(table, slot, REASONS[reason]!);
      else sc.verdict(table, slot, REASONS[reason]!, features, this.clock[QL_LOSS_F64]!);
    };
    mem.hooks.loss = () => (this.scoring === undefined ? 0 : this.scoring.loss(features));
    const c = mem.columns;
    this.kernel.configureQuestion(
      c.records,
      c.v6,
      c.tsSec,
      c.tsNsec,
      c.payloadLength,
      c.flowRef,
      c.msg,
      c.msgLen,
      c.msgBytes,
      at(l.state),
      at(l.table) + t.i32,
      at(l.table) + t.f64,
      at(l.table) + t.hist,
      at(l.table) + t.bytes,
      at(l.table) + t.nameTail,
      at(l.table) + t.index,
      t.indexSize,
      at(l.table) + t.free,
      windowSec,
      at(l.domainCache),
      mem.cacheSize,
      at(l.fanCells),
      at(l.scratch),
      at(l.tables),
    );
    this.kernel.configureFeatures(...FEATURE_CONSTANTS, at(l.lossCache));
    this.kernel.questionScoring(0, 1);
  }

  /** Scores closed windows in the lane from now on (and forgets cached losses: a new model). */
  score(scoring: QuestionLaneScoring): void {
    this.scoring = scoring;
    this.kernel.questionScoring(scoring.threshold, scoring.every ? 1 : 0);
    const net = scoring.layers === undefined ? undefined : writeNet(this.buffer, this.netAt, scoring.layers);
    this.netLayers = net === undefined ? 0 : scoring.layers!.length;
    this.kernel.questionNet(this.netAt, this.netLayers, net ?? 0);
  }

  /** Layers of the autoencoder the module scores with itself; 0: the loss hook scores. */
  netLayers = 0;

  /** Windows scored, and the lane's loss-cache hits and misses. */
  get scored(): { windows: number; hits: number; misses: number } {
    return { windows: this.st[QL_SCORED]!, hits: this.st[QL_CACHE_HITS]!, misses: this.st[QL_CACHE_MISSES]! };
  }

  set sourceIndex(i: number) {
    this.st[QL_SOURCE] = i;
  }

  /** The batch's rows [0, rows): added to their windows; windows that end close (through onClose). */
  /** The end of a batch: its rows are in their windows already (the lane takes each as it is added). */
  onBatch(): void {
    this.kernel.questionDeliver();
    this.foldWeirds();
  }

  flush(): void {
    this.kernel.questionFlush();
  }

  /** The module's counters into the extractor's, the table's and the cache's stats objects. */
  readStats(q: QuestionExtractorStats, t: WindowTableStats, d: { hits: number; misses: number; evictions: number }): void {
    const s = this.st;
    q.messages = s[QL_MESSAGES]!;
    q.queries = s[QL_QUERIES]!;
    q.responses = s[QL_RESPONSES]!;
    q.not_kept = s[QL_NOT_KEPT]!;
    q.no_question = s[QL_NO_QUESTION]!;
    q.root = s[QL_ROOT]!;
    q.not_query = s[QL_NOT_QUERY]!;
    t.windows_opened = s[QL_OPENED]!;
    t.windows_closed = s[QL_CLOSED]!;
    t.windows_expired = s[QL_EXPIRED]!;
    t.windows_evicted = s[QL_EVICTED]!;
    t.windows_flushed = s[QL_FLUSHED]!;
    t.windows_active = s[QL_ACTIVE]!;
    d.hits = s[QL_DOM_HITS]!;
    d.misses = s[QL_DOM_MISSES]!;
    d.evictions = s[QL_DOM_EVICTIONS]!;
  }

  /** The latest packet time the module has seen. */
  get now(): number {
    return this.clock[QL_CLOCK_F64]!;
  }

  private foldWeirds(): void {
    const s = this.st;
    for (let k = 0; k < QUESTION_WEIRD.length; k++) {
      const n = s[QL_STATUS + k]!;
      if (n === 0) continue;
      const weird = QUESTION_WEIRD[k];
      if (weird !== null && weird !== undefined) this.weirds.inc(weird, n);
      s[QL_STATUS + k] = 0;
    }
    for (let k = 0; k < ANSWER_WEIRD.length; k++) {
      const n = s[QL_ANSWER + k]!;
      if (n === 0) continue;
      const weird = ANSWER_WEIRD[k];
      if (weird !== null && weird !== undefined) this.weirds.inc(weird, n);
      s[QL_ANSWER + k] = 0;
    }
    const na = s[QL_NON_ASCII]!;
    if (na > 0) {
      this.weirds.inc(NON_ASCII_WEIRD, na);
      s[QL_NON_ASCII] = 0;
    }
  }
}

/**
 * Writes `layers` at `at` as wasm/question-lane.ts netLoss reads them: a
 * descriptor per layer, then each layer's kernel input-major (the outputs
 * of one input side by side, 16-aligned for SIMD loads), its biases and
 * room for its outputs, all Float64s of the Float32 weights, as
 * WindowScorer keeps them. Returns the input buffer's address, or
 * undefined (the loss hook scores) when the layers do not fit or do not
 * chain.
 */
function writeNet(buf: ArrayBuffer, at: number, layers: readonly DenseWeights[]): number | undefined {
  if (layers.length === 0 || layers.length * NET_WORDS * 4 > NET_DESCRIPTOR_BYTES) return undefined;
  const width = layers[0]!.inDim;
  if (layers[layers.length - 1]!.outDim !== width) return undefined;
  for (let i = 1; i < layers.length; i++) if (layers[i]!.inDim !== layers[i - 1]!.outDim) return undefined;
  if (layers.some((l) => ACTIVATION_CODE[l.activation] === undefined)) return undefined;
  const doubles = width + layers.reduce((n, l) => n + l.inDim * l.outDim + 2 * l.outDim + 2, 0);
  if (NET_DESCRIPTOR_BYTES + doubles * 8 > NET_BYTES) return undefined;
  const f64 = new Float64Array(buf, at + NET_DESCRIPTOR_BYTES, (NET_BYTES - NET_DESCRIPTOR_BYTES) / 8);
  const desc = new Int32Array(buf, at, NET_DESCRIPTOR_BYTES / 4);
  // Every array starts on an even Float64 index, so 16-byte aligned (the region is 64-aligned).
  let next = 0;
  const place = (n: number): number => {
    const i = next;
    next += n + (n & 1);
    return i;
  };
  const addr = (i: number): number => at + NET_DESCRIPTOR_BYTES + i * 8;
  const input = place(width);
  layers.forEach((l, li) => {
    const k = place(l.inDim * l.outDim);
    const b = place(l.outDim);
    const o = place(l.outDim);
    f64.set(l.kernel, k);
    f64.set(l.bias, b);
    desc.set([l.inDim, l.outDim, ACTIVATION_CODE[l.activation]!, addr(k), addr(b), addr(o)], li * NET_WORDS);
  });
  return addr(input);
}
