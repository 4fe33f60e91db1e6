import { decodeQuestion, newDnsQuestion, QS_OK, QUESTION_WEIRD, ANSWER_WEIRD, NON_ASCII_WEIRD, AS_OK } from '../../decode/dns/dns-question.js';
import { FNV_OFFSET, FNV_PRIME } from '../../decode/dns/name-bytes.js';
import type { WeirdCounters } from '../../decode/weirds.js';
import { newFlowKey } from '../../flow/flow-key.js';
import type { SampleBatch } from '../../flow/sample.js';
import { addQuery, addResponse } from './question-features.js';
import { UNREGISTERED, type RegisteredDomains } from './registered-domain.js';
import { ClientFanOut } from './client-fan-out.js';
import { QuestionLane, type QuestionLaneMemory, type QuestionLaneScoring } from './question-lane.js';
import {
  B_EX_FIRST,
  B_EX_LONG,
  EXAMPLE_BYTES,
  W_EX_FIRST_FULL,
  W_EX_FIRST_LEN,
  W_EX_LONG_FULL,
  W_EX_LONG_LEN,
  W_KA0,
  W_KB0,
  W_KMETA,
  W_KPORTS,
  W_KPV,
  W_LAST_QTYPE,
  W_SOURCE,
  W_FAN_OUT,
  W_C0,
  W_START_NSEC,
  W_LAST_NSEC,
  F_START_SEC,
  F_LAST_SEC,
  F_LAST,
  W_Q,
  WindowTable,
  type CloseReason,
} from './window-table.js';

export interface QuestionExtractorOptions {
  /** Seconds of packet time per (client, registered domain) window. */
  readonly windowSec: number;
  /** Windows open at once; past it the oldest is closed early (counted). */
  readonly maxWindows: number;
}

export const DEFAULT_QUESTION_EXTRACTOR_OPTIONS: QuestionExtractorOptions = { windowSec: 60, maxWindows: 65_536 };

export interface QuestionExtractorStats {
  messages: number;
  queries: number;
  responses: number;
  /** Rows without kept bytes: DNS-over-TCP messages that lost bytes in a gap. */
  not_kept: number;
  /** Messages whose question could not be read (each also counted as its weird). */
  no_question: number;
  /** Queries for the root name: no registered domain to group them under. */
  root: number;
  /** Messages of other opcodes than QUERY (NOTIFY, UPDATE, ...): their "question" is a zone, not a lookup; the header stage's rules check them. */
  not_query: number;
}

/**
 * Sample rows in, (client, registered domain) windows out: each row's kept
 * message bytes are decoded (decodeQuestion), the question name's
 * registered domain found (RegisteredDomains), and the message added to its
 * window. Closed windows go to `onWindow` with the table and slot, valid
 * during the call. Messages without a usable question are counted, and
 * their weirds named, never thrown.
 */
export class QuestionExtractor {
  readonly table: WindowTable;
  readonly stats: QuestionExtractorStats = { messages: 0, queries: 0, responses: 0, not_kept: 0, no_question: 0, root: 0, not_query: 0 };
  private readonly q = newDnsQuestion();
  private readonly key = newFlowKey();
  /** Latest packet time seen: windows end on it. */
  private clock = 0;
  /** The pipeline's input number of the rows now given (set by the stage between inputs). */
  get sourceIndex(): number {
    return this.source;
  }

  set sourceIndex(i: number) {
    this.source = i;
    if (this.lane !== undefined) this.lane.sourceIndex = i;
  }
  /** The TypeScript path's fan-out sketch (1 MiB); the lane keeps its own cells. */
  private readonly fanOut: ClientFanOut | undefined;
  /** The fast lane's copy of this loop, when the pipeline's lane has room for this table (see QuestionLane). */
  private readonly lane: QuestionLane | undefined;
  private source = 0;

