import { describe, expect, it } from 'vitest';
import { concat, dnsPayload, ipv4, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

const RAW = 101;
const PAYLOAD_OFF = 28;

describe('decodeUdp', () => {
  it('reads ports and the payload extent', () => {
    const r = runDecode(RAW, ipv4(17, udp(5353, 53, dnsPayload(33))));
    expect(r.ok).toBe(true);
    expect([r.out.protocol, r.out.srcPort, r.out.dstPort]).toEqual([17, 5353, 53]);
    expect([r.out.payloadOffset, r.out.payloadLength, r.out.payloadCaptured]).toEqual([PAYLOAD_OFF, 33, 33]);
  });

  it('reports a length below 8 with its ports and no payload', () => {
    for (const len of [0, 7]) {
      const r = runDecode(RAW, ipv4(17, udp(1, 53, dnsPayload(20), { len })));
      expect(r.ok).toBe(true);
      expect(r.weirds).toEqual({ bad_udp_length: 1 });
      expect([r.out.dstPort, r.out.payloadLength, r.out.payloadCaptured]).toEqual([53, 0, 0]);
    }
  });

  it('caps a length larger than the IP payload at the IP payload', () => {
    const r = runDecode(RAW, ipv4(17, udp(1, 53, dnsPayload(20), { len: 500 })));
    expect(r.ok).toBe(true);
    expect(r.weirds).toEqual({ udp_length_exceeds_ip_payload: 1 });
    expect([r.out.payloadLength, r.out.payloadCaptured]).toEqual([20, 20]);
  });

  it('stops at the UDP length when the IP packet carries more (zlip-style length 8)', () => {
    const r = runDecode(RAW, ipv4(17, udp(1, 53, dnsPayload(20), { len: 8 })));
    expect(r.ok).toBe(true);
    expect(r.weirds).toEqual({ udp_length_short_of_ip_payload: 1 });
    expect([r.out.payloadLength, r.out.payloadCaptured]).toEqual([0, 0]);
    const r2 = runDecode(RAW, ipv4(17, udp(1, 53, dnsPayload(20), { len: 18 })));
    expect([r2.out.payloadLength, r2.out.payloadCaptured]).toEqual([10, 10]);
  });

  it('reports an empty datagram (length 8) as a packet with no payload', () => {
    const r = runDecode(RAW, ipv4(17, udp(1, 53, new Uint8Array(0))));
    expect(r.ok).toBe(true);
    expect(r.weirds).toEqual({});
    expect(r.out.payloadLength).toBe(0);
  });

  it('counts truncated_udp for a datagram shorter than its header', () => {
    const r = runDecode(RAW, ipv4(17, concat(new Uint8Array([0, 53, 0, 53, 0]))));
    expect(r).toMatchObject({ ok: false, weirds: { truncated_udp: 1 } });
  });
});
