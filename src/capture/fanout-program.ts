import { endianness } from 'node:os';
import { UsageError } from '../errors.js';

/**
 * The classic BPF program of `dnsae live --workers N`'s AF_PACKET fanout
 * group (PACKET_FANOUT_CBPF): the kernel sends each frame to member
 * `program(frame) % N`. It returns clientHash of the frame's client address
 * (src/flow/flow-share.ts), so all of a client's flows, both directions of
 * each, reach one worker: the question stage's (client, registered domain)
 * windows and its fan-out need every flow of a client. The client is what
 * flow-share.ts takes: the endpoint not on a DNS port; with both or neither
 * on one, the lower endpoint of the canonical key (address, then port).
 *
 * The kernel runs the program before the link header has been pulled on
 * transmit but after it on receive, so every load is relative to the
 * network header (SKF_NET_OFF), which both paths set. On receive the kernel
 * has taken the outer VLAN tag out of the frame; a second tag (QinQ) is
 * still in front of the IP header, and up to two such tags are stepped
 * over.
 *
 * Without ports to read, what keeps a flow whole is chosen instead: an IP
 * fragment (IPv4 with MF or an offset, IPv6 with a fragment header) goes by
 * its destination, since the fragmented datagrams of DNS are answers, which
 * then meet the rest of their client's flows (a fragmented query goes to
 * its server's member instead); another protocol (GRE, ESP...) goes by the
 * lower of its two addresses, the same in both directions. Frames that are
 * not IP go to member 0.
 */

/** Loads relative to the network header (linux/filter.h). */
export const SKF_NET_OFF = -0x100000;
/** Ancillary data: SKF_AD_OFF + SKF_AD_PROTOCOL is skb->protocol in host order. */
export const SKF_AD_PROTOCOL_OFF = -0x1000;

/** Ports a frame is checked against with one comparison each. */
export const MAX_FANOUT_PORTS = 64;

// Classic BPF opcodes (linux/bpf_common.h).
const LD = 0x00;
const LDX = 0x01;
const ST = 0x02;
const ALU = 0x04;
const JMP = 0x05;
const RET = 0x06;
const MISC = 0x07;
const W = 0x00;
const H = 0x08;
const B = 0x10;
const IMM = 0x00;
const ABS = 0x20;
const IND = 0x40;
const MEM = 0x60;
const K = 0x00;
const X = 0x08;
const ADD = 0x00;
const MUL = 0x20;
const AND = 0x50;
const LSH = 0x60;
const RSH = 0x70;
const XOR = 0xa0;
const JA = 0x00;
const JEQ = 0x10;
const JGT = 0x20;
const JSET = 0x40;
const TAX = 0x00;
const RET_A = 0x10;

export interface BpfInsn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** An instruction whose jump targets are labels, resolved when the program is assembled. */
interface Pending {
  code: number;
  jt?: string;
  jf?: string;
  /** For `ja`: the label k jumps to. */
  ja?: string;
  k: number;
}

class Assembler {
  private readonly code: Pending[] = [];
  private readonly labels = new Map<string, number>();

  label(name: string): void {
    if (this.labels.has(name)) throw new Error(`fanout program: label ${name} twice`);
    this.labels.set(name, this.code.length);
  }

  op(code: number, k = 0): void {
    this.code.push({ code, k: k >>> 0 });
  }

  /** A conditional jump: to `jt` when true, else `jf` (undefined: the next instruction). */
  jump(code: number, k: number, jt: string | undefined, jf: string | undefined): void {
    this.code.push({ code, k: k >>> 0, ...(jt === undefined ? {} : { jt }), ...(jf === undefined ? {} : { jf }) });
  }

  /** A conditional jump to a label farther than a conditional can reach: through a `ja` after it. */
  jumpFar(code: number, k: number, to: string): void {
    const skip = `far-${this.code.length}`;
    this.jump(code, k, undefined, skip);
    this.ja(to);
    this.label(skip);
  }

  ja(to: string): void {
    this.code.push({ code: JMP | JA, ja: to, k: 0 });
  }

  assemble(): BpfInsn[] {
    const at = (name: string | undefined, i: number): number => {
      if (name === undefined) return 0;
      const t = this.labels.get(name);
      if (t === undefined) throw new Error(`fanout program: no label ${name}`);
      const off = t - i - 1;
      if (off < 0) throw new Error(`fanout program: backward jump to ${name}`);
      return off;
    };
    return this.code.map((p, i) => {
      if (p.ja !== undefined) return { code: p.code, jt: 0, jf: 0, k: at(p.ja, i) };
      const jt = at(p.jt, i);
      const jf = at(p.jf, i);
      if (jt > 255 || jf > 255) throw new Error('fanout program: a conditional jump is longer than 255 instructions');
      return { code: p.code, jt, jf, k: p.k };
    });
  }
}

