import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQuestionModel, type QuestionModel } from '../../src/model/question/question-model.js';
import { rrnameText } from '../../src/output/eve-tunnel-alert.js';
import { EXAMPLE_BYTES } from '../../src/features/question/window-table.js';
import { QUESTION_FEATURE_COUNT } from '../../src/features/question/question-features.js';
import { buildPcap } from '../capture/build-capture.js';
import { ROOT, runStage, trainTiny } from '../scoring/question/question-fixture.js';

const TUNNELS = path.join(ROOT, 'test/fixtures/anomalous/in-protocol-tunnel');
const CAPTURES = ['ndpi__bad-dns-traffic-dnscat.pcap', 'ndpi__dns-tunnel-iodine.pcap', 'suricata__dns2tcp-txt.pcap', 'ndpi__dns-exf.pcap'].map((f) => path.join(TUNNELS, f));
const RRTYPE: Record<string, string> = { '1': 'A', '5': 'CNAME', '10': 'NULL', '15': 'MX', '16': 'TXT', '28': 'AAAA' };
/** Suricata's EVE timestamp: local date and time, six-digit fraction, numeric zone. */
const EVE_TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d{4}$/;

interface TsharkQuery {
  time: string;
  src: string;
  name: string;
  qtype: string;
}

/** Queries (not responses) of a capture as tshark reads them. */
function tsharkQueries(file: string): TsharkQuery[] {
  const out = execFileSync('tshark', ['-r', file, '-Y', 'dns.flags.response == 0', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'dns.qry.name', '-e', 'dns.qry.type'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [time, src, name, qtype] = l.split('\t');
      // tshark prints a byte that is not valid UTF-8 as U+FFFD; those become '?' here and in skeleton().
      return { time: time!, src: src!, name: name!.toLowerCase().replace(/\uFFFD/g, '?'), qtype: qtype! };
    });
}

/** An rrname with its escaped high bytes as '?', to compare with tshark's rendering. */
function skeleton(rrname: string): string {
  return rrname.replace(/\\x([89a-f][0-9a-f])/g, '?');
}

/** "2017-02-02T05:17:03.234684+0000" for the epoch "1486012623.234684000". */
function eveTimeOf(epoch: string): string {
  const [s, frac] = epoch.split('.');
  return `${new Date(Number(s) * 1000).toISOString().slice(0, 19)}.${(frac ?? '').padEnd(9, '0').slice(0, 6)}+0000`;
}

/** Microseconds since the epoch of an EVE timestamp, and of tshark's frame.time_epoch. */
function usOf(eve: string): number {
  const m = /^(.*)\.(\d{6})\+0000$/.exec(eve)!;
  return (Date.parse(`${m[1]}Z`) / 1000) * 1e6 + Number(m[2]);
}
function epochUs(epoch: string): number {
  const [sec, frac] = epoch.split('.');
  return Number(sec) * 1e6 + Number((frac ?? '').padEnd(9, '0').slice(0, 6));
}

let dir = '';
let model: QuestionModel;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-eve-tunnel-'));
  await trainTiny(dir);
  model = (await readQuestionModel(dir))!;
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('rrnameText', () => {
  it('keeps printable ASCII and writes every other byte as \\xNN', () => {
    const bytes = Uint8Array.from([0x61, 0x00, 0x2e, 0xff, 0x22, 0x5c, 0x7f, 0x20, 0x7e, 0x1f, 0x80]);
    const want = ['a', '\\x00', '.', '\\xff', '"', '\\', '\\x7f', ' ', '~', '\\x1f', '\\x80'].join('');
    expect(rrnameText(bytes, 0, bytes.length)).toBe(want);
    expect(rrnameText(bytes, 3, 2)).toBe('\\xff"');
    // Every byte value: printable ones once, the rest as four characters each.
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = rrnameText(all, 0, 256);
    expect(text.length).toBe(95 + (256 - 95) * 4);
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
    // What JSON makes of it parses back to the same text.
    expect(JSON.parse(JSON.stringify({ rrname: text })).rrname).toBe(text);
  });
});

