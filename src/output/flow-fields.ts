import type { FlowInfo } from '../flow/sample.js';

/**
 * The EVE endpoint fields of a flow, rendered once per flow and direction
 * and reused for every record of that flow. `src_*` is the sender of the
 * packet, as in Suricata's EVE, so it flips with the direction.
 */
const cache = new WeakMap<FlowInfo, [string, string]>();

function render(flow: FlowInfo, toClient: boolean, pcapFilename: string | undefined): string {
  const [sIp, sPort, dIp, dPort] = toClient
    ? [flow.serverIp, flow.serverPort, flow.clientIp, flow.clientPort]
    : [flow.clientIp, flow.clientPort, flow.serverIp, flow.serverPort];
  let s = `"flow_id":${flow.flowId},`;
  if (pcapFilename !== undefined) s += `"pcap_filename":${JSON.stringify(pcapFilename)},`;
  if (flow.vlan.length > 0) s += `"vlan":[${flow.vlan.join(',')}],`;
  s += `"src_ip":${JSON.stringify(sIp)},"src_port":${sPort},"dest_ip":${JSON.stringify(dIp)},"dest_port":${dPort},`;
  s += `"proto":"${flow.transport === 'udp' ? 'UDP' : 'TCP'}","direction":"${toClient ? 'to_client' : 'to_server'}"`;
  return s;
}

/** JSON members (no braces) for flow id, file, vlan, endpoints, proto and direction. */
export function flowFields(flow: FlowInfo, direction: number, sourceNames: readonly string[]): string {
  let pair = cache.get(flow);
  if (pair === undefined) {
    const name = sourceNames[flow.sourceIndex];
    pair = [render(flow, false, name), render(flow, true, name)];
    cache.set(flow, pair);
  }
  return pair[direction === 1 ? 1 : 0];
}
