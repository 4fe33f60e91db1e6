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
  private readonly scratch = Buffer.alloc(FLOW_BYTES_MAX);

  /** `render` gives the run's text (ASCII, at most FLOW_BYTES_MAX bytes); it is called once per flow, not per record. */
  constructor(private readonly render: (flow: FlowInfo) => string) {}

  /** Stores the flow's run at p and returns its end; may store up to FLOW_BYTES_MAX bytes from p. */
  put(dv: DataView, p: number, flow: FlowInfo): number {
    const slot = Math.imul(flow.flowId >>> 0, 0x9e3779b1) >>> (32 - SLOT_BITS);
    const seed = communityIdSeed();
    if (this.flows[slot] !== flow || this.seeds[slot] !== seed) this.fill(slot, flow, seed);
    const w = this.words;
    const base = slot * WORDS;
    const n = this.lengths[slot]!;
    for (let k = 0; k * 4 < n; k++) dv.setInt32(p + 4 * k, w[base + k]!, true);
    return p + n;
  }

  private fill(slot: number, flow: FlowInfo, seed: number): void {
    const text = this.render(flow);
    const b = this.scratch;
    b.fill(0);
    const n = b.write(text, 'latin1');
    if (n !== text.length || n > FLOW_BYTES_MAX) throw new Error(`flow bytes longer than ${FLOW_BYTES_MAX}: ${text}`);
    const base = slot * WORDS;
    for (let k = 0; k < WORDS; k++) this.words[base + k] = b.readInt32LE(4 * k);
    this.lengths[slot] = n;
    this.flows[slot] = flow;
    this.seeds[slot] = seed;
  }
}
