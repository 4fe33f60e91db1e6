import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ANSWER_WEIRD,
  AS_MALFORMED,
  AS_OK,
  AS_TRUNCATED,
  decodeQuestion,
  MAX_LABELS,
  newDnsQuestion,
  NON_ASCII_WEIRD,
  QS_FORWARD_POINTER,
  QS_LABEL_TOO_LONG,
  QS_MESSAGE_TOO_SHORT,
  QS_NAME_TOO_LONG,
  QS_NO_QUESTION,
  QS_OK,
  QS_POINTER_LOOP,
  QS_POINTER_OUT_OF_RANGE,
  QS_QUESTION_NOT_KEPT,
  QS_QUESTION_TRUNCATED,
  QS_TOO_MANY_LABELS,
  QUESTION_WEIRD,
  typeBit,
} from '../../../src/decode/dns/dns-question.js';
import { RR_TYPE_BITS, TB_A, TB_AAAA, TB_CNAME, TB_KEY, TB_NULL, TB_OTHER, TB_SVCB, TB_TXT } from '../../../src/decode/dns/rr-type-bits.js';
import { WEIRD_NAMES } from '../../../src/decode/weirds.js';
import { strictWindow } from '../strict-bytes.js';
import { bytesOf, header, ptr, query, rr, u16, wireLabels, wireName } from './build-message.js';

const PAD = 7;

/** Decodes the first `keep` bytes of `m` as a message of `msgLen` bytes, inside a window whose other bytes throw when read. */
function run(m: Uint8Array, msgLen = m.length, keep = Math.min(m.length, msgLen)) {
  const q = newDnsQuestion();
  const s = decodeQuestion(strictWindow(m.subarray(0, keep), PAD), PAD, keep, msgLen, q);
  return { s, q, name: Buffer.from(q.name.subarray(0, q.nameLen)).toString('latin1') };
}

const letters = (n: number, c = 'a') => c.repeat(n);

describe('decodeQuestion: header and a plain question', () => {
  it('decodes www.example.com AAAA IN and the header fields', () => {
    const m = query('www.example.com', 28, 1, { id: 0xbeef, flags: 0x8180 | (2 << 11), qd: 1, an: 0, ns: 3, ar: 4 });
    const { s, q, name } = run(m);
    expect(s).toBe(QS_OK);
    expect(q.status).toBe(QS_OK);
    expect(name).toBe('www.example.com');
    expect([q.id, q.flags, q.qr, q.opcode, q.rcode]).toEqual([0xbeef, 0x8180 | (2 << 11), 1, 2, 0]);
    expect([q.qdcount, q.ancount, q.nscount, q.arcount]).toEqual([1, 0, 3, 4]);
    expect([q.qtype, q.qclass]).toEqual([28, 1]);
    expect(q.labelCount).toBe(3);
    expect(Array.from(q.labelStart.subarray(0, 3))).toEqual([0, 4, 12]);
    expect(Array.from(q.labelLen.subarray(0, 3))).toEqual([3, 7, 3]);
    expect(q.wireNameLen).toBe(17);
    expect(q.expandedNameLen).toBe(17);
    expect([q.nonLdh, q.nonAscii, q.pointers]).toEqual([0, 0, 0]);
  });

  it('takes the root name as 0 bytes and 0 labels', () => {
    const { s, q } = run(query('', 2, 1));
    expect(s).toBe(QS_OK);
    expect([q.nameLen, q.labelCount, q.wireNameLen, q.expandedNameLen, q.qtype]).toEqual([0, 0, 1, 1, 2]);
  });

  it('reads a message inside a larger buffer at its offset', () => {
    const m = query('a.b', 16, 3);
    const big = new Uint8Array(m.length + 40).fill(0xc0);
    big.set(m, 17);
    const q = newDnsQuestion();
    expect(decodeQuestion(big, 17, m.length, m.length, q)).toBe(QS_OK);
    expect(Buffer.from(q.name.subarray(0, q.nameLen)).toString()).toBe('a.b');
    expect([q.qtype, q.qclass]).toEqual([16, 3]);
  });

  it('overwrites every field of a reused result', () => {
    const q = newDnsQuestion();
    decodeQuestion(query('long.name.example'), 0, 30, 30, q);
    const fresh = newDnsQuestion();
    const short = Uint8Array.from(header({ qd: 0 }));
    decodeQuestion(short, 0, 12, 12, q);
    decodeQuestion(short, 0, 12, 12, fresh);
    const plain = (x: typeof q) => ({ ...x, name: undefined, labelStart: undefined, labelLen: undefined });
    expect(plain(q)).toEqual(plain(fresh));
  });
});

