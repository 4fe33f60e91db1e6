import { describe, expect, it } from 'vitest';
import { concat, dnsPayload, ethernet, ipv4, ipv6, tcp, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

const ETH = 14;

describe('decodeIpv4', () => {
  it('counts bad_ip_version when ethertype IPv4 carries an IPv6 header', () => {
    const r = runDecode(1, ethernet(0x0800, ipv6(17, udp(1, 53, dnsPayload()))));
    expect(r).toMatchObject({ ok: false, weirds: { bad_ip_version: 1 } });
  });

  it('drops an IHL below 5 words as bad_ipv4_header_length', () => {
    const r = runDecode(1, ethernet(0x0800, ipv4(17, udp(1, 53, dnsPayload()), { ihl: 4 })));
    expect(r).toMatchObject({ ok: false, weirds: { bad_ipv4_header_length: 1 } });
  });

  it('drops a total length smaller than the header', () => {
    const r = runDecode(1, ethernet(0x0800, ipv4(17, udp(1, 53, dnsPayload()), { totalLen: 19 })));
    expect(r).toMatchObject({ ok: false, weirds: { ip_total_length_too_small: 1 } });
  });

  it('uses the frame when the total length is zero (segmentation offload)', () => {
    const p = dnsPayload(30);
    const r = runDecode(1, ethernet(0x0800, ipv4(17, udp(1, 53, p), { totalLen: 0 })));
    expect(r.ok).toBe(true);
    expect(r.weirds).toEqual({ ipv4_total_length_zero: 1 });
    expect(r.out.payloadLength).toBe(30);
  });

  it('uses what was captured when the total length exceeds the wire frame', () => {
    const p = dnsPayload(30);
    const r = runDecode(1, ethernet(0x0800, ipv4(17, udp(1, 53, p), { totalLen: 20 + 8 + 30 + 100 })));
    expect(r.ok).toBe(true);
    expect(r.weirds.ip_total_length_exceeds_frame).toBe(1);
    expect(r.out.payloadCaptured).toBe(30);
    expect(r.out.payloadLength).toBe(30);
  });

  it('does not count a weird when only the snaplen cut the packet', () => {
    const bytes = ethernet(0x0800, ipv4(17, udp(1, 53, dnsPayload(100))));
    const r = runDecode(1, bytes.subarray(0, ETH + 28 + 10), bytes.length);
    expect(r.ok).toBe(true);
    expect(r.weirds).toEqual({});
    expect(r.out.payloadCaptured).toBe(10);
    expect(r.out.payloadLength).toBe(100);
  });

  it('excludes Ethernet padding after the total length from the payload', () => {
    const bytes = concat(ethernet(0x0800, ipv4(17, udp(1, 53, dnsPayload(2)))), new Uint8Array(16).fill(0xee));
    const r = runDecode(1, bytes);
    expect(r.out.payloadCaptured).toBe(2);
    expect(r.out.payloadLength).toBe(2);
    expect(r.weirds).toEqual({});
  });

  it('decodes the transport header of a first fragment and marks it', () => {
    // 1400-byte DNS answer split at 1000 bytes of IP payload.
    const whole = udp(53, 40000, dnsPayload(1400));
    const first = whole.subarray(0, 1000);
    const r = runDecode(1, ethernet(0x0800, ipv4(17, first, { moreFragments: true })));
    expect(r.ok).toBe(true);
    expect(r.weirds).toEqual({});
    expect(r.out.firstFragment).toBe(true);
    expect(r.out.payloadLength).toBe(1400);
    expect(r.out.payloadCaptured).toBe(1000 - 8);
  });

  it('never turns a later fragment into a packet, even if its bytes look like UDP/53', () => {
    const r = runDecode(1, ethernet(0x0800, ipv4(17, udp(53, 53, dnsPayload()), { fragOffset: 125 })));
    expect(r).toMatchObject({ ok: false, weirds: { ip_fragment_noninitial: 1 } });
    const last = runDecode(1, ethernet(0x0800, ipv4(17, udp(53, 53, dnsPayload()), { fragOffset: 1, moreFragments: true })));
    expect(last).toMatchObject({ ok: false, weirds: { ip_fragment_noninitial: 1 } });
  });

  it('does not report the UDP header quoted inside an ICMP error', () => {
    const quoted = ipv4(17, udp(40000, 53, dnsPayload(8)));
    const icmp = concat(new Uint8Array([3, 3, 0, 0, 0, 0, 0, 0]), quoted);
    const r = runDecode(1, ethernet(0x0800, ipv4(1, icmp)));
    expect(r).toMatchObject({ ok: false, weirds: { unhandled_ip_protocol: 1 } });
    expect(r.out.protocol).toBe(1);
  });

  it('skips IPv4 options to reach the transport header', () => {
    const r = runDecode(1, ethernet(0x0800, ipv4(6, tcp(53, 1, dnsPayload(5)), { options: [0x94, 4, 0, 0, 1, 1, 1, 0] })));
    expect(r.ok).toBe(true);
    expect(r.out.payloadOffset).toBe(ETH + 28 + 20);
    expect(r.out.srcPort).toBe(53);
  });
});
