import type { BpfInsn } from '../../src/capture/fanout-program.js';

/**
 * A classic BPF interpreter for the fanout program's tests, with the
 * kernel's semantics for what that program uses: a frame given from its
 * network header (where skb->data is on receive), loads at SKF_NET_OFF + k
 * relative to it, SKF_AD_PROTOCOL, 32-bit unsigned arithmetic, and a load
 * past the end ending the program with 0.
 */
const SKF_AD_OFF = -0x1000;
const SKF_NET_OFF = -0x100000;

export function runCbpf(program: readonly BpfInsn[], frame: Uint8Array, protocol: number): number {
  const M = new Uint32Array(16);
  let A = 0;
  let X = 0;
  const load = (k: number, size: number): number | undefined => {
    let off = k | 0;
    if (off < 0) {
      if (off < SKF_NET_OFF) return undefined;
      if (off >= SKF_AD_OFF) throw new Error(`unexpected ancillary offset ${off}`);
      off -= SKF_NET_OFF;
    }
    if (off + size > frame.length) return undefined;
    let v = 0;
    for (let i = 0; i < size; i++) v = v * 256 + frame[off + i]!;
    return v >>> 0;
  };
  for (let pc = 0; pc < program.length; pc++) {
    const { code, jt, jf, k } = program[pc]!;
    const cls = code & 0x07;
    const size = [4, 2, 1, 0][(code >> 3) & 0x03]!;
    const mode = code & 0xe0;
    switch (cls) {
      case 0x00: // LD
      case 0x01: {
        // LDX
        let v: number | undefined;
        if (mode === 0x00) v = k >>> 0;
        else if (mode === 0x60) v = M[k]!;
        else if (mode === 0x20 && cls === 0x00) v = (k | 0) === SKF_AD_OFF ? protocol : load(k, size);
        else if (mode === 0x40 && cls === 0x00) v = load((X + (k | 0)) | 0, size);
        else throw new Error(`unsupported load ${code.toString(16)}`);
        if (v === undefined) return 0;
        if (cls === 0x00) A = v;
        else X = v;
        break;
      }
      case 0x02:
        M[k] = A;
        break;
      case 0x03:
        M[k] = X;
        break;
      case 0x04: {
        const b = code & 0x08 ? X : k >>> 0;
        switch (code & 0xf0) {
          case 0x00: A = (A + b) >>> 0; break;
          case 0x20: A = Math.imul(A, b) >>> 0; break;
          case 0x50: A = (A & b) >>> 0; break;
          case 0x60: A = (A << b) >>> 0; break;
          case 0x70: A = A >>> b; break;
          case 0xa0: A = (A ^ b) >>> 0; break;
          default: throw new Error(`unsupported alu ${code.toString(16)}`);
        }
        break;
      }
      case 0x05: {
        const op = code & 0xf0;
        if (op === 0x00) {
          pc += k;
          break;
        }
        const b = code & 0x08 ? X : k >>> 0;
        const t = op === 0x10 ? A === b : op === 0x20 ? A > b : op === 0x30 ? A >= b : (A & b) !== 0;
        pc += t ? jt : jf;
        break;
      }
      case 0x06:
        return code & 0x10 ? A : k >>> 0;
      case 0x07:
        if (code === 0x07) X = A;
        else A = X;
        break;
    }
  }
  throw new Error('program ran off its end');
}
