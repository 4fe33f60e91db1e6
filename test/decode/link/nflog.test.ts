import { describe, expect, it } from 'vitest';
import { dnsPayload, ipv4, ipv6, nflog, NFULA_PACKET_HDR, NFULA_PAYLOAD, NFULA_PREFIX, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

describe('decodeNflog', () => {
  it('walks padded TLVs to the payload attribute (odd-length prefix before it)', () => {
    const ip = ipv6(17, udp(1, 53, dnsPayload(13)));
    const b = nflog(10, [
      { type: NFULA_PACKET_HDR, value: new Uint8Array([0x86, 0xdd, 3, 0]) },
      { type: NFULA_PREFIX, value: new Uint8Array([0x61, 0x62, 0]) },
      { type: NFULA_PAYLOAD, value: ip },
    ]);
    const r = runDecode(239, b);
    expect(r.ok).toBe(true);
    // 4 header + 8 packet-hdr TLV + 8 (7 padded) prefix TLV + 4 payload TLV header.
    expect(r.out.payloadOffset).toBe(24 + 48);
    expect(r.out.payloadLength).toBe(13);
  });

  it('ignores netlink flag bits in the TLV type', () => {
    const r = runDecode(239, nflog(2, [{ type: NFULA_PAYLOAD | 0x4000, value: ipv4(17, udp(1, 53, dnsPayload())) }]));
    expect(r.ok).toBe(true);
  });

  it('counts nflog_no_payload when the log entry has no packet', () => {
    const r = runDecode(239, nflog(2, [{ type: NFULA_PREFIX, value: new Uint8Array([0x61, 0]) }]));
    expect(r).toMatchObject({ ok: false, weirds: { nflog_no_payload: 1 } });
  });

  it('stops on a TLV length below its own header instead of looping', () => {
    const b = nflog(2, [{ type: NFULA_PREFIX, value: new Uint8Array(8) }]);
    b[4] = 0;
    b[5] = 0;
    expect(runDecode(239, b)).toMatchObject({ ok: false, weirds: { truncated_nflog: 1 } });
  });
});
