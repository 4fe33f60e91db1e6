import { describe, expect, it } from 'vitest';
import { concat, dnsPayload, ipv4, ppp, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

const v4 = (): Uint8Array => ipv4(17, udp(1, 53, dnsPayload()));

describe('decodePpp', () => {
  it('accepts the protocol without address/control bytes, in full and compressed form', () => {
    const full = runDecode(9, ppp(0x0021, v4(), false));
    expect(full.ok).toBe(true);
    expect(full.out.payloadOffset).toBe(2 + 28);
    const compressed = runDecode(9, concat(new Uint8Array([0x21]), v4()));
    expect(compressed.ok).toBe(true);
    expect(compressed.out.payloadOffset).toBe(1 + 28);
  });

  it('counts non_ip_payload for LCP', () => {
    expect(runDecode(50, ppp(0xc021, new Uint8Array(10)))).toMatchObject({ ok: false, weirds: { non_ip_payload: 1 } });
  });

  it('reads Cisco HDLC framing on the PPP_HDLC link type', () => {
    const r = runDecode(50, concat(new Uint8Array([0x8f, 0x00, 0x08, 0x00]), v4()));
    expect(r.ok).toBe(true);
    expect(r.out.payloadOffset).toBe(4 + 28);
  });
});
