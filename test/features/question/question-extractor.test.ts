// The extractor's windows against an independent grouping of the same
// captures: tshark's reading of every DNS message, the client taken as the
// querier (source of a query, destination of a response), the registered
// domain from tldts directly, and 60-s windows from each pair's first message.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'tldts';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../../src/capture/open-capture.js';
import { WEIRD_NAMES, type WeirdName } from '../../../src/decode/weirds.js';
import { QuestionExtractor } from '../../../src/features/question/question-extractor.js';
import { RegisteredDomains } from '../../../src/features/question/registered-domain.js';
import { B_DOMAIN, DOMAIN_BYTES, F_START, W_C0, W_CV, W_DOM_LEN, W_Q, W_R, WindowTable } from '../../../src/features/question/window-table.js';
import { formatIpWords } from '../../../src/flow/ip-format.js';
import { DEFAULT_PIPELINE_OPTIONS, Pipeline } from '../../../src/pipeline.js';
import { ROOT, silentLog } from '../../scoring/question/question-fixture.js';

const WINDOW_SEC = 60;
const TUNNELS = readdirSync(path.join(ROOT, 'test/fixtures/anomalous/in-protocol-tunnel')).map((f) => `anomalous/in-protocol-tunnel/${f}`);
const BENIGN = readdirSync(path.join(ROOT, 'test/fixtures/benign')).map((f) => `benign/${f}`);
const MALFORMED_DIR = '/work/shared/corpus/malformed';
const fixture = (f: string) => path.join(ROOT, 'test/fixtures', f);

interface Win {
  client: string;
  domain: string;
  startUs: number;
  q: number;
  r: number;
}

/** Windows the extractor closes over `file`, through the real pipeline (fast lane on or off). */
async function extractorWindows(file: string, fastLane: boolean): Promise<{ windows: Win[]; ex: QuestionExtractor; weirds: Record<string, number> }> {
  const windows: Win[] = [];
  let ex: QuestionExtractor | undefined;
  const p = new Pipeline(
    { ...DEFAULT_PIPELINE_OPTIONS, fastLane, keepMessageBytes: 512 },
    { onBatch: (b) => ex!.onBatch(b), drain: () => Promise.resolve() },
    silentLog,
  );
  ex = new QuestionExtractor({ windowSec: WINDOW_SEC, maxWindows: 65_536 }, new RegisteredDomains(), p.weirds, (t, s) => {
    const w = t.i32;
    const b = s * WindowTable.I32_WORDS;
    const n = w[b + W_DOM_LEN]!;
    const o = s * WindowTable.BYTES_PER + B_DOMAIN;
    windows.push({
      client: formatIpWords(w[b + W_CV] === 6 ? 6 : 4, w[b + W_C0]!, w[b + W_C0 + 1]!, w[b + W_C0 + 2]!, w[b + W_C0 + 3]!),
      domain: Buffer.from(t.bytes.subarray(o, o + Math.min(n, DOMAIN_BYTES))).toString('latin1'),
      startUs: Math.round(t.f64[s * WindowTable.F64_WORDS + F_START]! * 1e6),
      q: w[b + W_Q]!,
      r: w[b + W_R]!,
    });
  });
  await p.runSource(await openCapture(file), 0);
  ex.flush();
  const weirds: Record<string, number> = {};
  for (const name of WEIRD_NAMES) if (p.weirds.get(name as WeirdName) > 0) weirds[name] = p.weirds.get(name as WeirdName);
  return { windows, ex, weirds };
}

const TLDTS = { allowPrivateDomains: true, extractHostname: false, validateHostname: false, mixedInputs: false, detectIp: false, detectSpecialUse: false } as const;

/** The registered domain as docs/question.md defines it, from tldts: on the list, the domain (or the whole name); else the last two labels. */
function registeredDomain(name: string): string {
  const r = parse(name, TLDTS);
  if (r.isIcann === true || r.isPrivate === true) return r.domain === null || r.domain === '' ? name : r.domain;
  // Under no listed suffix, a top label with a digit or over 15 characters is no zone: the client's "" group.
  const top = name.split('.').pop()!;
  if (top.length > 15 || /[0-9]/.test(top)) return '';
  return name.split('.').slice(-2).join('.');
}

