import { describe, expect, it } from 'vitest';
import { concat, dnsPayload, ethernet, ipv4, ipv6, pppoeSession, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

describe('decodePppoeSession', () => {
  it('reaches IPv6 through PPP protocol 0x0057', () => {
    const r = runDecode(1, ethernet(0x8864, pppoeSession(0x0057, ipv6(17, udp(1, 53, dnsPayload(12))))));
    expect(r.ok).toBe(true);
    expect(r.out.ipVersion).toBe(6);
    expect(r.out.payloadOffset).toBe(14 + 8 + 48);
  });

  it('counts pppoe_non_ip for LCP and other control protocols', () => {
    const r = runDecode(1, ethernet(0x8864, pppoeSession(0xc021, new Uint8Array(20))));
    expect(r).toMatchObject({ ok: false, weirds: { pppoe_non_ip: 1 } });
  });

  it('bounds the packet by the PPPoE length before the IP layer sees padding', () => {
    // IPv4 total length 0 makes IP trust its caller's bound: the PPPoE length.
    const ip = ipv4(17, udp(1, 53, dnsPayload(10)), { totalLen: 0 });
    const r = runDecode(1, concat(ethernet(0x8864, pppoeSession(0x0021, ip)), new Uint8Array(20)));
    expect(r.ok).toBe(true);
    expect(r.out.payloadLength).toBe(10);
  });

  it('counts truncated_pppoe when the length field cannot hold the PPP protocol', () => {
    const r = runDecode(1, ethernet(0x8864, pppoeSession(0x0021, ipv4(17, udp(1, 53, dnsPayload())), 1)));
    expect(r).toMatchObject({ ok: false, weirds: { truncated_pppoe: 1 } });
  });
});