describe('tunnel alerts on the public tunnel captures', () => {
  it('carry the fields and types EVE parsers expect, consistent with tshark', async () => {
    let alerts = 0;
    for (const file of CAPTURES) {
      const r = await runStage(model, [file]);
      const queries = tsharkQueries(file);
      for (const a of r.lines) {
        alerts++;
        expect(a.event_type).toBe('alert');
        expect(a.timestamp).toMatch(EVE_TS);
        expect(Number.isSafeInteger(a.flow_id) && a.flow_id > 0).toBe(true);
        expect(a.pcap_filename).toBe(file);
        expect(isIP(a.src_ip)).not.toBe(0);
        expect(isIP(a.dest_ip)).not.toBe(0);
        for (const p of [a.src_port, a.dest_port]) expect(Number.isInteger(p) && p >= 0 && p <= 65535).toBe(true);
        expect(['UDP', 'TCP']).toContain(a.proto);
        expect(a.app_proto).toBe('dns');
        expect(a.alert).toMatchObject({ action: 'allowed', gid: 1, signature_id: 9053010, rev: 1 });
        expect(typeof a.alert.signature).toBe('string');
        expect(typeof a.alert.category).toBe('string');
        expect(Number.isInteger(a.alert.severity)).toBe(true);
        // From the client to the server, as the query went.
        expect(a.direction).toBe('to_server');
        expect(a.src_ip).toBe(a.dnsae.client);
        expect(a.dest_port).toBe(53);
        expect(a.dns.query).toHaveLength(1);
        const q = a.dns.query[0];
        expect(q.type).toBe('query');
        expect(typeof q.rrname).toBe('string');
        expect(typeof q.rrtype).toBe('string');
        // The example is a name this client asked for under the window's registered domain, with a type it asked.
        const mine = queries.filter((x) => x.src === a.src_ip && (x.name === a.dnsae.registered_domain || x.name.endsWith(`.${a.dnsae.registered_domain}`)));
        expect(mine.length).toBeGreaterThan(0);
        // Names are kept to EXAMPLE_BYTES for the alert: a longer one is its first bytes, and the evidence says so.
        const sk = skeleton(q.rrname);
        const full = mine.find((x) => x.name === sk) ?? mine.find((x) => x.name.startsWith(sk));
        expect(full, q.rrname).toBeDefined();
        const ex = a.dnsae.examples.find((e: { rrname: string }) => e.rrname === q.rrname);
        expect(ex).toBeDefined();
        expect(ex.truncated).toBe(full!.name.length > sk.length);
        if (ex.truncated) expect(q.rrname.replace(/\\x[0-9a-f]{2}/g, '?').length).toBe(EXAMPLE_BYTES);
        expect(mine.map((x) => RRTYPE[x.qtype] ?? x.qtype)).toContain(q.rrtype);
        // The window starts at one of these packets, to the microsecond.
        const startUs = usOf(a.dnsae.window.start);
        expect(mine.map((x) => epochUs(x.time))).toContain(startUs);
        expect(a.dnsae.window.start <= a.timestamp).toBe(true);
        expect(a.dnsae.counters.queries).toBeGreaterThan(0);
        expect(a.dnsae.counters.queries).toBeLessThanOrEqual(mine.length);
        expect(a.dnsae.score).toBeGreaterThan(a.dnsae.threshold);
        expect(Object.keys(a.dnsae.per_feature_error)).toHaveLength(QUESTION_FEATURE_COUNT);
      }
    }
    expect(alerts).toBeGreaterThanOrEqual(4);
  });
});

describe('tunnel record timestamps', () => {
  // A float64 epoch resolves about 0.24 us at 2017 times: windows keep their first and last packets'
  // integer seconds and nanoseconds, so records print the packets' own times (as Suricata does).
  it('window.start and the alert timestamp are packet times to the microsecond', async () => {
    for (const file of CAPTURES) {
      const r = await runStage(model, [file]);
      const times = new Set(tsharkTimes(file).map(eveTimeOf));
      for (const a of r.lines) {
        expect(times).toContain(a.dnsae.window.start);
        expect(times).toContain(a.timestamp);
      }
    }
  });
});