// Scratch memory slots.
const M_BASE = 0; // offset of the IP header from the network header (VLAN tags in front)
const M_SRC_DNS = 1;
const M_DST_DNS = 2;
const M_SPORT = 3;
const M_DPORT = 4;
const M_TMP = 5;
const M_L4 = 6;

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_8021Q = 0x8100;
const ETH_P_8021AD = 0x88a8;

/** h ^= h >>> s on A (clobbers X). */
function xorShift(a: Assembler, s: number): void {
  a.op(MISC | TAX);
  a.op(ALU | RSH | K, s);
  a.op(ALU | XOR | X);
}

/** A = fmix32(A), as src/flow/flow-key.ts computes it (clobbers X). */
function fmix32(a: Assembler): void {
  xorShift(a, 16);
  a.op(ALU | MUL | K, 0x85ebca6b);
  xorShift(a, 13);
  a.op(ALU | MUL | K, 0xc2b2ae35);
  xorShift(a, 16);
}

/** Returns clientHash of the address of `words` 32-bit words at network offset `off` past the IP header's base. */
function hashAddress(a: Assembler, off: number, words: 1 | 4): void {
  a.op(LDX | W | MEM, M_BASE);
  a.op(LD | W | IND, SKF_NET_OFF + off);
  a.op(ALU | XOR | K, 0x5bd1e995);
  fmix32(a);
  for (let i = 1; i < 4; i++) {
    if (i < words) {
      a.op(ST, M_TMP);
      a.op(LDX | W | MEM, M_BASE);
      a.op(LD | W | IND, SKF_NET_OFF + off + 4 * i);
      a.op(MISC | TAX);
      a.op(LD | W | MEM, M_TMP);
      a.op(ALU | XOR | X);
    }
    // IPv4: h ^ 0, as clientHash's three zero words.
    fmix32(a);
  }
  a.op(RET | RET_A);
}

/** M[slot] = 1 when A is one of `ports`, else 0. */
function portFlag(a: Assembler, ports: readonly number[], slot: number, name: string): void {
  for (const p of ports) a.jump(JMP | JEQ | K, p, `${name}-yes`, undefined);
  a.op(LD | W | IMM, 0);
  a.ja(`${name}-store`);
  a.label(`${name}-yes`);
  a.op(LD | W | IMM, 1);
  a.label(`${name}-store`);
  a.op(ST, slot);
}

/**
 * Compares the source and destination addresses (`words` words from
 * `srcOff` and `dstOff`) as unsigned big-endian numbers, then the ports in
 * M_SPORT and M_DPORT, and jumps to `src` when the source is the lower (or
 * equal) endpoint, else to `dst`.
 */
function lowerEndpoint(a: Assembler, srcOff: number, dstOff: number, words: 1 | 4, src: string, dst: string): void {
  for (let i = 0; i < words; i++) {
    a.op(LDX | W | MEM, M_BASE);
    a.op(LD | W | IND, SKF_NET_OFF + srcOff + 4 * i);
    a.op(ST, M_TMP);
    a.op(LD | W | IND, SKF_NET_OFF + dstOff + 4 * i);
    a.op(MISC | TAX);
    a.op(LD | W | MEM, M_TMP);
    // A = src word, X = dst word.
    a.jump(JMP | JGT | X, 0, dst, undefined);
    a.jump(JMP | JEQ | X, 0, undefined, src);
  }
  a.op(LDX | W | MEM, M_DPORT);
  a.op(LD | W | MEM, M_SPORT);
  a.jump(JMP | JGT | X, 0, dst, src);
}

