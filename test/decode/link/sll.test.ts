import { describe, expect, it } from 'vitest';
import { dnsPayload, ipv4, sll, sll2, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

describe('decodeSll / decodeSll2', () => {
  it('counts ARP as non_ip_payload, not as an unknown ethertype', () => {
    expect(runDecode(113, sll(0x0806, new Uint8Array(28)))).toMatchObject({ ok: false, weirds: { non_ip_payload: 1 } });
    expect(runDecode(276, sll2(0x0806, new Uint8Array(28)))).toMatchObject({ ok: false, weirds: { non_ip_payload: 1 } });
  });

  it('counts an 802.2 pseudo-protocol as non_ip_payload', () => {
    expect(runDecode(113, sll(0x0004, new Uint8Array(28)))).toMatchObject({ ok: false, weirds: { non_ip_payload: 1 } });
  });

  it('finds IPv4 after the 16- and 20-byte headers', () => {
    const ip = ipv4(17, udp(1, 53, dnsPayload()));
    expect(runDecode(113, sll(0x0800, ip)).out.payloadOffset).toBe(16 + 28);
    expect(runDecode(276, sll2(0x0800, ip)).out.payloadOffset).toBe(20 + 28);
  });
});
