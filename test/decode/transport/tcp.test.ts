import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_PSH, TCP_SYN } from '../../../src/decode/packet.js';
import { dnsPayload, ipv4, tcp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

const RAW = 101;

describe('decodeTcp', () => {
  it('reads seq and ack as signed 32-bit integers with the wire bits and keeps the flags byte', () => {
    const r = runDecode(RAW, ipv4(6, tcp(40000, 53, dnsPayload(14), { seq: 0xfffffff0, ack: 0x80000001, flags: TCP_ACK | TCP_PSH })));
    expect(r.ok).toBe(true);
    expect(r.out.tcpSeq).toBe(-16);
    expect(r.out.tcpSeq >>> 0).toBe(0xfffffff0);
    expect(r.out.tcpAck).toBe(0x80000001 | 0);
    expect(r.out.tcpAck >>> 0).toBe(0x80000001);
    expect(r.out.tcpFlags).toBe(TCP_ACK | TCP_PSH);
    expect([r.out.payloadOffset, r.out.payloadLength, r.out.payloadCaptured]).toEqual([40, 14, 14]);
  });

  it('skips options per the data offset', () => {
    const r = runDecode(RAW, ipv4(6, tcp(40000, 53, new Uint8Array(0), { flags: TCP_SYN, options: [2, 4, 5, 0xb4, 1, 1, 4, 2] })));
    expect(r.ok).toBe(true);
    expect([r.out.payloadOffset, r.out.payloadLength]).toEqual([48, 0]);
  });

  it('rejects a data offset below 5 words or past the IP payload', () => {
    expect(runDecode(RAW, ipv4(6, tcp(1, 53, dnsPayload(), { dataOffsetWords: 4 })))).toMatchObject({
      ok: false,
      weirds: { bad_tcp_header_length: 1 },
    });
    expect(runDecode(RAW, ipv4(6, tcp(1, 53, new Uint8Array(8), { dataOffsetWords: 15 })))).toMatchObject({
      ok: false,
      weirds: { bad_tcp_header_length: 1 },
    });
  });
});
