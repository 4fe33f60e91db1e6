import type { FlowKey } from './flow-key.js';
import { formatIpWords, putIpWords } from './ip-format.js';
import type { FlowInfo, Transport } from './sample.js';

export const NO_VLAN: readonly number[] = Object.freeze([]);

/**
 * FlowInfo as the flow assembler makes it (on demand, see FlowResolver): the address
 * text is built on first read. Consumers that make FlowInfos for every row
 * (evaluation, training) read only the transport, and formatting addresses
 * eagerly was two strings per flow that outlived several scavenges. The
 * addresses are kept as the flow key's 32-bit words (see FlowKey).
 */
export class AssembledFlowInfo implements FlowInfo {
  private cText: string | undefined = undefined;
  private sText: string | undefined = undefined;
  /** See FlowInfo: filled by the first string record of the flow (declared here so every instance has one shape). */
  communityId: string | undefined = undefined;
  communityIdSeed = -1;
  private readonly c0: number;
  private readonly c1: number;
  private readonly c2: number;
  private readonly c3: number;
  private readonly s0: number;
  private readonly s1: number;
  private readonly s2: number;
  private readonly s3: number;

  constructor(
    readonly flowId: number,
    readonly transport: Transport,
    readonly clientPort: number,
    readonly serverPort: number,
    readonly ipVersion: 4 | 6,
    readonly vlan: readonly number[],
    readonly sourceIndex: number,
    key: FlowKey,
    clientIsA: boolean,
  ) {
    this.c0 = clientIsA ? key.a0 : key.b0;
    this.c1 = clientIsA ? key.a1 : key.b1;
    this.c2 = clientIsA ? key.a2 : key.b2;
    this.c3 = clientIsA ? key.a3 : key.b3;
    this.s0 = clientIsA ? key.b0 : key.a0;
    this.s1 = clientIsA ? key.b1 : key.a1;
    this.s2 = clientIsA ? key.b2 : key.a2;
    this.s3 = clientIsA ? key.b3 : key.a3;
  }

  get clientIp(): string {
    this.cText ??= formatIpWords(this.ipVersion, this.c0, this.c1, this.c2, this.c3);
    return this.cText;
  }

  get serverIp(): string {
    this.sText ??= formatIpWords(this.ipVersion, this.s0, this.s1, this.s2, this.s3);
    return this.sText;
  }

  /**
   * Writes the text of clientIp (or serverIp) at p and returns its end, as
   * putIpWords does. Output formatters use it so that a flow needs no
   * address string.
   */
  putIp(dv: DataView, p: number, server: boolean): number {
    return server
      ? putIpWords(dv, p, this.ipVersion, this.s0, this.s1, this.s2, this.s3)
      : putIpWords(dv, p, this.ipVersion, this.c0, this.c1, this.c2, this.c3);
  }

  /** Fills `t` with the 5-tuple the Community ID hashes (client as A, addresses as the key's words), without allocating. */
  fillTuple(t: {
    ipVersion: 4 | 6;
    proto: number;
    a0: number;
    a1: number;
    a2: number;
    a3: number;
    portA: number;
    b0: number;
    b1: number;
    b2: number;
    b3: number;
    portB: number;
  }): void {
    t.ipVersion = this.ipVersion;
    t.proto = this.transport === 'tcp' ? 6 : 17;
    t.a0 = this.c0;
    t.a1 = this.c1;
    t.a2 = this.c2;
    t.a3 = this.c3;
    t.portA = this.clientPort;
    t.b0 = this.s0;
    t.b1 = this.s1;
    t.b2 = this.s2;
    t.b3 = this.s3;
    t.portB = this.serverPort;
  }

  /** Own enumerable fields a plain FlowInfo would have (for logs and test diffs). */
  toJSON(): FlowInfo {
    const { flowId, transport, clientIp, clientPort, serverIp, serverPort, ipVersion, vlan, sourceIndex } = this;
    return { flowId, transport, clientIp, clientPort, serverIp, serverPort, ipVersion, vlan, sourceIndex };
  }
}