/**
 * The independent grouping, from tshark's fields. Every frame is read (not
 * only DNS ones) so that a reassembled datagram can take the time of its
 * first fragment, which is the one dnsae reads (docs/flows.md: later
 * fragments are dropped). DNS quoted inside ICMP errors is not a message.
 */
function tsharkWindows(file: string): Win[] {
  const out = execFileSync(
    'tshark',
    [
      '-r', file, '-T', 'fields', '-E', 'aggregator=\x1f',
      '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.protocols',
      '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.dst', '-e', 'ipv6.dst',
      '-e', 'udp.port', '-e', 'tcp.port', '-e', 'ip.fragment', '-e', 'ipv6.fragment',
      '-e', 'dns.flags.response', '-e', 'dns.qry.name', '-e', 'dns.flags.opcode',
    ],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  const timeOf = new Map<string, number>();
  const open = new Map<string, Win>();
  const done: Win[] = [];
  const last = (v: string | undefined) => (v === undefined || v === '' ? '' : v.split('\x1f').pop()!);
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [num, time, protos, ip4s, ip6s, ip4d, ip6d, udpPorts, tcpPorts, frag4, frag6, resp, names, opcodes] = line.split('\t');
    const [sec, frac] = time!.split('.');
    const frameUs = Number(sec) * 1e6 + Number((frac ?? '').padEnd(9, '0').slice(0, 6));
    timeOf.set(num!, frameUs);
    if (resp === undefined || resp === '') continue;
    if (/(^|:)icmp(v6)?(:|$)/.test(protos!)) continue;
    const ports = `${udpPorts ?? ''}\x1f${tcpPorts ?? ''}`.split('\x1f');
    if (!ports.includes('53')) continue;
    const fragments = (frag4 || frag6 || '').split('\x1f').filter(Boolean);
    const us = fragments.length > 0 ? (timeOf.get(fragments[0]!) ?? frameUs) : frameUs;
    const src = last(ip6s) || last(ip4s);
    const dst = last(ip6d) || last(ip4d);
    const responses = resp.split('\x1f');
    const qnames = (names ?? '').split('\x1f');
    const ops = (opcodes ?? '').split('\x1f');
    // One entry per DNS message of the frame (several on a TCP stream).
    for (let i = 0; i < responses.length; i++) {
      const name = (qnames[i] ?? '').toLowerCase();
      if (name === '' || name === '<root>') continue;
      // Only standard queries (opcode QUERY) form windows; NOTIFY, UPDATE and the rest are left to the header stage.
      if ((ops[i] ?? '0') !== '0') continue;
      const isResponse = responses[i] === '1';
      const client = isResponse ? dst : src;
      const k = `${client} ${registeredDomain(name)}`;
      let w = open.get(k);
      if (w !== undefined && us - w.startUs >= WINDOW_SEC * 1e6) {
        done.push(w);
        w = undefined;
      }
      if (w === undefined) {
        // The table keeps the first DOMAIN_BYTES of a domain (it keys on the whole one's hash and length).
        w = { client, domain: registeredDomain(name).slice(0, DOMAIN_BYTES), startUs: us, q: 0, r: 0 };
        open.set(k, w);
      }
      if (isResponse) w.r++;
      else w.q++;
    }
  }
  return [...done, ...open.values()];
}

/**
 * Windows compared on everything but the start's last microsecond: the
 * extractor keeps packet time as float64 seconds, which cannot hold every
 * nanosecond timestamp of a pcapng file, so its start rounds either way.
 */
