/**
 * Golden test against tshark over the public corpus captures copied into
 * test/fixtures (benign, anomalous, malformed). The expected frame numbers were produced by
 * scripts/fixtures/gen-decode-corpus-fixture.mjs; see the `commands` in the fixture.
 *
 * How the two sides are made comparable:
 * - tshark runs with IP defragmentation off, so it dissects UDP/TCP in the
 *   first fragment of a datagram and nowhere else, exactly like decodeFrame
 *   (with defragmentation on it would count the reassembling last fragment
 *   instead, and drop datagrams missing a fragment).
 * - UDP packets without payload (UDP length 8) are excluded on both sides
 *   (`udp.length > 8` there, payloadLength > 0 here): no sample comes from
 *   them, and tshark's default count includes them.
 * - ICMP errors quoting a port-53 header are excluded on both sides.
 * Frames where the two still disagree on purpose are listed in DIFFERENCES.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open-capture.js';
import type { Frame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { IPPROTO_TCP, IPPROTO_UDP, newDecodedPacket } from '../../src/decode/packet.js';
import { WeirdCounters } from '../../src/decode/weirds.js';

const here = dirname(fileURLToPath(import.meta.url));
// Copies of the shared corpus files (same names under benign/, anomalous/, malformed/), so the test runs in any clone.
const corpus = resolve(here, '..', 'fixtures');
const fixturePath = join(here, '..', 'fixtures', 'decode-corpus-tshark.json');

interface Expected {
  udp53: number[];
  tcp53: number[];
  udp53DefaultCount: number;
}

/** Frame numbers (1-based) where the decoder deliberately differs from tshark, with the reason. */
const DIFFERENCES: Record<string, { udp53?: { extra?: number[]; missing?: number[] }; tcp53?: { extra?: number[]; missing?: number[] }; why: string }> =
  {
    'malformed/tcpdump__LINKTYPE_IPV4_invalid.pcap': {
      udp53: { missing: [1] },
      why: 'an IPv6 packet under LINKTYPE_IPV4: tshark 4.0 decodes it by its version nibble (though not the mirror case under LINKTYPE_IPV6); we hold both link types to their promise and count bad_ip_version',
    },
  };

interface Decoded {
  udp53: number[];
  tcp53: number[];
  frames: number;
  weirds: WeirdCounters;
}

async function decodeFile(path: string): Promise<Decoded> {
  const src = await openCapture(path);
  const out = newDecodedPacket();
  const weirds = new WeirdCounters();
  const res: Decoded = { udp53: [], tcp53: [], frames: 0, weirds };
  const onFrame = (f: Frame): void => {
    const n = ++res.frames;
    if (!decodeFrame(f, out, weirds)) return;
    if (out.srcPort !== 53 && out.dstPort !== 53) return;
    if (out.protocol === IPPROTO_UDP && out.payloadLength > 0) res.udp53.push(n);
    else if (out.protocol === IPPROTO_TCP) res.tcp53.push(n);
  };
  // Damaged files end in an error after every good record was delivered;
  // tshark stops at the same place.
  await src.run(onFrame).catch(() => undefined);
  return res;
}

function applyDiff(list: number[], d: { extra?: number[]; missing?: number[] } | undefined): number[] {
  if (d === undefined) return list;
  const s = new Set(list);
  for (const n of d.extra ?? []) s.add(n);
  for (const n of d.missing ?? []) s.delete(n);
  return [...s].sort((a, b) => a - b);
}

describe('decodeFrame against tshark on the corpus captures', async () => {
  const fixture = JSON.parse(await readFile(fixturePath, 'utf8')) as { files: Record<string, Expected> };

  for (const [rel, exp] of Object.entries(fixture.files)) {
    it(rel, async () => {
      const got = await decodeFile(join(corpus, rel));
      const diff = DIFFERENCES[rel];
      expect({ udp53: got.udp53, tcp53: got.tcp53 }).toEqual({
        udp53: applyDiff(exp.udp53, diff?.udp53),
        tcp53: applyDiff(exp.tcp53, diff?.tcp53),
      });
    });
  }

  it('finds port-53 traffic in every benign and anomalous capture', () => {
    for (const [rel, exp] of Object.entries(fixture.files)) {
      if (rel.startsWith('malformed/')) continue;
      expect({ rel, n: exp.udp53.length + exp.tcp53.length > 0 }).toEqual({ rel, n: true });
    }
  });
});
