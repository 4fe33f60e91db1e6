import { describe, expect, it } from 'vitest';
import { dnsPayload, ipv4, ipv6, nullHeader, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

describe('decodeNullLoop', () => {
  for (const family of [10, 24, 28, 30]) {
    for (const le of [true, false]) {
      for (const linktype of [0, 108]) {
        it(`AF_INET6=${family} ${le ? 'little' : 'big'}-endian on linktype ${linktype}`, () => {
          const r = runDecode(linktype, nullHeader(family, le, ipv6(17, udp(1, 53, dnsPayload()))));
          expect(r.ok).toBe(true);
          expect(r.out.ipVersion).toBe(6);
        });
      }
    }
  }

  it('AF_INET in both byte orders', () => {
    for (const le of [true, false]) {
      const r = runDecode(0, nullHeader(2, le, ipv4(17, udp(1, 53, dnsPayload()))));
      expect(r.ok).toBe(true);
      expect(r.out.ipVersion).toBe(4);
    }
  });

  it('counts non_ip_payload for another address family', () => {
    // AF_APPLETALK (16 on several BSDs)
    expect(runDecode(0, nullHeader(16, true, new Uint8Array(30)))).toMatchObject({ ok: false, weirds: { non_ip_payload: 1 } });
  });
});
