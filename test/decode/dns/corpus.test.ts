import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../../src/capture/open-capture.js';
import { decodeFrame } from '../../../src/decode/decode-frame.js';
import {
  AS_MALFORMED,
  AS_OK,
  decodeQuestion,
  MAX_LABELS,
  MAX_NAME_BYTES,
  newDnsQuestion,
  QS_FORWARD_POINTER,
  QS_MESSAGE_TOO_SHORT,
  QS_NAME_TOO_LONG,
  QS_NO_QUESTION,
  QS_OK,
  QS_POINTER_LOOP,
  QS_QUESTION_NOT_KEPT,
  QS_QUESTION_TRUNCATED,
  QUESTION_WEIRD,
  type DnsQuestion,
} from '../../../src/decode/dns/dns-question.js';
import { newDecodedPacket } from '../../../src/decode/packet.js';
import { WeirdCounters } from '../../../src/decode/weirds.js';
import { dnsMessages, type DnsMessage } from './read-messages.js';

/**
 * Every DNS message of the benign (and in-protocol tunnel) captures against
 * tshark's first query name and type (question-tshark.json, from
 * gen-question-fixture.mjs), then the malformed captures' statuses.
 */
type Expected = [string, number, number, number, string | null, number | null];
const expectations = JSON.parse(readFileSync(new URL('./question-tshark.json', import.meta.url), 'utf8')) as { files: Record<string, Expected[]> };
const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname;
const CORPUS = new URL('../../../../shared/corpus/', import.meta.url).pathname;
const KEEP = 512;

function decode(m: DnsMessage, q: DnsQuestion): number {
  return decodeQuestion(m.bytes, 0, Math.min(KEEP, m.bytes.length), m.msgLen, q);
}

/**
 * tshark writes names as UTF-8 text with U+FFFD for bytes that are not
 * UTF-8 (iodine's raw labels), not always one per byte; decoding our bytes
 * the same way and taking each run of U+FFFD as one makes them comparable.
 */
const lossy = (s: string) => s.replace(/\uFFFD+/g, '\uFFFD');
const nameOf = (q: DnsQuestion) => lossy(Buffer.from(q.name.subarray(0, q.nameLen)).toString('utf8'));

/** Messages per (transport, sender, receiver), each group in order: "id name type". */
function byDirection(rows: Array<[string, number, number, string]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [t, s, d, v] of rows) (out[`${t} ${s}>${d}`] ??= []).push(v);
  return out;
}

async function ours(path: string) {
  const q = newDnsQuestion();
  const rows: Array<[string, number, number, string]> = [];
  const statuses: number[] = [];
  for (const m of await dnsMessages(path)) {
    const s = decode(m, q);
    statuses.push(s);
    const v = s === QS_OK ? `${nameOf(q)} ${q.qtype}` : s === QS_NO_QUESTION ? 'null null' : `status ${s}`;
    rows.push([m.transport, m.srcPort, m.dstPort, `${q.id} ${v}`]);
  }
  return { rows, statuses };
}

/** RFC 4343 case folding is ASCII only; String#toLowerCase would fold 'Ä' too. */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function theirs(want: Expected[]): Array<[string, number, number, string]> {
  return want.map(([t, s, d, id, name, type]) => [t, s, d, `${id} ${name === null ? 'null' : name === '<Root>' ? '' : lossy(asciiLower(name))} ${type}`]);
}

describe('decodeQuestion agrees with tshark on every query name and type of the benign captures', () => {
  const files = Object.entries(expectations.files);

  it('the expectations cover the benign captures, TCP and UDP, thousands of messages', () => {
    expect(files.filter(([f]) => f.startsWith('benign/')).length).toBeGreaterThanOrEqual(35);
    const all = files.flatMap(([, m]) => m);
    expect(all.length).toBeGreaterThan(1500);
    expect(all.some((m) => m[0] === 'tcp')).toBe(true);
  });

  it.each(files)('%s', async (file, want) => {
    const { rows, statuses } = await ours(`${FIXTURES}${file}`);
    expect(byDirection(rows)).toEqual(byDirection(theirs(want)));
    expect(statuses.every((s) => s === QS_OK || s === QS_NO_QUESTION)).toBe(true);
  });

  it.skipIf(!existsSync(CORPUS))('the shared corpus copies of the benign captures give the same answers', async () => {
    for (const [file, want] of files) {
      if (!file.startsWith('benign/') || !existsSync(`${CORPUS}${file}`)) continue;
      const { rows } = await ours(`${CORPUS}${file}`);
      expect(byDirection(rows), file).toEqual(byDirection(theirs(want)));
    }
  });
});

