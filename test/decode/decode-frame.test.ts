import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecodedPacket } from '../../src/decode/packet.js';
import { LINKTYPE_TABLE } from '../../src/decode/tables.js';
import { WeirdCounters, type WeirdName } from '../../src/decode/weirds.js';
import { dnsPayload, ethernet, frame, ipv4, udp } from './build-frame.js';
import { frameCases, type FrameCase } from './cases.js';
import { strictBytes, strictWindow } from './strict-bytes.js';

/** The weird a cut inside each header must count, by frame-relative offset. */
function expectedWeird(c: FrameCase, cut: number): WeirdName {
  let o = 0;
  for (const l of c.layers) {
    if (cut < o + l.len) return l.weird;
    o += l.len;
  }
  throw new Error('cut is in the payload');
}

describe('decodeFrame on well-formed frames', () => {
  for (const c of frameCases()) {
    it(`${c.name}: addresses, ports, payload`, () => {
      const out = newDecodedPacket();
      const w = new WeirdCounters();
      expect(decodeFrame(frame(c.linktype, strictBytes(c.bytes)), out, w)).toBe(true);
      expect(w.toJSON()).toEqual({});
      expect(out.ipVersion).toBe(c.ipVersion);
      expect(out.protocol).toBe(c.protocol);
      expect(out.srcAddrOffset).toBe(c.srcAddrOffset);
      expect(out.dstAddrOffset).toBe(c.srcAddrOffset + (c.ipVersion === 4 ? 4 : 16));
      const sport = c.protocol === 17 ? 40000 : out.srcPort;
      expect(out.srcPort).toBe(sport);
      expect([out.srcPort, out.dstPort]).toContain(53);
      expect(out.payloadOffset).toBe(c.payloadOffset);
      expect(out.payloadLength).toBe(c.payloadEnd - c.payloadOffset);
      expect(out.payloadCaptured).toBe(c.payloadEnd - c.payloadOffset);
      expect(out.firstFragment).toBe(false);
      expect(out.vlan0).toBe(c.vlan0 ?? 0);
      expect(out.vlan1).toBe(c.vlan1 ?? 0);
      // The DNS ID of the payload builder sits at the payload offset.
      expect([c.bytes[out.payloadOffset], c.bytes[out.payloadOffset + 1]]).toEqual([0x12, 0x34]);
    });
  }
});

describe('decodeFrame on a frame inside a larger buffer', () => {
  for (const c of frameCases()) {
    it(`${c.name}: same result at offset 37 as alone, offsets shifted, at every cut`, () => {
      const pad = 37;
      const alone = newDecodedPacket();
      const inside = newDecodedPacket();
      for (let cut = 0; cut <= c.bytes.length; cut++) {
        const w1 = new WeirdCounters();
        const w2 = new WeirdCounters();
        const ok1 = decodeFrame(frame(c.linktype, strictBytes(c.bytes.subarray(0, cut)), c.bytes.length), alone, w1);
        const buf = strictWindow(c.bytes.subarray(0, cut), pad);
        const f = { ...frame(c.linktype, buf, c.bytes.length), offset: pad, capLen: cut };
        const ok2 = decodeFrame(f, inside, w2);
        expect({ cut, ok: ok2, weirds: w2.toJSON() }).toEqual({ cut, ok: ok1, weirds: w1.toJSON() });
        if (!ok1) continue;
        const shift = (p: typeof alone) => ({
          ...p,
          bytes: null,
          srcAddrOffset: p.srcAddrOffset - (p === inside ? pad : 0),
          dstAddrOffset: p.dstAddrOffset - (p === inside ? pad : 0),
          payloadOffset: p.payloadOffset - (p === inside ? pad : 0),
        });
        expect(shift(inside)).toEqual(shift(alone));
        expect(inside.bytes).toBe(buf);
      }
    });
  }
});

