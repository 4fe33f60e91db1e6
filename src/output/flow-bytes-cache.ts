import type { FlowInfo } from '../flow/sample.js';
import { communityIdSeed } from './community-id.js';

/** Most bytes a cached run may hold; writers reserve this much (and SLACK) for it. */
export const FLOW_BYTES_MAX = 64;
const WORDS = FLOW_BYTES_MAX / 4;
const SLOT_BITS = 13;
const SLOTS = 1 << SLOT_BITS;

/**
 * A per-flow run of ASCII bytes a byte writer puts into every record of the
 * flow (the protocol and Community ID), kept as little-endian words so a
 * record stores it with WORDS word stores instead of building or copying
 * anything. Direct-mapped by flow id, as flow-fields.ts is: a flow's
 * records come close together, and a collision only costs a re-render.
 * A slot is also keyed by the Community ID seed it was rendered with.
 */
export class FlowBytesCache {
  private readonly flows: Array<FlowInfo | undefined> = new Array<FlowInfo | undefined>(SLOTS).fill(undefined);
  private readonly seeds = new Int32Array(SLOTS).fill(-1);
  private readonly lengths = new Uint8Array(SLOTS);
  private readonly words = new Int32Array(SLOTS * WORDS);
  private readonly scratch = new Uint8Array(FLOW_BYTES_MAX);
  private readonly scratchView = new DataView(this.scratch.buffer);

  /** `render` writes the run's bytes (at most FLOW_BYTES_MAX) from 0 and returns their length; it is called once per flow, not per record. */
  constructor(private readonly render: (flow: FlowInfo, out: Uint8Array) => number) {}

  /** Stores the flow's run at p and returns its end; stores FLOW_BYTES_MAX bytes from p whatever the run's length. */
  put(dv: DataView, p: number, flow: FlowInfo): number {
    const slot = Math.imul(flow.flowId >>> 0, 0x9e3779b1) >>> (32 - SLOT_BITS);
    const seed = communityIdSeed();
    if (this.flows[slot] !== flow || this.seeds[slot] !== seed) this.fill(slot, flow, seed);
    const w = this.words;
    const b = slot * WORDS;
    // Straight-line stores: a loop bounded by the run's length cost twice as much per record.
    dv.setInt32(p, w[b]!, true);
    dv.setInt32(p + 4, w[b + 1]!, true);
    dv.setInt32(p + 8, w[b + 2]!, true);
    dv.setInt32(p + 12, w[b + 3]!, true);
    dv.setInt32(p + 16, w[b + 4]!, true);
    dv.setInt32(p + 20, w[b + 5]!, true);
    dv.setInt32(p + 24, w[b + 6]!, true);
    dv.setInt32(p + 28, w[b + 7]!, true);
    dv.setInt32(p + 32, w[b + 8]!, true);
    dv.setInt32(p + 36, w[b + 9]!, true);
    dv.setInt32(p + 40, w[b + 10]!, true);
    dv.setInt32(p + 44, w[b + 11]!, true);
    dv.setInt32(p + 48, w[b + 12]!, true);
    dv.setInt32(p + 52, w[b + 13]!, true);
    dv.setInt32(p + 56, w[b + 14]!, true);
    dv.setInt32(p + 60, w[b + 15]!, true);
    return p + this.lengths[slot]!;
  }

  private fill(slot: number, flow: FlowInfo, seed: number): void {
    const b = this.scratch;
    b.fill(0);
    const n = this.render(flow, b);
    const base = slot * WORDS;
    const v = this.scratchView;
    for (let k = 0; k < WORDS; k++) this.words[base + k] = v.getInt32(4 * k, true);
    this.lengths[slot] = n;
    this.flows[slot] = flow;
    this.seeds[slot] = seed;
  }
}
