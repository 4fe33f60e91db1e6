import { describe, expect, it } from 'vitest';
import { concat, dnsPayload, ipv4, ipv6, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

describe('raw IP link types', () => {
  it('LINKTYPE_IPV4 carrying IPv6 counts bad_ip_version', () => {
    expect(runDecode(228, ipv6(17, udp(1, 53, dnsPayload())))).toMatchObject({ ok: false, weirds: { bad_ip_version: 1 } });
  });

  it('LINKTYPE_IPV6 carrying IPv4 counts bad_ip_version', () => {
    const v4 = concat(ipv4(17, udp(1, 53, dnsPayload())), new Uint8Array(20));
    expect(runDecode(229, v4)).toMatchObject({ ok: false, weirds: { bad_ip_version: 1 } });
  });

  it('LINKTYPE_RAW rejects a version nibble other than 4 or 6', () => {
    const b = ipv4(17, udp(1, 53, dnsPayload()));
    b[0] = 0x55;
    expect(runDecode(101, b)).toMatchObject({ ok: false, weirds: { bad_ip_version: 1 } });
  });
});