/** Times of every DNS packet of a capture, as tshark reads them. */
function tsharkTimes(file: string): string[] {
  return execFileSync('tshark', ['-r', file, '-Y', 'dns', '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter(Boolean);
}

/** Ethernet, IPv4, UDP (no checksum) around a DNS message. */
function udpFrame(src: number, dst: number, sport: number, dport: number, dns: Uint8Array): Uint8Array {
  const b = Buffer.alloc(14 + 20 + 8 + dns.length);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  b[14] = 0x45;
  b.writeUInt16BE(20 + 8 + dns.length, 16);
  b[22] = 64;
  b[23] = 17;
  b.writeUInt32BE(src >>> 0, 26);
  b.writeUInt32BE(dst >>> 0, 30);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += b.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  b.writeUInt16BE(~sum & 0xffff, 24);
  b.writeUInt16BE(sport, 34);
  b.writeUInt16BE(dport, 36);
  b.writeUInt16BE(8 + dns.length, 38);
  b.set(dns, 42);
  return new Uint8Array(b);
}

function queryOf(id: number, labels: Uint8Array[], qtype: number): Uint8Array {
  const parts = [Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l));
  parts.push(Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]));
  return new Uint8Array(Buffer.concat(parts));
}

describe('tunnel records of binary names', () => {
  it('stay valid JSON with the name\'s bytes escaped as \\xNN', async () => {
    // NULL-type queries whose first label is raw binary (iodine's raw mode), under binary.test.
    const records = [];
    const tail = [Buffer.from('binary'), Buffer.from('test')];
    for (let i = 0; i < 12; i++) {
      const raw = Uint8Array.from({ length: 40 }, (_, k) => (k * 37 + i * 11 + 0x80) & 0xff);
      raw[0] = 0x22; // a quote
      raw[1] = 0x5c; // a backslash
      raw[2] = 0x00;
      records.push({ sec: 1_700_000_000 + i, frac: 0, data: udpFrame(0x0a000001, 0x0a000035, 40000 + i, 53, queryOf(i, [raw, ...tail], 10)) });
    }
    const file = path.join(dir, 'binary.pcap');
    await writeFile(file, buildPcap({}, records));
    // threshold 0 makes every window an alert, so the alert record itself is built for this name.
    const hot: QuestionModel = { ...model, meta: { ...model.meta, threshold: 0 } };
    const r = await runStage(hot, [file], { all: true });
    const alert = r.lines.find((l) => l.event_type === 'alert');
    const window = r.lines.find((l) => l.event_type === 'dns_ae_window');
    expect(alert).toBeDefined();
    expect(window).toBeDefined();
    expect(alert!.dnsae.registered_domain).toBe('binary.test');
    const rrname: string = alert!.dns.query[0].rrname;
    expect(alert!.dns.query[0].rrtype).toBe('NULL');
    expect(/^[\x20-\x7e]*$/.test(rrname)).toBe(true);
    expect(rrname.startsWith('"\\\\x00')).toBe(true);
    expect(rrname.endsWith('.binary.test')).toBe(true);
    // One of the names sent, byte for byte once the escapes are undone.
    const unescaped = Buffer.from(rrname.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    const sent = records.map((rec) => Buffer.from(rec.data.subarray(42 + 12 + 1, 42 + 12 + 1 + 40)));
    // Upper-case ASCII is folded by the decoder; compare folded.
    const fold = (b: Buffer) => Buffer.from(b.map((c) => (c >= 0x41 && c <= 0x5a ? c + 32 : c)));
    expect(sent.map((b) => fold(b).toString('latin1'))).toContain(unescaped.subarray(0, 40).toString('latin1'));
    expect(window!.dnsae.examples.every((e: { rrname: string }) => /^[\x20-\x7e]*$/.test(e.rrname))).toBe(true);
  });
});