describe('decodeQuestion: message length', () => {
  it('messages of 0..11 bytes are too short, or not kept when the message is longer', () => {
    const m = query('example.com');
    for (let n = 0; n < 12; n++) {
      expect(run(m, n).s, `${n} bytes`).toBe(QS_MESSAGE_TOO_SHORT);
      expect(run(m, m.length, n).s, `${n} of ${m.length} bytes kept`).toBe(QS_QUESTION_NOT_KEPT);
    }
  });

  it('a 12-byte message claiming a question has it cut short; qdcount 0 has none', () => {
    expect(run(Uint8Array.from(header({ qd: 1 }))).s).toBe(QS_QUESTION_TRUNCATED);
    const { s, q } = run(Uint8Array.from(header({ qd: 0, an: 0, id: 7 })));
    expect(s).toBe(QS_NO_QUESTION);
    expect(q.id).toBe(7);
  });

  it('a name cut at each byte, QTYPE and QCLASS included: truncated, or not kept in a longer message', () => {
    const m = query('www.example.com', 1, 1);
    for (let n = 12; n < m.length; n++) {
      expect(run(m, n).s, `message of ${n} bytes`).toBe(QS_QUESTION_TRUNCATED);
      expect(run(m, m.length, n).s, `${n} of ${m.length} bytes kept`).toBe(QS_QUESTION_NOT_KEPT);
    }
    expect(run(m).s).toBe(QS_OK);
  });
});