describe('decodeFrame under truncation at every offset', () => {
  for (const c of frameCases()) {
    it(`${c.name}: snaplen cut counts the weird of the header it falls in`, () => {
      const out = newDecodedPacket();
      for (let cut = 0; cut <= c.bytes.length; cut++) {
        const w = new WeirdCounters();
        const bytes = strictBytes(c.bytes.subarray(0, cut));
        const ok = decodeFrame(frame(c.linktype, bytes, c.bytes.length), out, w);
        if (cut < c.payloadOffset) {
          const name = expectedWeird(c, cut);
          expect({ cut, ok, weirds: w.toJSON() }).toEqual({ cut, ok: false, weirds: { [name]: 1 } });
        } else {
          expect({ cut, ok, weirds: w.toJSON() }).toEqual({ cut, ok: true, weirds: {} });
          expect(out.payloadOffset).toBe(c.payloadOffset);
          expect(out.payloadLength).toBe(c.payloadEnd - c.payloadOffset);
          expect(out.payloadCaptured).toBe(Math.min(cut, c.payloadEnd) - c.payloadOffset);
        }
      }
    });

    it(`${c.name}: a frame really that short never throws and counts a weird`, () => {
      const out = newDecodedPacket();
      for (let cut = 0; cut < c.bytes.length; cut++) {
        const w = new WeirdCounters();
        const ok = decodeFrame(frame(c.linktype, strictBytes(c.bytes.subarray(0, cut))), out, w);
        if (cut < c.payloadOffset) {
          expect(ok).toBe(false);
          const name = expectedWeird(c, cut);
          // When the wire frame itself is short, a TCP data offset past its
          // end is a lying length, and an NFLOG walk that ends on a TLV
          // boundary simply has no payload TLV.
          const alt: Partial<Record<WeirdName, WeirdName>> = { truncated_tcp: 'bad_tcp_header_length', truncated_nflog: 'nflog_no_payload' };
          const got = w.get(name) + (alt[name] !== undefined ? w.get(alt[name]) : 0);
          expect({ cut, got }).toEqual({ cut, got: 1 });
        } else if (cut < c.payloadEnd) {
          expect(ok).toBe(true);
          expect(w.get('ip_total_length_exceeds_frame')).toBe(1);
          expect(out.payloadCaptured).toBe(cut - c.payloadOffset);
          expect(out.payloadLength).toBe(cut - c.payloadOffset);
        }
      }
    });
  }
});

describe('decodeFrame dispatch', () => {
  it('counts unknown_linktype for a link type with no decoder', () => {
    const w = new WeirdCounters();
    const bytes = ethernet(0x0800, ipv4(17, udp(1, 53, dnsPayload())));
    expect(decodeFrame(frame(147, bytes), newDecodedPacket(), w)).toBe(false);
    expect(w.toJSON()).toEqual({ unknown_linktype: 1 });
  });

  it('has a decoder for each link type named in the decoding brief', () => {
    const have = new Set(LINKTYPE_TABLE.map((e) => e.value));
    for (const lt of [0, 1, 9, 12, 14, 50, 101, 108, 113, 127, 228, 229, 239, 276]) expect(have.has(lt)).toBe(true);
  });

  it('resets the reused packet so a failed decode leaves nothing from the last one', () => {
    const out = newDecodedPacket();
    const w = new WeirdCounters();
    const good = ethernet(0x8100, new Uint8Array([0, 7, 0x08, 0x00, ...ipv4(17, udp(1, 53, dnsPayload()))]));
    expect(decodeFrame(frame(1, good), out, w)).toBe(true);
    expect(out.vlan0).toBe(7);
    expect(decodeFrame(frame(1, ethernet(0x0806, new Uint8Array(28))), out, w)).toBe(false);
    expect(out.vlan0).toBe(0);
    expect(out.ipVersion).toBe(0);
    expect(out.payloadCaptured).toBe(0);
    expect(w.get('non_ip_payload')).toBe(1);
  });

  it('trusts the captured bytes when a damaged record has origLen below caplen', () => {
    const out = newDecodedPacket();
    const w = new WeirdCounters();
    const bytes = ethernet(0x0800, ipv4(17, udp(1, 53, dnsPayload(20))));
    expect(decodeFrame(frame(1, bytes, 10), out, w)).toBe(true);
    expect(out.payloadCaptured).toBe(20);
    expect(w.total()).toBe(0);
  });
});
