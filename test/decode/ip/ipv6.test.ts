import { describe, expect, it } from 'vitest';
import { MAX_IPV6_EXT_HEADERS } from '../../../src/decode/ip/ipv6.js';
import { concat, dnsPayload, ethernet, ext8, fragHdr, ipv4, ipv6, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

const ETH = 14;

describe('decodeIpv6', () => {
  it('counts bad_ip_version when ethertype IPv6 carries an IPv4 header', () => {
    const r = runDecode(1, ethernet(0x86dd, concat(ipv4(17, udp(1, 53, dnsPayload())), new Uint8Array(20))));
    expect(r).toMatchObject({ ok: false, weirds: { bad_ip_version: 1 } });
  });

  it('bounds the extension header chain', () => {
    let rest = udp(1, 53, dnsPayload());
    for (let i = 0; i < MAX_IPV6_EXT_HEADERS + 1; i++) rest = concat(ext8(i === 0 ? 17 : 60), rest);
    const r = runDecode(1, ethernet(0x86dd, ipv6(60, rest)));
    expect(r).toMatchObject({ ok: false, weirds: { ipv6_ext_header_chain_too_long: 1 } });

    let ok = udp(1, 53, dnsPayload());
    for (let i = 0; i < MAX_IPV6_EXT_HEADERS; i++) ok = concat(ext8(i === 0 ? 17 : 60), ok);
    expect(runDecode(1, ethernet(0x86dd, ipv6(60, ok))).ok).toBe(true);
  });

  it('counts an extension header whose length runs past the payload length', () => {
    const hbh = ext8(17, 0);
    hbh[1] = 200; // claims 1608 bytes
    const r = runDecode(1, ethernet(0x86dd, ipv6(0, concat(hbh, udp(1, 53, dnsPayload())))));
    expect(r).toMatchObject({ ok: false, weirds: { truncated_ipv6_ext_header: 1 } });
  });

  it('marks a first fragment and keeps the datagram length from the UDP header', () => {
    const whole = udp(53, 40000, dnsPayload(3000));
    const r = runDecode(1, ethernet(0x86dd, ipv6(44, concat(fragHdr(17, 0, true), whole.subarray(0, 1448)))));
    expect(r.ok).toBe(true);
    expect(r.weirds).toEqual({});
    expect(r.out.firstFragment).toBe(true);
    expect(r.out.payloadOffset).toBe(ETH + 40 + 8 + 8);
    expect(r.out.payloadLength).toBe(3000);
    expect(r.out.payloadCaptured).toBe(1440);
  });

  it('treats an atomic fragment (offset 0, M=0) as a whole datagram', () => {
    const r = runDecode(1, ethernet(0x86dd, ipv6(44, concat(fragHdr(17, 0, false), udp(53, 1, dnsPayload(20))))));
    expect(r.ok).toBe(true);
    expect(r.out.firstFragment).toBe(false);
    expect(r.out.payloadLength).toBe(20);
  });

  it('never decodes a non-initial fragment', () => {
    const r = runDecode(1, ethernet(0x86dd, ipv6(44, concat(fragHdr(17, 181, false), udp(53, 53, dnsPayload())))));
    expect(r).toMatchObject({ ok: false, weirds: { ip_fragment_noninitial: 1 } });
  });

  it('uses the frame for a zero payload length (jumbogram)', () => {
    const r = runDecode(1, ethernet(0x86dd, ipv6(17, udp(1, 53, dnsPayload(40)), { payloadLen: 0 })));
    expect(r.ok).toBe(true);
    expect(r.out.payloadLength).toBe(40);
  });

  it('counts a payload length past the wire frame and uses what was captured', () => {
    const r = runDecode(1, ethernet(0x86dd, ipv6(17, udp(1, 53, dnsPayload(40)), { payloadLen: 4000 })));
    expect(r.ok).toBe(true);
    expect(r.weirds.ip_total_length_exceeds_frame).toBe(1);
    expect(r.out.payloadCaptured).toBe(40);
  });

  it('does not report the UDP header quoted by ICMPv6 or after No Next Header', () => {
    const quoted = ipv6(17, udp(40000, 53, dnsPayload()));
    const r = runDecode(1, ethernet(0x86dd, ipv6(58, concat(new Uint8Array([1, 4, 0, 0, 0, 0, 0, 0]), quoted))));
    expect(r).toMatchObject({ ok: false, weirds: { unhandled_ip_protocol: 1 } });
    const nnh = runDecode(1, ethernet(0x86dd, ipv6(0, concat(ext8(59), udp(1, 53, dnsPayload())))));
    expect(nnh).toMatchObject({ ok: false, weirds: { unhandled_ip_protocol: 1 } });
  });
});