/** The zlip captures hide their DNS message after a UDP datagram whose length says 8: the bytes from there to the frame's end. */
async function hiddenAfterUdp(path: string): Promise<Uint8Array> {
  const src = await openCapture(path);
  const pkt = newDecodedPacket();
  let out: Uint8Array | undefined;
  await src.run((f) => {
    if (decodeFrame(f, pkt, new WeirdCounters())) out = f.buf.slice(pkt.payloadOffset, f.offset + f.capLen);
  });
  return out!;
}

describe('malformed captures: the expected status, never a throw', () => {
  const q = newDnsQuestion();
  const statusesOf = async (f: string) => (await dnsMessages(`${FIXTURES}malformed/${f}`)).map((m) => [decode(m, q), q.qr, q.answerStatus]);

  it('zlip: a self-pointer and a 62-byte label pointing back to the start are loops; a first pointer forward is forward', async () => {
    const got: number[] = [];
    for (const n of [1, 2, 3]) {
      const m = await hiddenAfterUdp(`${FIXTURES}malformed/tcpdump__dns-zlip-${n}.pcap`);
      // Header with QDCOUNT 1, then the QNAME: c0 0c / c0 0e c0 0c / 3e "thisleet..." c0 0c.
      expect(m[5]).toBe(1);
      got.push(decodeQuestion(m, 0, m.length, m.length, q));
    }
    expect(got).toEqual([QS_POINTER_LOOP, QS_FORWARD_POINTER, QS_POINTER_LOOP]);
  });

  it('forward pointers: Suricata\'s QNAME pointing at the second question, tcpdump\'s fuzzed response', async () => {
    expect((await statusesOf('suricata__dns-forward-pointer.pcap')).map((s) => s[0])).toEqual([QS_FORWARD_POINTER, QS_OK]);
    expect((await statusesOf('tcpdump__dns_fwdptr.pcap')).map((s) => s[0])).toEqual([QS_FORWARD_POINTER]);
  });

  it('Zeek\'s invalid names: a cut label, a looping pointer, a name without its root byte', async () => {
    expect((await statusesOf('zeek__dns-invalid-names.pcap')).map((s) => s[0])).toEqual([QS_QUESTION_TRUNCATED, QS_POINTER_LOOP, QS_QUESTION_TRUNCATED]);
  });

  it('overlong names: tcpdump\'s bad-label QNAME, nDPI\'s answer owners over 255 bytes (the question stays good)', async () => {
    expect((await statusesOf('tcpdump__dns-badlabel.pcap')).map((s) => s[0])).toEqual([QS_NAME_TOO_LONG]);
    const ndpi = await statusesOf('ndpi__malformed_dns.pcap');
    expect(ndpi.map((s) => s[0])).toEqual(new Array(6).fill(QS_OK));
    for (const [, qr, as] of ndpi) expect(as).toBe(qr === 1 ? AS_MALFORMED : AS_OK);
  });

  it('snaplen-cut responses: good questions or questions not kept, answers partial, no malformed status', async () => {
    const got = await statusesOf('ndpi__badpackets-snaplen-truncated.pcap');
    expect(got).toHaveLength(93);
    const s = new Set(got.map((x) => x[0]));
    expect([...s].sort()).toEqual([QS_OK, QS_QUESTION_NOT_KEPT]);
  });

  it('no question (IQUERY) and a payload shorter than a header', async () => {
    expect((await statusesOf('ndpi__dns_invert_query.pcapng')).map((s) => s[0])).toEqual([QS_NO_QUESTION, QS_NO_QUESTION]);
    expect((await statusesOf('tcpdump__rtp-seg-fault-1.pcapng')).map((s) => s[0])).toEqual([QS_MESSAGE_TOO_SHORT]);
  });

  it('every message of every malformed capture decodes within bounds, whatever its status', async () => {
    let n = 0;
    for (const dir of [`${FIXTURES}malformed/`, ...(existsSync(CORPUS) ? [`${CORPUS}malformed/`] : [])]) {
      for (const f of captureNames(dir)) {
        let msgs: DnsMessage[];
        try {
          msgs = await dnsMessages(`${dir}${f}`);
        } catch {
          continue; // damaged capture files end with a coded error; their earlier messages were not kept here
        }
        for (const m of msgs) {
          const s = decode(m, q);
          n++;
          expect(s >= 0 && s < QUESTION_WEIRD.length).toBe(true);
          expect(q.nameLen).toBeLessThanOrEqual(MAX_NAME_BYTES);
          expect(q.labelCount).toBeLessThanOrEqual(MAX_LABELS);
          expect(q.answersParsed).toBeLessThanOrEqual(q.ancount);
        }
      }
    }
    expect(n).toBeGreaterThan(400);
  });
});

function captureNames(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => /\.pcap(ng)?$/.test(n)) : [];
}