  constructor(
    readonly options: QuestionExtractorOptions,
    private readonly domains: RegisteredDomains,
    private readonly weirds: WeirdCounters,
    onWindow: (table: WindowTable, slot: number, reason: CloseReason) => void,
    lane?: QuestionLaneMemory,
  ) {
    if (lane !== undefined && lane.windows === options.maxWindows && lane.cacheSize === domains.cacheSize) {
      this.lane = new QuestionLane(lane, options.windowSec, domains, weirds, onWindow);
      this.table = this.lane.table;
      this.fanOut = undefined;
      return;
    }
    this.lane = undefined;
    const fanOut = new ClientFanOut(options.windowSec);
    this.fanOut = fanOut;
    this.table = new WindowTable(options.maxWindows, options.windowSec, (slot, reason) => {
      // The client's fan-out as the window closes, when all of its period's windows have opened, not only the earlier ones.
      const t = this.table;
      const b = slot * WindowTable.I32_WORDS;
      const w = t.i32;
      const now = fanOut.peek(w[b + W_C0]!, w[b + W_C0 + 1]!, w[b + W_C0 + 2]!, w[b + W_C0 + 3]!, t.f64[slot * WindowTable.F64_WORDS + F_LAST]!);
      if (now > w[b + W_FAN_OUT]!) w[b + W_FAN_OUT] = now;
      onWindow(t, slot, reason);
    });
  }

  onBatch(batch: SampleBatch): void {
    const n = batch.count;
    const cap = batch.msgBytes;
    if (cap === 0) return;
    if (this.lane !== undefined) {
      this.lane.onBatch();
      return;
    }
    const q = this.q;
    const key = this.key;
    const table = this.table;
    const w = table.i32;
    const st = this.stats;
    const msg = batch.msg;
    const msgLen = batch.msgLen;
    let clock = this.clock;
    for (let i = 0; i < n; i++) {
      st.messages++;
      const kept = msgLen[i]!;
      if (kept === 0) {
        st.not_kept++;
        continue;
      }
      const status = decodeQuestion(msg, i * cap, kept, batch.payloadLength[i]!, q);
      if (status !== QS_OK) {
        st.no_question++;
        const weird = QUESTION_WEIRD[status];
        if (weird !== null && weird !== undefined) this.weirds.inc(weird);
        continue;
      }
      if (q.nonAscii > 0) this.weirds.inc(NON_ASCII_WEIRD);
      if (q.answerStatus !== AS_OK) {
        const weird = ANSWER_WEIRD[q.answerStatus];
        if (weird !== null && weird !== undefined) this.weirds.inc(weird);
      }
      if (q.opcode !== 0) {
        st.not_query++;
        continue;
      }
      const labels = q.labelCount;
      if (labels === 0) {
        st.root++;
        continue;
      }
      const sec = batch.tsSec[i]!;
      const nsec = batch.tsNsec[i]!;
      const ts = sec + nsec / 1e9;
      if (ts > clock) clock = ts;
      const domLabels = this.domains.labels(q.name, q.nameLen, labels, q.nameHash);
      const name = q.name;
      const end = q.nameLen;
      // No registered domain: the whole name is below it and the window is the client's "" domain.
      const sub = domLabels === UNREGISTERED ? labels : labels - domLabels;
      const domStart = domLabels === UNREGISTERED ? end : q.labelStart[sub]!;
      let dh = FNV_OFFSET | 0; // signed, as the Int32Array that keeps it: an empty domain never goes through imul
      for (let k = domStart; k < end; k++) dh = Math.imul(dh ^ name[k]!, FNV_PRIME);
      const clientIsA = batch.readFlowKey(i, key);
      const c0 = clientIsA ? key.a0 : key.b0;
      const c1 = clientIsA ? key.a1 : key.b1;
      const c2 = clientIsA ? key.a2 : key.b2;
      const c3 = clientIsA ? key.a3 : key.b3;
      const cv = key.ipVersion;
      const domLen = end - domStart;
      let s = table.find(c0, c1, c2, c3, cv, dh, domLen);
      if (s >= 0 && table.ended(s, ts)) {
        table.close(s, 'window');
        s = -1;
      }
      if (s < 0) {
        const fanOut = this.fanOut!.opened(c0, c1, c2, c3, ts);
        s = table.open(c0, c1, c2, c3, cv, dh, name, domStart, domLen, ts);
        w[s * WindowTable.I32_WORDS + W_FAN_OUT] = fanOut;
        const ob = s * WindowTable.I32_WORDS;
        w[ob + W_SOURCE] = this.sourceIndex;
        table.f64[s * WindowTable.F64_WORDS + F_START_SEC] = sec;
        table.f64[s * WindowTable.F64_WORDS + F_LAST_SEC] = sec;
        w[ob + W_START_NSEC] = nsec;
        w[ob + W_LAST_NSEC] = nsec;
      }
      const f64 = table.f64;
      const fb = s * WindowTable.F64_WORDS;
      const lastBefore = f64[fb + F_LAST]!;
      if (q.qr === 0) {
        st.queries++;
        addQuery(table, s, q, sub, ts);
        const b = s * WindowTable.I32_WORDS;
        w[b + W_KA0] = key.a0;
        w[b + W_KA0 + 1] = key.a1;
        w[b + W_KA0 + 2] = key.a2;
        w[b + W_KA0 + 3] = key.a3;
        w[b + W_KB0] = key.b0;
        w[b + W_KB0 + 1] = key.b1;
        w[b + W_KB0 + 2] = key.b2;
        w[b + W_KB0 + 3] = key.b3;
        w[b + W_KPORTS] = (key.portA << 16) | key.portB;
        w[b + W_KPV] = (key.proto << 24) | (key.vlan0 << 12) | key.vlan1;
        w[b + W_KMETA] = cv | (clientIsA ? 0x100 : 0);
        w[b + W_LAST_QTYPE] = q.qtype;
        if (w[b + W_Q] === 1) this.keepExample(s, B_EX_FIRST, W_EX_FIRST_LEN, W_EX_FIRST_FULL);
        if (end > w[b + W_EX_LONG_FULL]!) this.keepExample(s, B_EX_LONG, W_EX_LONG_LEN, W_EX_LONG_FULL);
      } else {
        st.responses++;
        addResponse(table, s, q, ts);
      }
      // The window's last time as the packet's own integer parts, when this message moved it (or opened the window).
      if (f64[fb + F_LAST]! !== lastBefore) {
        f64[fb + F_LAST_SEC] = sec;
        w[s * WindowTable.I32_WORDS + W_LAST_NSEC] = nsec;
      }
    }
    this.clock = clock;
    table.expire(clock);
  }