function expectSameWindows(got: Win[], want: Win[]): void {
  const noTime = (ws: Win[]) => ws.map((w) => `${w.client} ${w.domain} q=${w.q} r=${w.r}`).sort();
  expect(noTime(got)).toEqual(noTime(want));
  const byStart = (ws: Win[]) => [...ws].sort((a, b) => a.startUs - b.startUs || (a.client + a.domain < b.client + b.domain ? -1 : 1));
  const g = byStart(got);
  const w = byStart(want);
  for (let i = 0; i < g.length; i++) {
    expect(Math.abs(g[i]!.startUs - w[i]!.startUs), `${g[i]!.client} ${g[i]!.domain}`).toBeLessThanOrEqual(1);
  }
}

const sorted = (ws: Win[]) => ws.map((w) => `${w.client} ${w.domain} ${w.startUs} q=${w.q} r=${w.r}`).sort();

describe('QuestionExtractor through the pipeline', () => {
  it.each([...TUNNELS, ...BENIGN])('%s: the windows of an independent grouping of tshark\'s messages', async (f) => {
    const got = await extractorWindows(fixture(f), true);
    const want = tsharkWindows(fixture(f));
    expectSameWindows(got.windows, want);
    expect(got.ex.table.stats.windows_opened).toBe(want.length);
    expect(got.ex.stats.queries).toBe(want.reduce((a, w) => a + w.q, 0));
    expect(got.ex.stats.responses).toBe(want.reduce((a, w) => a + w.r, 0));
  });

  it.each([...TUNNELS, ...BENIGN])('%s: the same windows with the fast lane off', async (f) => {
    const on = await extractorWindows(fixture(f), true);
    const off = await extractorWindows(fixture(f), false);
    expect(sorted(off.windows)).toEqual(sorted(on.windows));
    expect(off.ex.stats).toEqual(on.ex.stats);
    expect(off.weirds).toEqual(on.weirds);
  });

  const malformed = readdirSync(MALFORMED_DIR).filter((f) => /\.pcap(ng)?$/.test(f));
  it.each(malformed)('malformed/%s: unreadable questions are counted weirds, never thrown', async (f) => {
    const file = path.join(MALFORMED_DIR, f);
    let r: Awaited<ReturnType<typeof extractorWindows>> | undefined;
    try {
      r = await extractorWindows(file, true);
    } catch (err) {
      // A damaged capture file may end with a coded capture error; the extractor itself must not throw.
      expect((err as { code?: string }).code, String(err)).toMatch(/^DNSAE_ERR_/);
      return;
    }
    const s = r.ex.stats;
    expect(s.messages).toBe(s.queries + s.responses + s.not_kept + s.no_question + s.root + s.not_query);
    const weirdTotal = Object.values(r.weirds).reduce((a, b) => a + b, 0);
    if (s.no_question > 0) expect(weirdTotal).toBeGreaterThan(0);
  });

  // What each capture holds, from the corpus MANIFEST (the captures' own descriptions).
  it.each([
    ['suricata__dns-forward-pointer.pcap', 'dns_name_forward_pointer', 1], // "forward compression pointer"
    ['tcpdump__dns_fwdptr.pcap', 'dns_name_forward_pointer', 1], // "using forward compression pointers"
    ['zeek__dns-invalid-names.pcap', 'dns_name_pointer_loop', 1], // "a compression pointer that loops"
    ['ndpi__dns_invert_query.pcapng', 'dns_no_question', 2], // "with no question section", query and reply
  ] as const)('malformed/%s: counted as %s', async (f, weird, n) => {
    const r = await extractorWindows(path.join(MALFORMED_DIR, f), true);
    expect(r.weirds[weird]).toBe(n);
    expect(r.ex.stats.no_question).toBeGreaterThanOrEqual(n);
  });

  it('malformed/zeek__dns-invalid-names.pcap: all three queries are counted without a window', async () => {
    const r = await extractorWindows(path.join(MALFORMED_DIR, 'zeek__dns-invalid-names.pcap'), true);
    expect(r.ex.stats.messages).toBe(3);
    expect(r.ex.stats.no_question).toBe(3);
    expect(r.windows).toEqual([]);
  });
});