describe('decodeQuestion: label and name limits (RFC 1035 2.3.4)', () => {
  it('a label of 63 bytes is fine, 64 is too long', () => {
    const ok = run(query(`${letters(63)}.com`));
    expect(ok.s).toBe(QS_OK);
    expect(ok.q.labelLen[0]).toBe(63);
    expect(run(query(`${letters(64)}.com`)).s).toBe(QS_LABEL_TOO_LONG);
  });

  it('the reserved label types 0x40 and 0x80 (and anything 64..191) are too long', () => {
    for (const b of [0x40, 0x41, 0x7f, 0x80, 0xbf]) {
      const m = bytesOf(header(), [b, ...new Array(70).fill(0x61)], [0], u16(1), u16(1));
      expect(run(m).s, `length byte 0x${b.toString(16)}`).toBe(QS_LABEL_TOO_LONG);
    }
  });

  it('a name of exactly 255 wire bytes decodes, 256 is too long', () => {
    // 3 x (1+63) + (1+61) + root = 255.
    const n255 = `${letters(63, 'a')}.${letters(63, 'b')}.${letters(63, 'c')}.${letters(61, 'd')}`;
    expect(wireName(n255)).toHaveLength(255);
    const ok = run(query(n255));
    expect(ok.s).toBe(QS_OK);
    expect(ok.name).toBe(n255);
    expect([ok.q.nameLen, ok.q.expandedNameLen, ok.q.wireNameLen]).toEqual([253, 255, 255]);
    const n256 = `${n255}d`;
    expect(wireName(n256)).toHaveLength(256);
    expect(run(query(n256)).s).toBe(QS_NAME_TOO_LONG);
  });

  it('127 one-byte labels decode (255 wire bytes), a 128th is one too many', () => {
    const l127 = Array.from({ length: 127 }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join('.');
    const ok = run(query(l127));
    expect(ok.s).toBe(QS_OK);
    expect(ok.q.labelCount).toBe(MAX_LABELS);
    expect(ok.name).toBe(l127);
    for (let i = 0; i < 127; i++) {
      expect(ok.q.labelStart[i]).toBe(2 * i);
      expect(ok.q.labelLen[i]).toBe(1);
    }
    expect(run(query(`${l127}.z`)).s).toBe(QS_TOO_MANY_LABELS);
  });
});

describe('decodeQuestion: compression pointers (RFC 1035 4.1.4)', () => {
  it('a pointer into the header reads the header bytes as a name', () => {
    // QDCOUNT 00 01 at offset 4: the pointer lands on a root byte.
    const root = run(bytesOf(header(), ptr(4), u16(1), u16(1)));
    expect(root.s).toBe(QS_OK);
    expect([root.q.nameLen, root.q.pointers, root.q.wireNameLen, root.q.qtype]).toEqual([0, 1, 2, 1]);
    // At 5: length 1, the label byte 0x00 (ANCOUNT high), then ANCOUNT low 0x00 ends the name.
    const odd = run(bytesOf(header(), [1, 0x61], ptr(5), u16(1), u16(1)));
    expect(odd.s).toBe(QS_OK);
    expect(odd.name).toBe('a.\0');
    expect([odd.q.nonLdh, odd.q.nonAscii, odd.q.wireNameLen, odd.q.expandedNameLen]).toEqual([1, 1, 4, 5]);
  });

  it('follows a chain of one pointer and a chain of six', () => {
    const one = run(bytesOf(header(), [1, 0x61], ptr(4), u16(1), u16(1)));
    expect([one.s, one.name, one.q.pointers]).toEqual([QS_OK, 'a', 1]);
    // ARCOUNT -> NSCOUNT -> ANCOUNT -> QDCOUNT -> flags -> ID (00 00, the root): every hop lower than the last.
    const h = [0x00, 0x00, ...ptr(0), ...ptr(2), ...ptr(4), ...ptr(6), ...ptr(8)];
    const six = run(bytesOf(h, [1, 0x61], ptr(10), u16(15), u16(1)));
    expect(six.s).toBe(QS_OK);
    expect([six.name, six.q.pointers, six.q.wireNameLen, six.q.qtype]).toEqual(['a', 6, 4, 15]);
  });

  it('a self-pointer is a loop, also after a label', () => {
    expect(run(bytesOf(header(), ptr(12), u16(1), u16(1))).s).toBe(QS_POINTER_LOOP);
    expect(run(bytesOf(header(), [1, 0x61], ptr(14), u16(1), u16(1))).s).toBe(QS_POINTER_LOOP);
    // Back to the first label: the same bytes again.
    expect(run(bytesOf(header(), [1, 0x61], ptr(12), u16(1), u16(1))).s).toBe(QS_POINTER_LOOP);
  });

  it('a loop of two pointers through the header is a loop', () => {
    // Name at 12 points to 2; the flags word there (c0 0c) points back to 12.
    const m = bytesOf(header({ flags: 0xc00c }), ptr(2), u16(1), u16(1));
    const { s, q } = run(m);
    expect(s).toBe(QS_POINTER_LOOP);
    expect(q.pointers).toBe(2);
  });

  it('a forward pointer is rejected, also when it would start a loop', () => {
    const fwd = bytesOf(header(), [1, 0x61], ptr(20), u16(1), u16(1), wireName('b'));
    expect(fwd[20]).toBe(1);
    expect(run(fwd).s).toBe(QS_FORWARD_POINTER);
    // 12 -> 14 -> 12: the first pointer goes past everything read so far.
    expect(run(bytesOf(header(), ptr(14), ptr(12), u16(1), u16(1))).s).toBe(QS_FORWARD_POINTER);
    // Forward into bytes not kept, in a longer message: still forward, not "not kept".
    const m = bytesOf(header(), ptr(300), u16(1), u16(1));
    expect(run(m, 600, m.length).s).toBe(QS_FORWARD_POINTER);
  });

  it('a pointer at or past the end of the message is out of range', () => {
    const m = bytesOf(header(), [1, 0x61], ptr(0x3fff), u16(1), u16(1));
    expect(run(m).s).toBe(QS_POINTER_OUT_OF_RANGE);
    const at = (t: number) => bytesOf(header(), ptr(t), u16(1), u16(1), [0]);
    expect(run(at(19)).s).toBe(QS_POINTER_OUT_OF_RANGE); // 19 bytes: offsets 0..18
    expect(run(at(18)).s).toBe(QS_FORWARD_POINTER);
  });

  it('a pointer cut after its first byte is a cut question', () => {
    const m = bytesOf(header(), [1, 0x61, 0xc0]);
    expect(run(m).s).toBe(QS_QUESTION_TRUNCATED);
    expect(run(m, 100).s).toBe(QS_QUESTION_NOT_KEPT);
  });
});

describe('decodeQuestion: name bytes', () => {
  it('folds ASCII upper case, and the hash is the same for names that differ only in case', () => {
    const a = run(query('WwW.ExAmPle.COM'));
    const b = run(query('www.example.com'));
    expect(a.name).toBe('www.example.com');
    expect(a.q.nameHash).toBe(b.q.nameHash);
    expect(a.q.nonLdh).toBe(0);
    expect(run(query('www.example.org')).q.nameHash).not.toBe(b.q.nameHash);
  });

  it('the hash is 32-bit FNV-1a of the presentation bytes', () => {
    let h = 0x811c9dc5;
    for (const c of Buffer.from('mail.example.net')) h = Math.imul(h ^ c, 0x01000193);
    expect(run(query('MAIL.example.net')).q.nameHash).toBe(h >>> 0);
  });

  it('keeps bytes 0x80-0xff as they are and counts them as non-LDH and non-ASCII', () => {
    const all = Array.from({ length: 128 }, (_, i) => 0x80 + i);
    const m = bytesOf(header(), wireLabels([all.slice(0, 63), all.slice(63, 126), all.slice(126)]), u16(1), u16(1));
    const { s, q } = run(m);
    expect(s).toBe(QS_OK);
    expect(q.labelCount).toBe(3);
    const got = [...q.name.subarray(0, q.nameLen)].filter((_, i) => i !== 63 && i !== 127);
    expect(got).toEqual(all);
    expect([q.nonLdh, q.nonAscii]).toEqual([128, 128]);
  });

  it("a '.' inside a label stays one label and counts as non-LDH, not non-ASCII", () => {
    const m = bytesOf(header(), wireLabels([Buffer.from('a.b'), Buffer.from('c')]), u16(1), u16(1));
    const { s, q, name } = run(m);
    expect(s).toBe(QS_OK);
    expect(name).toBe('a.b.c');
    expect(q.labelCount).toBe(2);
    expect(Array.from(q.labelLen.subarray(0, 2))).toEqual([3, 1]);
    expect([q.nonLdh, q.nonAscii]).toEqual([1, 0]);
  });

  it('counts up to 253 non-LDH bytes without spilling into the non-ASCII count', () => {
    const star = Array.from({ length: 4 }, (_, i) => new Array(i < 3 ? 63 : 61).fill(0x2a)); // '*': non-LDH, ASCII
    const a = run(bytesOf(header(), wireLabels(star), u16(1), u16(1)));
    expect([a.s, a.q.nameLen, a.q.nonLdh, a.q.nonAscii]).toEqual([QS_OK, 253, 250, 0]);
    const high = Array.from({ length: 4 }, (_, i) => new Array(i < 3 ? 63 : 61).fill(0xff));
    const b = run(bytesOf(header(), wireLabels(high), u16(1), u16(1)));
    expect([b.s, b.q.nonLdh, b.q.nonAscii]).toEqual([QS_OK, 250, 250]);
  });

  it('counts space and control bytes as non-ASCII, and "-" and "_" as LDH', () => {
    const m = bytesOf(header(), wireLabels([Buffer.from('a b\x01'), Buffer.from('_x-y')]), u16(1), u16(1));
    const { q } = run(m);
    expect([q.nonLdh, q.nonAscii]).toEqual([2, 2]);
  });
});

describe('decodeQuestion: answer summary', () => {
  // example.com A response: A, A, CNAME with owners compressed to the question, an AAAA with an owner that points to a previous owner.
  const qname = wireName('example.com');
  const rrs = [
    rr(ptr(12), 1, [192, 0, 2, 1]),
    rr(ptr(12), 1, [192, 0, 2, 2]),
    rr([3, 0x77, 0x77, 0x77, ...ptr(12)], 5, wireName('cdn')),
    [] as number[], // filled below: its owner points to the www owner
  ];
  const starts: number[] = [];
  let at = 12 + qname.length + 4;
  for (let i = 0; i < 3; i++) {
    starts.push(at);
    at += rrs[i]!.length;
  }
  starts.push(at);
  rrs[3] = rr(ptr(starts[2]!), 28, new Array(16).fill(1));
  const msg = bytesOf(header({ flags: 0x8180, an: 4 }), qname, u16(1), u16(1), ...rrs);
  const ownerLens = [2, 2, 6, 2];
  const fixedEnds = starts.map((s, i) => s + ownerLens[i]! + 10);
  const ends = starts.map((s, i) => s + rrs[i]!.length);

  it('walks answers with compressed owners: count, RDATA bytes, type mask', () => {
    const { s, q } = run(msg);
    expect(s).toBe(QS_OK);
    expect(q.answerStatus).toBe(AS_OK);
    expect(q.answersPartial).toBe(false);
    expect(q.answersParsed).toBe(4);
    expect(q.rdataBytes).toBe(4 + 4 + 5 + 16);
    expect(q.answerTypeMask).toBe(TB_A | TB_CNAME | TB_AAAA);
  });

  it('an answer section cut at each byte: truncated when the message ends there, partial when only the kept bytes do', () => {
    for (let n = starts[0]!; n < msg.length; n++) {
      const t = run(msg, n);
      expect(t.s, `message of ${n}`).toBe(QS_OK);
      expect(t.q.answerStatus, `message of ${n}`).toBe(AS_TRUNCATED);
      expect(t.q.answersPartial).toBe(false);
      expect(t.q.answersParsed, `message of ${n}`).toBe(ends.filter((e) => e <= n).length);
      const k = run(msg, msg.length, n);
      expect(k.q.answerStatus, `${n} kept`).toBe(AS_OK);
      const kept = fixedEnds.filter((e) => e <= n).length;
      expect(k.q.answersParsed, `${n} kept`).toBe(kept);
      expect(k.q.answersPartial, `${n} kept`).toBe(kept < 4);
    }
  });

  it('a question inside the 512 kept bytes of a longer message, answers outside: answersPartial', () => {
    const big = rr(ptr(12), 16, new Array(700).fill(0x41));
    const m = bytesOf(header({ flags: 0x8180, an: 3 }), qname, u16(16), u16(1), big, rr(ptr(12), 16, [1, 0x42]), rr(ptr(12), 1, [1, 2, 3, 4]));
    const { s, q, name } = run(m, m.length, 512);
    expect(s).toBe(QS_OK);
    expect(name).toBe('example.com');
    expect(q.qtype).toBe(16);
    expect(q.answersPartial).toBe(true);
    expect(q.answerStatus).toBe(AS_OK);
    // The TXT's fixed part is kept, its RDATA is skipped by count; the next RR starts past the kept bytes.
    expect([q.answersParsed, q.rdataBytes, q.answerTypeMask]).toEqual([1, 700, TB_TXT]);
    const whole = run(m);
    expect([whole.q.answersParsed, whole.q.rdataBytes, whole.q.answersPartial]).toEqual([3, 706, false]);
  });

  it('a bad owner name stops the walk as malformed; the question stays good', () => {
    const loopOwner = rr(ptr(starts[0]!), 1, [1, 2, 3, 4]); // points to itself
    const m = bytesOf(header({ flags: 0x8180, an: 2 }), qname, u16(1), u16(1), loopOwner, rrs[0]!);
    const { s, q } = run(m);
    expect(s).toBe(QS_OK);
    expect(q.answerStatus).toBe(AS_MALFORMED);
    expect(q.answersParsed).toBe(0);
    const longLabel = bytesOf(header({ flags: 0x8180, an: 1 }), qname, u16(1), u16(1), [0x45, 0x41], u16(1), u16(1));
    expect(run(longLabel).q.answerStatus).toBe(AS_MALFORMED);
  });

  it('an owner chain through earlier owners is followed; a pointer back to the question that makes it too long is malformed', () => {
    // Each owner is one 60-byte label then a pointer to the previous owner; the first points to the question.
    const parts: number[][] = [];
    let pos = 12 + qname.length + 4;
    let prev = 12;
    for (let i = 0; i < 3; i++) {
      const owner = [60, ...new Array(60).fill(0x61 + i), ...ptr(prev)];
      parts.push(rr(owner, 1, [1, 2, 3, 4]));
      prev = pos;
      pos += parts[i]!.length;
    }
    // 3 x 61 + 13 (example.com) = 196 wire bytes: fine.
    const ok = run(bytesOf(header({ flags: 0x8180, an: 3 }), qname, u16(1), u16(1), ...parts));
    expect([ok.q.answerStatus, ok.q.answersParsed]).toEqual([AS_OK, 3]);
    const fourth = rr([60, ...new Array(60).fill(0x7a), ...ptr(prev)], 1, [1, 2, 3, 4]); // 4 x 61 + 13 = 257
    const bad = run(bytesOf(header({ flags: 0x8180, an: 4 }), qname, u16(1), u16(1), ...parts, fourth));
    expect([bad.q.answerStatus, bad.q.answersParsed]).toEqual([AS_MALFORMED, 3]);
  });

  it('follows a chain of 40 owners each a bare pointer to the one before', () => {
    const parts: number[][] = [];
    let pos = 12 + qname.length + 4;
    let prev = 12;
    for (let i = 0; i < 40; i++) {
      parts.push(rr(ptr(prev), 1, [10, 0, 0, i]));
      prev = pos;
      pos += parts[i]!.length;
    }
    const { s, q } = run(bytesOf(header({ flags: 0x8180, an: 40 }), qname, u16(1), u16(1), ...parts));
    expect([s, q.answerStatus, q.answersParsed, q.rdataBytes]).toEqual([QS_OK, AS_OK, 40, 160]);
  });

  it('skips a second question before the answers', () => {
    const m = bytesOf(header({ flags: 0x8180, qd: 2, an: 1 }), qname, u16(1), u16(1), [3, 0x77, 0x77, 0x77, ...ptr(12)], u16(28), u16(1), rr(ptr(12), 1, [9, 9, 9, 9]));
    const { s, q, name } = run(m);
    expect([s, name, q.qtype]).toEqual([QS_OK, 'example.com', 1]);
    expect([q.answerStatus, q.answersParsed, q.answerTypeMask]).toEqual([AS_OK, 1, TB_A]);
  });

  it('walks the answers of a message without a question (IQUERY)', () => {
    const m = bytesOf(header({ flags: 0x0800, qd: 0, an: 1 }), rr(wireName('x'), 1, [1, 2, 3, 4]));
    const { s, q } = run(m);
    expect(s).toBe(QS_NO_QUESTION);
    expect([q.answersParsed, q.rdataBytes, q.answerTypeMask]).toEqual([1, 4, TB_A]);
  });
});

describe('typeBit and the weird tables', () => {
  it('gives each listed type its bit and everything else "other"', () => {
    expect(typeBit(1)).toBe(TB_A);
    expect(typeBit(10)).toBe(TB_NULL);
    expect(typeBit(64)).toBe(TB_SVCB);
    expect(typeBit(65)).toBe(TB_SVCB);
    expect(typeBit(25)).toBe(TB_KEY);
    for (const t of [0, 3, 41, 46, 99, 255, 256, 257, 32769, 65535]) expect(typeBit(t), `type ${t}`).toBe(TB_OTHER);
    const bits = new Set(RR_TYPE_BITS.map(([, b]) => b));
    expect(bits.size).toBe(13);
    for (const b of bits) expect(b & TB_OTHER).toBe(0);
  });

  it('every weird the question stage can count is a known name documented in docs/decoding.md', () => {
    const doc = readFileSync(new URL('../../../docs/decoding.md', import.meta.url), 'utf8');
    const names = [...QUESTION_WEIRD, ...ANSWER_WEIRD, NON_ASCII_WEIRD].filter((n): n is NonNullable<typeof n> => n !== null);
    expect(names).toHaveLength(12);
    for (const n of names) {
      expect(WEIRD_NAMES as readonly string[]).toContain(n);
      expect(doc).toContain(`| \`${n}\` |`);
    }
    // One table slot per status, the two non-weird ones empty.
    expect(QUESTION_WEIRD).toHaveLength(QS_TOO_MANY_LABELS + 1);
    expect(QUESTION_WEIRD[QS_OK]).toBeNull();
    expect(QUESTION_WEIRD[QS_QUESTION_NOT_KEPT]).toBeNull();
    expect(ANSWER_WEIRD[AS_OK]).toBeNull();
  });
});