  /** End of input: every open window is closed and scored. */
  flush(): void {
    if (this.lane !== undefined) this.lane.flush();
    else this.table.flush();
  }

  /** Whether the fast lane does the per-message work. */
  get inLane(): boolean {
    return this.lane !== undefined;
  }

  /**
   * With the lane, closed windows are scored there from now on (features,
   * cached loss, threshold) and only those `scoring` asks for reach it,
   * instead of every window reaching onWindow. Returns false without a lane.
   */
  scoreInLane(scoring: QuestionLaneScoring): boolean {
    if (this.lane === undefined) return false;
    this.lane.score(scoring);
    return true;
  }

  /** Windows the lane scored and its loss cache's hits and misses (undefined without a lane). */
  get laneScored(): { windows: number; hits: number; misses: number } | undefined {
    return this.lane?.scored;
  }

  /** Brings `stats`, the table's stats and the registered-domain cache's up to date (the lane keeps its own counters). */
  syncStats(): void {
    this.lane?.readStats(this.stats, this.table.stats, this.domains.stats);
  }

  private keepExample(s: number, at: number, lenWord: number, fullWord: number): void {
    const q = this.q;
    const n = q.nameLen < EXAMPLE_BYTES ? q.nameLen : EXAMPLE_BYTES;
    this.table.putExample(s, at, q.name, n);
    const w = this.table.i32;
    const b = s * WindowTable.I32_WORDS;
    w[b + lenWord] = n;
    w[b + fullWord] = q.nameLen;
  }
}