/** The client choice and hash of one IP version, from the IP header at M_BASE. */
function ipVersion(a: Assembler, v: 4 | 6, ports: readonly number[]): void {
  const p = `v${v}`;
  const srcOff = v === 4 ? 12 : 8;
  const dstOff = v === 4 ? 16 : 24;
  const words = v === 4 ? 1 : 4;
  a.label(p);
  a.op(ST, M_BASE);
  a.op(LDX | W | MEM, M_BASE);
  if (v === 4) {
    // Flags and fragment offset: MF or an offset is a fragment.
    a.op(LD | H | IND, SKF_NET_OFF + 6);
    a.jumpFar(JMP | JSET | K, 0x3fff, `${p}-client-dst`);
    a.op(LD | B | IND, SKF_NET_OFF + 9);
  } else {
    a.op(LD | B | IND, SKF_NET_OFF + 6);
    a.jumpFar(JMP | JEQ | K, 44, `${p}-client-dst`);
  }
  a.jump(JMP | JEQ | K, 6, `${p}-ports`, undefined);
  a.jump(JMP | JEQ | K, 17, `${p}-ports`, undefined);
  // No ports: the lower address, ports counted equal.
  a.op(LD | W | IMM, 0);
  a.op(ST, M_SPORT);
  a.op(ST, M_DPORT);
  a.ja(`${p}-lower`);

  a.label(`${p}-ports`);
  if (v === 4) {
    a.op(LD | B | IND, SKF_NET_OFF + 0);
    a.op(ALU | AND | K, 0x0f);
    a.op(ALU | LSH | K, 2);
  } else {
    a.op(LD | W | IMM, 40);
  }
  a.op(ALU | ADD | X);
  a.op(ST, M_L4);
  a.op(MISC | TAX);
  a.op(LD | H | IND, SKF_NET_OFF + 0);
  a.op(ST, M_SPORT);
  portFlag(a, ports, M_SRC_DNS, `${p}-sport`);
  a.op(LDX | W | MEM, M_L4);
  a.op(LD | H | IND, SKF_NET_OFF + 2);
  a.op(ST, M_DPORT);
  portFlag(a, ports, M_DST_DNS, `${p}-dport`);
  // M_DST_DNS is in A.
  a.op(LDX | W | MEM, M_SRC_DNS);
  a.jump(JMP | JEQ | X, 0, `${p}-lower`, undefined);
  a.jump(JMP | JEQ | K, 1, `${p}-client-src`, `${p}-client-dst`);

  a.label(`${p}-lower`);
  lowerEndpoint(a, srcOff, dstOff, words, `${p}-client-src`, `${p}-client-dst`);
  a.label(`${p}-client-src`);
  hashAddress(a, srcOff, words);
  a.label(`${p}-client-dst`);
  hashAddress(a, dstOff, words);
}

/** The program for DNS ports `ports` (a pipeline's --ports). */
export function fanoutProgram(ports: Iterable<number>): BpfInsn[] {
  const list = [...new Set(ports)].filter((p) => Number.isInteger(p) && p >= 0 && p <= 0xffff).sort((x, y) => x - y);
  if (list.length > MAX_FANOUT_PORTS) throw new UsageError(`--workers above 1 takes at most ${MAX_FANOUT_PORTS} DNS ports, got ${list.length}`);
  const a = new Assembler();
  /** The ethertype behind a tag still in the frame, `base` bytes of tags in front of the IP header. */
  const inner = (base: number, next: string | undefined): void => {
    a.op(LD | H | ABS, SKF_NET_OFF + base - 2);
    a.jump(JMP | JEQ | K, ETH_P_IP, `t${base}-v4`, undefined);
    a.jump(JMP | JEQ | K, ETH_P_IPV6, `t${base}-v6`, undefined);
    if (next !== undefined) {
      a.jump(JMP | JEQ | K, ETH_P_8021Q, next, undefined);
      a.jump(JMP | JEQ | K, ETH_P_8021AD, next, undefined);
    }
    a.ja('not-ip');
    a.label(`t${base}-v4`);
    a.op(LD | W | IMM, base);
    a.ja('v4');
    a.label(`t${base}-v6`);
    a.op(LD | W | IMM, base);
    a.ja('v6');
  };

  // A = the offset of the IP header from the network header, on entry to v4 and v6.
  a.op(LD | W | ABS, SKF_AD_PROTOCOL_OFF);
  a.jump(JMP | JEQ | K, ETH_P_IP, 'p-v4', undefined);
  a.jump(JMP | JEQ | K, ETH_P_IPV6, 'p-v6', undefined);
  a.jump(JMP | JEQ | K, ETH_P_8021Q, 'tag1', undefined);
  a.jump(JMP | JEQ | K, ETH_P_8021AD, 'tag1', 'not-ip');
  a.label('p-v4');
  a.op(LD | W | IMM, 0);
  a.ja('v4');
  a.label('p-v6');
  a.op(LD | W | IMM, 0);
  a.ja('v6');
  // A tag the kernel left in the frame (the inner one of QinQ): 4 bytes, its last two the next ethertype.
  a.label('tag1');
  inner(4, 'tag2');
  a.label('tag2');
  inner(8, undefined);
  a.label('not-ip');
  a.op(RET | K, 0);
  ipVersion(a, 4, list);
  ipVersion(a, 6, list);
  return a.assemble();
}

/** The program as the kernel takes it: struct sock_filter, 8 bytes each, host byte order. */
export function encodeProgram(program: readonly BpfInsn[]): Buffer {
  const b = Buffer.alloc(program.length * 8);
  const le = endianness() === 'LE';
  program.forEach((insn, i) => {
    const o = i * 8;
    if (le) {
      b.writeUInt16LE(insn.code, o);
      b.writeUInt32LE(insn.k >>> 0, o + 4);
    } else {
      b.writeUInt16BE(insn.code, o);
      b.writeUInt32BE(insn.k >>> 0, o + 4);
    }
    b[o + 2] = insn.jt;
    b[o + 3] = insn.jf;
  });
  return b;
}
