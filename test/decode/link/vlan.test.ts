import { describe, expect, it } from 'vitest';
import { concat, dnsPayload, ethernet, ipv4, udp, vlanTag } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

const v4 = (): Uint8Array => ipv4(17, udp(1, 53, dnsPayload()));

describe('decodeVlan', () => {
  it('masks priority bits off the VLAN id', () => {
    const r = runDecode(1, ethernet(0x8100, concat(vlanTag(0xabc, 0x0800, 5), v4())));
    expect(r.ok).toBe(true);
    expect(r.out.vlan0).toBe(0xabc);
  });

  it('keeps the two outermost ids of a triple-tagged frame and still reaches IP', () => {
    const r = runDecode(1, ethernet(0x88a8, concat(vlanTag(1, 0x8100), vlanTag(2, 0x8100), vlanTag(3, 0x0800), v4())));
    expect(r.ok).toBe(true);
    expect([r.out.vlan0, r.out.vlan1]).toEqual([1, 2]);
    expect(r.out.payloadOffset).toBe(14 + 12 + 28);
  });

  it('counts unknown_ethertype for an unknown inner type', () => {
    const r = runDecode(1, ethernet(0x8100, concat(vlanTag(9, 0x88b5), v4())));
    expect(r).toMatchObject({ ok: false, weirds: { unknown_ethertype: 1 } });
  });
});
