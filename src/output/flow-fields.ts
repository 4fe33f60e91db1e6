import type { FlowInfo } from '../flow/sample.js';
import { communityIdSeed, flowCommunityId } from './community-id.js';

/**
 * The EVE endpoint fields of a flow, rendered once per flow and direction
 * and reused for the records that follow. `src_*` is the sender of the
 * packet, as in Suricata's EVE, so it flips with the direction.
 *
 * The cache is direct-mapped by flow id: a flow's records come close
 * together in time, so a few thousand slots hit nearly always, and a
 * collision only costs a re-render. (A WeakMap keyed by FlowInfo made the
 * garbage collector trace an ephemeron per flow: at a million records it
 * cost more than everything else in `dnsae extract`.)
 */
const SLOT_BITS = 14;
const SLOTS = 1 << SLOT_BITS;
const slotFlow: Array<FlowInfo | undefined> = new Array<FlowInfo | undefined>(SLOTS).fill(undefined);
const slotNames: Array<readonly string[] | undefined> = new Array<readonly string[] | undefined>(SLOTS).fill(undefined);
const slotToServer: string[] = new Array<string>(SLOTS).fill('');
const slotToClient: string[] = new Array<string>(SLOTS).fill('');
const slotSeed = new Int32Array(SLOTS).fill(-1);

function render(flow: FlowInfo, toClient: boolean, pcapFilename: string | undefined): string {
  const [sIp, sPort, dIp, dPort] = toClient
    ? [flow.serverIp, flow.serverPort, flow.clientIp, flow.clientPort]
    : [flow.clientIp, flow.clientPort, flow.serverIp, flow.serverPort];
  let s = `"flow_id":${flow.flowId},`;
  if (pcapFilename !== undefined) s += `"pcap_filename":${JSON.stringify(pcapFilename)},`;
  if (flow.vlan.length > 0) s += `"vlan":[${flow.vlan.join(',')}],`;
  s += `"src_ip":${JSON.stringify(sIp)},"src_port":${sPort},"dest_ip":${JSON.stringify(dIp)},"dest_port":${dPort},`;
  // community_id after proto, as Suricata's EVE has it; left out when the flow has none, as Suricata does.
  const id = flowCommunityId(flow);
  s += `"proto":"${flow.transport === 'udp' ? 'UDP' : 'TCP'}",` + (id === '' ? '' : `"community_id":"${id}",`);
  s += `"direction":"${toClient ? 'to_client' : 'to_server'}"`;
  return s;
}

function slotOf(flow: FlowInfo, sourceNames: readonly string[]): number {
  // flowId < 2^53: >>> 0 keeps its low 32 bits, which the multiply spreads over the slot bits.
  const slot = Math.imul(flow.flowId >>> 0, 0x9e3779b1) >>> (32 - SLOT_BITS);
  const seed = communityIdSeed();
  if (slotFlow[slot] !== flow || slotNames[slot] !== sourceNames || slotSeed[slot] !== seed) {
    const name = sourceNames[flow.sourceIndex];
    slotFlow[slot] = flow;
    slotNames[slot] = sourceNames;
    slotSeed[slot] = seed;
    slotToServer[slot] = render(flow, false, name);
    slotToClient[slot] = render(flow, true, name);
  }
  return slot;
}

/** JSON members (no braces) for flow id, file, vlan, endpoints, proto, community_id and direction. */
export function flowFields(flow: FlowInfo, direction: number, sourceNames: readonly string[]): string {
  const slot = slotOf(flow, sourceNames);
  return direction === 1 ? slotToClient[slot]! : slotToServer[slot]!;
}
