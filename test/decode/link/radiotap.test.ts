import { describe, expect, it } from 'vitest';
import { dnsPayload, dot11, ipv4, llcSnap, radiotap, udp } from '../build-frame.js';
import { runDecode } from '../run-decode.js';

const body = (): Uint8Array => llcSnap(0x0800, ipv4(17, udp(1, 53, dnsPayload())));

describe('decodeRadiotap / decodeIeee80211', () => {
  it('counts bad_radiotap_header for a non-zero version', () => {
    const b = radiotap(dot11(body()));
    b[0] = 1;
    expect(runDecode(127, b)).toMatchObject({ ok: false, weirds: { bad_radiotap_header: 1 } });
  });

  it('reaches IP in a plain (non-QoS) data frame', () => {
    const r = runDecode(127, radiotap(dot11(body())));
    expect(r.ok).toBe(true);
    expect(r.out.payloadOffset).toBe(16 + 24 + 8 + 28);
  });

  it('counts non_data_80211 for management frames and null-data frames', () => {
    expect(runDecode(127, radiotap(dot11(new Uint8Array(40), { type: 0, subtype: 8 })))).toMatchObject({
      ok: false,
      weirds: { non_data_80211: 1 },
    });
    expect(runDecode(127, radiotap(dot11(new Uint8Array(0), { subtype: 12 })))).toMatchObject({
      ok: false,
      weirds: { non_data_80211: 1 },
    });
  });

  it('counts encrypted_80211 for a protected body', () => {
    expect(runDecode(105, dot11(body(), { protected: true }))).toMatchObject({ ok: false, weirds: { encrypted_80211: 1 } });
  });

  it('counts non_ip_payload for LLC without SNAP', () => {
    const b = dot11(new Uint8Array([0x42, 0x42, 0x03, 0, 0, 0, 0, 0]));
    expect(runDecode(105, b)).toMatchObject({ ok: false, weirds: { non_ip_payload: 1 } });
  });
});
