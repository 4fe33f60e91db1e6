// The fuzz harness shared by `npm run fuzz` (scripts/fuzz/fuzz.mjs, against dist/)
// and the CI test test/robustness/fuzz-short.test.ts (against src/). It takes
// the modules under test as an `api` object so one harness serves both.
//
// Each target is a fast-check property over a mutation plan applied to seed
// inputs from test/fixtures (capture files, their frames, the shipped model
// directory). A property fails on any exception that is not the module's
// documented error, on a broken invariant, or on a reader that keeps reading
// past the end of its input (a hang). The failing input is written to the
// regressions directory; test/robustness/fuzz-regressions.test.ts replays it.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import dnsPacket from 'dns-packet';
import fc from 'fast-check';

export const TARGETS = ['decode', 'capture', 'truncate', 'flow', 'lane', 'rules', 'model', 'question'];

/** Share of the run budget per target; model loads are slow and get a fixed small share. */
const WEIGHTS = { decode: 0.3, capture: 0.2, truncate: 0.04, flow: 0.16, lane: 0.05, rules: 0.248, model: 0.002, question: 0.1 };

/** Whole-file mutations use files up to this size so one run stays around a millisecond. */
const MAX_SEED_FILE = 48 * 1024;

// ---------------------------------------------------------------- seeds

async function listCaptures(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'fuzz-regressions') continue;
      out.push(...(await listCaptures(p)));
    } else if (/\.(pcap|pcapng)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/**
 * Reads every capture under `fixturesDir` once: whole files (small ones) for
 * file mutations, and every frame (with its link type) for decoder mutations.
 */
export async function loadSeeds(api, fixturesDir, modelDir) {
  const files = [];
  const frames = [];
  for (const f of await listCaptures(fixturesDir)) {
    const bytes = new Uint8Array(await readFile(f));
    if (bytes.length <= MAX_SEED_FILE) files.push({ name: path.basename(f), bytes });
    try {
      const src = await api.openCaptureInput(f, memoryInput(bytes));
      await src.run((fr) => {
        if (frames.length < 20_000) frames.push({ linktype: fr.linktype, bytes: fr.buf.slice(fr.offset, fr.offset + fr.capLen), origLen: fr.origLen });
      });
    } catch {
      // Damaged fixtures still gave their frames before the damage.
    }
  }
  const model = {};
  if (modelDir !== undefined) {
    for (const n of ['dnsae.json', 'model.json', 'weights.bin']) model[n] = new Uint8Array(await readFile(path.join(modelDir, n)));
  }
  return { files, frames, model, linktypes: api.LINKTYPE_TABLE.map((e) => e.value), messages: dnsMessagesOf(api, frames) };
}

/** The UDP port-53 payloads of at least a header's length among `frames`: real DNS messages to mutate. */
function dnsMessagesOf(api, frames) {
  const out = [];
  const pkt = api.newDecodedPacket();
  const weirds = new api.WeirdCounters();
  for (const f of frames) {
    const fr = asFrame(f);
    if (!api.decodeFrame(fr, pkt, weirds) || pkt.protocol !== 17 || (pkt.srcPort !== 53 && pkt.dstPort !== 53)) continue;
    if (pkt.payloadCaptured >= 12 && out.length < 5000) out.push(fr.buf.slice(pkt.payloadOffset, pkt.payloadOffset + pkt.payloadCaptured));
  }
  return out;
}

// ---------------------------------------------------------------- inputs

/**
 * A ByteInput over memory that hands out at most `step` bytes per read
 * (records split across reads) and fails loudly when a reader keeps asking
 * after end of input, which would otherwise be an endless loop.
 */
export function memoryInput(bytes, step = 1 << 30) {
  let pos = 0;
  let eofReads = 0;
  let closed = false;
  return {
    async read(into, offset, length) {
      if (closed) throw new Error('read after close');
      if (pos >= bytes.length) {
        if (++eofReads > 64) throw new Error('reader keeps reading at end of input (hang)');
        return 0;
      }
      const n = Math.min(length, step, bytes.length - pos);
      into.set(bytes.subarray(pos, pos + n), offset);
      pos += n;
      return n;
    },
    async close() {
      closed = true;
    },
  };
}

// ---------------------------------------------------------------- mutations

const INTERESTING_32 = [0, 1, 2, 3, 4, 7, 8, 11, 12, 15, 16, 20, 23, 24, 28, 31, 32, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 262_144, 262_145, 16 << 20, (16 << 20) + 1, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];
const INTERESTING_16 = [0, 1, 7, 8, 9, 12, 19, 20, 39, 40, 0x5dc, 0x7fff, 0x8000, 0xfffe, 0xffff];

/** One mutation: parameters are raw numbers, reduced modulo the input at apply time (so shrinking stays meaningful). */
const opArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('flip'), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('byte'), at: fc.nat(), v: fc.nat(255) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('u16'), at: fc.nat(), v: fc.constantFrom(...INTERESTING_16), le: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('u32'), at: fc.nat(), v: fc.constantFrom(...INTERESTING_32), le: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('lenfield'), which: fc.nat(), field: fc.nat(), v: fc.constantFrom(...INTERESTING_32), delta: fc.integer({ min: -8, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cut'), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delete'), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('insert'), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dup'), from: fc.nat(), n: fc.integer({ min: 1, max: 512 }), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('splice'), other: fc.nat(), from: fc.nat(), at: fc.nat() }) },
);

const plansArb = fc.array(opArb, { minLength: 1, maxLength: 6 });

/**
 * Offsets of the 32-bit length-like fields of a capture file: pcap record
 * incl_len/orig_len and header snaplen/linktype; pcapng block total lengths
 * (both copies), SHB section length, IDB link type/snaplen and EPB/SPB
 * captured/original lengths. The walk follows the file as it is, so it works
 * on already-mutated bytes too.
 */
export function lengthFields(b) {
  const out = [];
  if (b.length < 24) return out;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, true);
  if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(magic)) {
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    out.push({ at: 16, le }, { at: 20, le });
    for (let p = 24; p + 16 <= b.length && out.length < 4096; ) {
      out.push({ at: p + 8, le }, { at: p + 12, le });
      p += 16 + dv.getUint32(p + 8, le);
    }
    return out;
  }
  if (magic !== 0x0a0d0d0a) return out;
  let le = true;
  for (let p = 0; p + 12 <= b.length && out.length < 4096; ) {
    const type = dv.getUint32(p, le);
    if (type === 0x0a0d0d0a && p + 12 <= b.length) le = dv.getUint32(p + 8, true) === 0x1a2b3c4d;
    const total = dv.getUint32(p + 4, le);
    out.push({ at: p + 4, le });
    if (type === 0x0a0d0d0a) out.push({ at: p + 16, le }, { at: p + 20, le });
    if (type === 1) out.push({ at: p + 8, le }, { at: p + 12, le });
    if (type === 6 || type === 2) out.push({ at: p + 20, le }, { at: p + 24, le });
    if (type === 3) out.push({ at: p + 8, le });
    if (total < 12 || total % 4 !== 0) break;
    if (p + total - 4 >= 0 && p + total <= b.length) out.push({ at: p + total - 4, le });
    p += total;
  }
  return out.filter((f) => f.at >= 0 && f.at + 4 <= b.length);
}

function put16(b, at, v, le) {
  if (at < 0 || at + 2 > b.length) return;
  if (le) [b[at], b[at + 1]] = [v & 0xff, v >>> 8];
  else [b[at], b[at + 1]] = [v >>> 8, v & 0xff];
}

function put32(b, at, v, le) {
  if (at < 0 || at + 4 > b.length) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, le);
}

/** Applies a mutation plan to a copy of `seed`; `others` are splice donors. */
export function mutate(seed, ops, others, structured = true) {
  let b = seed.slice();
  for (const op of ops) {
    const n = b.length;
    switch (op.k) {
      case 'flip':
        if (n > 0) b[op.at % n] ^= 1 << op.bit;
        break;
      case 'byte':
        if (n > 0) b[op.at % n] = op.v;
        break;
      case 'u16':
        if (n >= 2) put16(b, op.at % (n - 1), op.v, op.le);
        break;
      case 'u32':
        if (n >= 4) put32(b, op.at % (n - 3), op.v, op.le);
        break;
      case 'lenfield': {
        const fields = structured ? lengthFields(b) : [];
        if (fields.length === 0) break;
        const f = fields[op.which % fields.length];
        const cur = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(f.at, f.le);
        // Half the time a small step from the real value (off-by-one), else an interesting value.
        put32(b, f.at, op.field % 2 === 0 ? cur + op.delta : op.v, f.le);
        break;
      }
      case 'cut':
        b = b.slice(0, n === 0 ? 0 : op.at % (n + 1));
        break;
      case 'delete': {
        if (n === 0) break;
        const at = op.at % n;
        b = concat(b.subarray(0, at), b.subarray(Math.min(n, at + op.n)));
        break;
      }
      case 'insert': {
        const at = op.at % (n + 1);
        b = concat(b.subarray(0, at), op.bytes, b.subarray(at));
        break;
      }
      case 'dup': {
        if (n === 0) break;
        const from = op.from % n;
        const piece = b.slice(from, Math.min(n, from + op.n));
        const to = op.to % (n + 1);
        b = concat(b.subarray(0, to), piece, b.subarray(to));
        break;
      }
      case 'splice': {
        if (others.length === 0) break;
        const o = others[op.other % others.length];
        const from = o.length === 0 ? 0 : op.from % o.length;
        const at = op.at % (n + 1);
        b = concat(b.subarray(0, at), o.subarray(from));
        break;
      }
    }
  }
  return b;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---------------------------------------------------------------- invariants

class InvariantError extends Error {
  name = 'InvariantError';
}

function check(cond, msg) {
  if (!cond) throw new InvariantError(msg);
}

/**
 * A frame description ({ linktype, bytes, origLen }, the form regression files
 * keep) as a reader would deliver it: the bytes inside a larger buffer, after
 * and before unrelated bytes, so a decoder that ignores the offset or reads
 * past the captured length shows.
 */
export function asFrame(desc) {
  const pad = 5;
  const buf = new Uint8Array(desc.bytes.length + 2 * pad).fill(0xa5);
  buf.set(desc.bytes, pad);
  return { tsSec: 0, tsNsec: 0, ifIndex: 0, fileOffset: 0, ...desc, buf, offset: pad, capLen: desc.bytes.length };
}

/** decodeFrame on one frame: never throws, offsets inside the frame, a weird for every rejection. */
export function checkDecode(api, frame, ctx) {
  const weirds = ctx.weirds;
  const before = weirds.total();
  const out = ctx.pkt;
  const ok = api.decodeFrame(frame, out, weirds);
  const base = frame.offset;
  const len = frame.capLen;
  check(typeof ok === 'boolean', 'decodeFrame must return a boolean');
  if (!ok) {
    check(weirds.total() > before, `decodeFrame rejected a frame (linktype ${frame.linktype}, ${len} bytes) without counting a weird`);
    return false;
  }
  check(out.ipVersion === 4 || out.ipVersion === 6, `decoded packet has ipVersion ${out.ipVersion}`);
  check(out.protocol === 6 || out.protocol === 17, `decoded packet has protocol ${out.protocol}`);
  const alen = out.ipVersion === 4 ? 4 : 16;
  check(out.srcAddrOffset >= base && out.srcAddrOffset + alen <= base + len, `source address at ${out.srcAddrOffset} outside ${len} bytes`);
  check(out.dstAddrOffset >= base && out.dstAddrOffset + alen <= base + len, `destination address at ${out.dstAddrOffset} outside ${len} bytes`);
  check(Number.isInteger(out.srcPort) && out.srcPort >= 0 && out.srcPort <= 0xffff, 'source port out of range');
  check(Number.isInteger(out.dstPort) && out.dstPort >= 0 && out.dstPort <= 0xffff, 'destination port out of range');
  check(out.payloadCaptured >= 0 && out.payloadOffset >= base, `negative payload (offset ${out.payloadOffset}, captured ${out.payloadCaptured})`);
  check(out.payloadOffset + out.payloadCaptured <= base + len, `payload ${out.payloadOffset}+${out.payloadCaptured} runs past the ${len} captured bytes`);
  check(out.payloadLength >= 0, `negative payload length ${out.payloadLength}`);
  check(out.protocol !== 17 || out.firstFragment || out.payloadCaptured <= out.payloadLength, `UDP captured ${out.payloadCaptured} > claimed ${out.payloadLength}`);
  return true;
}

function newCtx(api) {
  return { pkt: api.newDecodedPacket(), weirds: new api.WeirdCounters() };
}

/**
 * A capture file through reader, decoder and flow assembler, as the pipeline
 * does it. Returns the frames' offsets and lengths (for the truncation
 * property). Throws on anything but a CaptureFileError from the reader.
 */
export async function checkCapture(api, name, bytes, step, chunkSize) {
  const ctx = newCtx(api);
  let samples = 0;
  const flows = new api.FlowAssembler({ maxFlows: 64, batchSize: 16 }, (batch) => {
    for (let i = 0; i < batch.count; i++) {
      check(batch.headLen[i] <= 12, 'sample head longer than 12 bytes');
      check(batch.payloadLength[i] >= 0, `sample with negative length ${batch.payloadLength[i]}`);
    }
    samples += batch.count;
  }, ctx.weirds);
  const seen = [];
  let lastOffset = -1;
  let error;
  try {
    const opts = chunkSize === undefined ? {} : { chunkSize };
    const src = await api.openCaptureInput(name, memoryInput(bytes, step), opts);
    await src.run((fr) => {
      check(fr.capLen <= fr.origLen, `frame of ${fr.capLen} bytes with origLen ${fr.origLen}`);
      check(fr.offset >= 0 && fr.offset + fr.capLen <= fr.buf.length, `frame at ${fr.offset}+${fr.capLen} outside its ${fr.buf.length}-byte buffer`);
      check(fr.tsNsec >= 0 && fr.tsNsec < 1e9 && Number.isInteger(fr.tsNsec), `tsNsec ${fr.tsNsec}`);
      check(Number.isFinite(fr.tsSec), `tsSec ${fr.tsSec}`);
      check(fr.fileOffset > lastOffset && fr.fileOffset + fr.capLen <= bytes.length, `frame at ${fr.fileOffset} (${fr.capLen} bytes) out of order or outside the ${bytes.length}-byte file`);
      lastOffset = fr.fileOffset;
      seen.push([fr.fileOffset, fr.capLen]);
      if (checkDecode(api, fr, ctx)) flows.ingest(ctx.pkt, fr.tsSec, fr.tsNsec, 0);
    });
  } catch (err) {
    if (err instanceof InvariantError) throw err;
    if (!(err instanceof api.CaptureFileError)) throw err;
    check(api.ERROR_CODES[err.code]?.exit === 3, `capture error ${err.code} is not an input error`);
    check(err.file === name, `capture error names ${err.file}, not ${name}`);
    check(err.offset === undefined || (err.offset >= 0 && err.offset <= bytes.length), `capture error offset ${err.offset} outside the ${bytes.length}-byte file`);
    error = err;
  }
  flows.flush();
  const st = flows.stats;
  check(st.flows_active === 0 && st.tcp_buffered_bytes === 0, 'flow state left after flush');
  check(samples === st.udp_samples + st.tcp_samples, `samples delivered ${samples} != counted ${st.udp_samples + st.tcp_samples}`);
  return { frames: seen, error };
}

/** A valid capture cut at `cut` gives a prefix of its frames, every record wholly before the cut, and a truncation error unless cut on a boundary. */
export async function checkTruncation(api, name, bytes, cut) {
  const full = await checkCapture(api, name, bytes);
  if (full.error !== undefined) return;
  const part = await checkCapture(api, name, bytes.subarray(0, cut), 1 + (cut % 7919));
  check(part.frames.length <= full.frames.length, 'more frames from the cut file than from the whole');
  for (let i = 0; i < part.frames.length; i++) {
    check(part.frames[i][0] === full.frames[i][0] && part.frames[i][1] === full.frames[i][1], `frame ${i} differs after the cut at ${cut}`);
  }
  const pcap = bytes[0] !== 0x0a;
  if (pcap) {
    // Classic pcap: the records that end before the cut are exactly the frames (16-byte record header).
    const expected = full.frames.filter(([o, n]) => o + 16 + n <= cut).length;
    check(part.frames.length === expected, `cut at ${cut}: ${part.frames.length} frames, ${expected} records end before it`);
  }
  const boundary = cut === bytes.length || full.frames.some(([o]) => o === cut);
  if (cut === 0) check(part.error?.code === 'DNSAE_ERR_FILE_EMPTY', `empty file gave ${part.error?.code}`);
  else if (!boundary && pcap) check(part.error?.code === 'DNSAE_ERR_TRUNCATED_FILE', `cut at ${cut} gave ${part.error?.code ?? 'no error'}`);
  if (part.error?.code === 'DNSAE_ERR_TRUNCATED_FILE') check(part.error.offset !== undefined, 'truncation error without an offset');
}

/** checkHeader: a subset of the enabled rules, never reading past headLen, no rule without its bytes. */
export function checkRules(api, head, off, headLen, messageLength, transport, direction, mask) {
  const r = api.checkHeader(head, off, headLen, messageLength, transport, direction, mask);
  check(Number.isInteger(r) && r >= 0 && r <= 0xffffffff, `checkHeader returned ${r}`);
  check((r & ~mask) === 0, 'a rule outside the enabled mask fired');
  const all = api.checkHeader(head, off, headLen, messageLength, transport, direction, api.ALL_RULES_MASK);
  check(((all & mask) >>> 0) === r, 'result depends on the mask beyond filtering');
  for (const rule of api.RULES) {
    if (((all >>> rule.bit) & 1) === 0) continue;
    check(rule.needsBytes <= headLen, `${rule.name} fired with ${headLen} header bytes (needs ${rule.needsBytes})`);
    check(!rule.needsLength || messageLength >= 0, `${rule.name} fired with unknown length`);
  }
  const poisoned = head.slice();
  for (let i = off + headLen; i < poisoned.length; i++) poisoned[i] ^= 0xff;
  for (let i = 0; i < off; i++) poisoned[i] ^= 0xff;
  check(api.checkHeader(poisoned, off, headLen, messageLength, transport, direction, api.ALL_RULES_MASK) === all, 'checkHeader read bytes outside [off, off+headLen)');
}

/**
 * loadModelDir on a mutated copy of a model directory: it loads (and then
 * every weight is finite and the layer chain fits) or it rejects with a
 * ModelError. `files` maps file name to bytes.
 */
export async function checkModel(api, files) {
  const dir = await mkdtemp(path.join(tmpdir(), 'dnsae-fuzz-model-'));
  try {
    for (const [n, b] of Object.entries(files)) await writeFile(path.join(dir, n), b);
    let loaded;
    try {
      loaded = await api.loadModelDir(dir);
    } catch (err) {
      if (err instanceof api.ModelError) {
        check(api.ERROR_CODES[err.code]?.exit === 4, `model error ${err.code} is not a model error`);
        return;
      }
      throw err;
    }
    let prev = loaded.layers[0]?.inDim;
    for (const l of loaded.layers) {
      check(l.inDim === prev && l.kernel.length === l.inDim * l.outDim && l.bias.length === l.outDim, 'loaded layer shapes do not chain');
      check(l.kernel.every(Number.isFinite) && l.bias.every(Number.isFinite), 'loaded weights not finite');
      prev = l.outDim;
    }
    check(Number.isFinite(loaded.meta.threshold), `threshold ${loaded.meta.threshold}`);
    loaded.model.dispose?.();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** JSON-aware tampering: replace one value somewhere in the document. */
const jsonValueArb = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1, 1e308, -0, 0.5, 65536, '', '..', '../weights.bin', 'relu', 'linear', 'float16', 'Dense', [], {}, [0], [1, 1], [-1, 8]),
  fc.integer(),
  fc.string({ maxLength: 8 }),
);
const jsonEditArb = fc.record({ pick: fc.nat(), value: jsonValueArb, drop: fc.boolean() });

function editJson(text, edit) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  const slots = [];
  const walk = (v, parent, key) => {
    if (parent !== undefined) slots.push([parent, key]);
    if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], v, Array.isArray(v) ? Number(k) : k);
  };
  walk(doc, undefined, undefined);
  if (slots.length === 0) return text;
  const [parent, key] = slots[edit.pick % slots.length];
  if (edit.drop && !Array.isArray(parent)) delete parent[key];
  else parent[key] = edit.value;
  return JSON.stringify(doc);
}

// ---------------------------------------------------------------- DNS question

const dnsTypes = createRequire(import.meta.url)('dns-packet/types.js');

/** The fields of a DnsQuestion as one string, name bytes and label tables included. */
function questionState(q) {
  const name = Buffer.from(q.name.subarray(0, q.nameLen)).toString('hex');
  const labels = `${Buffer.from(q.labelStart.subarray(0, q.labelCount)).toString('hex')}/${Buffer.from(q.labelLen.subarray(0, q.labelCount)).toString('hex')}`;
  const rest = Object.entries(q).filter(([, v]) => !ArrayBuffer.isView(v)).map(([k, v]) => `${k}=${v}`).join(' ');
  return `${rest} ${name} ${labels}`;
}

/**
 * decodeQuestion on `msg` kept to `keep` bytes of a message of `msgLen`:
 * never throws, the same result whatever surrounds [off, off+keep) (a read
 * outside shows as a difference), name and label bounds, a name hash of the
 * name it holds, and dns-packet's reading of a whole message it decodes
 * (name and type when ours is QS_OK; a question whenever it succeeds).
 */
export function checkQuestion(api, msg, keep, msgLen) {
  keep = Math.min(keep, msg.length);
  const pad = 9;
  const results = [];
  for (const fill of [0x00, 0xc0, 0x3f]) {
    const buf = new Uint8Array(keep + 2 * pad).fill(fill);
    buf.set(msg.subarray(0, keep), pad);
    const q = api.newDnsQuestion();
    const s = api.decodeQuestion(buf, pad, keep, msgLen, q);
    check(s === q.status && Number.isInteger(s) && s >= 0 && s < api.QUESTION_WEIRD.length, `status ${s}`);
    results.push([questionState(q), q]);
  }
  check(results[0][0] === results[1][0] && results[0][0] === results[2][0], `result depends on bytes outside [off, off+len):\n  ${results[0][0]}\n  ${results[1][0]}`);
  const q = results[0][1];
  check(q.nameLen <= 255 && q.labelCount <= 127 && q.expandedNameLen <= 255, `name ${q.nameLen} bytes, ${q.labelCount} labels, ${q.expandedNameLen} expanded`);
  check(q.answersParsed <= q.ancount && q.answersParsed >= 0 && q.rdataBytes >= 0, `answers ${q.answersParsed} of ${q.ancount}, ${q.rdataBytes} RDATA bytes`);
  check(q.answerStatus >= 0 && q.answerStatus < api.ANSWER_WEIRD.length, `answer status ${q.answerStatus}`);
  if (q.status === api.QS_OK) {
    let sum = q.labelCount > 0 ? q.labelCount - 1 : 0;
    for (let i = 0; i < q.labelCount; i++) {
      check(q.labelLen[i] >= 1 && q.labelLen[i] <= 63 && q.labelStart[i] + q.labelLen[i] <= q.nameLen, `label ${i} at ${q.labelStart[i]}+${q.labelLen[i]}`);
      sum += q.labelLen[i];
    }
    check(sum === q.nameLen, `labels add up to ${sum}, name is ${q.nameLen}`);
    let h = 0x811c9dc5;
    for (let i = 0; i < q.nameLen; i++) h = Math.imul(h ^ q.name[i], 0x01000193);
    check(h >>> 0 === q.nameHash, 'nameHash is not the FNV-1a of the name');
    check(q.wireNameLen >= 1 && 12 + q.wireNameLen + 4 <= keep, `wire name ${q.wireNameLen} bytes in ${keep}`);
  }
  if (keep !== msgLen || keep !== msg.length) return q.status;
  let ref;
  try {
    ref = dnsPacket.decode(Buffer.from(msg.buffer, msg.byteOffset, msg.length));
  } catch {
    return q.status;
  }
  const rq = ref.questions?.[0];
  if (rq === undefined) return q.status;
  check(q.status === api.QS_OK, `dns-packet decodes the question ${JSON.stringify(rq.name)}, decodeQuestion gives status ${q.status}`);
  check(q.qtype === dnsTypes.toType(rq.type), `qtype ${q.qtype}, dns-packet ${rq.type}`);
  // dns-packet reads labels as UTF-8: compare names made of ASCII bytes only.
  if (q.name.subarray(0, q.nameLen).every((b) => b < 0x80)) {
    const ours = Buffer.from(q.name.subarray(0, q.nameLen)).toString('latin1');
    const theirs = rq.name === '.' ? '' : rq.name.replace(/[A-Z]/g, (c) => c.toLowerCase());
    check(ours === theirs, `name ${JSON.stringify(ours)}, dns-packet ${JSON.stringify(theirs)}`);
  }
  return q.status;
}

// ---------------------------------------------------------------- flow sequences

/**
 * DNS-over-TCP messages cut into segments that arrive shuffled, duplicated
 * and overlapping; optional tampering moves sequence numbers anywhere.
 */
const flowArb = fc.record({
  isn: fc.constantFrom(0, 1, 0x7fffffff, 0xfffffff0, 0xffffffff, 12345),
  withSyn: fc.boolean(),
  messages: fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 6 }),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
  extra: fc.array(fc.tuple(fc.nat(), fc.nat(40)), { maxLength: 6 }),
  order: fc.array(fc.nat(), { maxLength: 30 }),
  tamper: fc.array(fc.record({ seg: fc.nat(), seq: fc.nat(), flags: fc.nat(63) }), { maxLength: 3 }),
  udp: fc.array(fc.tuple(fc.nat(3), fc.uint8Array({ maxLength: 20 }), fc.integer({ min: -1, max: 30 })), { maxLength: 5 }),
  maxBuffer: fc.constantFrom(8, 64, 65536),
});

function streamOf(messages) {
  const parts = [];
  for (const m of messages) parts.push(Uint8Array.of(m.length >> 8, m.length & 0xff), m);
  return concat(...parts);
}

export function checkFlow(api, c) {
  const stream = streamOf(c.messages);
  const L = stream.length;
  const cuts = [...new Set([0, L, ...c.cuts.map((x) => x % (L + 1))])].sort((a, b) => a - b);
  const segs = [];
  for (let i = 0; i + 1 < cuts.length; i++) segs.push([cuts[i], cuts[i + 1]]);
  for (const [a, n] of c.extra) {
    const s = a % (L + 1);
    segs.push([s, Math.min(L, s + n)]);
  }
  // A deterministic shuffle driven by `order`.
  for (let i = 0; i < c.order.length && segs.length > 1; i++) {
    const j = c.order[i] % segs.length;
    const k = i % segs.length;
    [segs[j], segs[k]] = [segs[k], segs[j]];
  }
  const got = [];
  const flows = new api.FlowAssembler(
    { maxTcpBufferBytes: c.maxBuffer, maxTcpBufferTotalBytes: c.maxBuffer * 2, batchSize: 4 },
    (batch) => {
      for (let i = 0; i < batch.count; i++) {
        check(batch.headLen[i] <= 12 && batch.payloadLength[i] >= 0, 'bad sample row');
        if (batch.flows[i].transport === 'tcp' && batch.direction[i] === 0) {
          got.push({ len: batch.payloadLength[i], head: batch.head.slice(i * 12, i * 12 + batch.headLen[i]), flags: batch.flags[i] });
        }
      }
    },
  );
  const pkt = api.newDecodedPacket();
  const buf = new Uint8Array(8 + 70_000);
  buf.set([10, 0, 0, 1, 10, 0, 0, 53], 0);
  const send = (proto, seq, flags, data, claimed, sport) => {
    buf.set(data, 8);
    api.resetDecodedPacket?.(pkt, buf);
    pkt.bytes = buf;
    pkt.ipVersion = 4;
    pkt.srcAddrOffset = 0;
    pkt.dstAddrOffset = 4;
    pkt.protocol = proto;
    pkt.srcPort = sport;
    pkt.dstPort = 53;
    pkt.payloadOffset = 8;
    pkt.payloadCaptured = data.length;
    pkt.payloadLength = claimed;
    pkt.firstFragment = false;
    pkt.tcpSeq = seq | 0; // the decoder's form: signed 32-bit (see i32be)
    pkt.tcpFlags = flags;
    pkt.tcpAck = 0;
    flows.ingest(pkt, 1000, 0, 0);
  };
  if (c.withSyn) send(6, c.isn, 0x02, new Uint8Array(0), 0, 40000);
  const base = (c.isn + (c.withSyn ? 1 : 0)) >>> 0;
  let tampered = false;
  segs.forEach(([a, b], i) => {
    const t = c.tamper.find((x) => x.seg % segs.length === i);
    if (t !== undefined) tampered = true;
    send(6, t ? t.seq : base + a, t ? t.flags | 0x10 : 0x18, stream.subarray(a, b), b - a, 40000);
  });
  let udpSamples = 0;
  for (const [p, data, claimedDelta] of c.udp) {
    const claimed = claimedDelta < 0 ? data.length : Math.max(data.length, claimedDelta);
    if (data.length > 0) udpSamples++;
    send(17, 0, 0, data, claimed, 50000 + p);
  }
  flows.flush();
  const st = flows.stats;
  check(st.flows_active === 0 && st.tcp_buffered_bytes === 0, 'flow state left after flush');
  check(st.udp_samples === udpSamples, `udp samples ${st.udp_samples}, expected ${udpSamples}`);
  // Without tampering and without a SYN-less start, the messages come out whole and in order whatever the arrival order.
  // (Overlapping copies may each count against the buffer limit, so the bound is on all bytes sent.)
  const sent = segs.reduce((n, [a, b]) => n + b - a, 0);
  if (!tampered && c.withSyn && c.maxBuffer >= sent) {
    check(got.length === c.messages.length, `${got.length} TCP messages out of ${c.messages.length} sent`);
    for (let i = 0; i < got.length; i++) {
      const m = c.messages[i];
      check(got[i].len === m.length, `message ${i}: length ${got[i].len}, sent ${m.length}`);
      const h = m.subarray(0, 12);
      check(got[i].head.length === h.length && got[i].head.every((v, k) => v === h[k]), `message ${i}: header bytes differ`);
      check((got[i].flags & 0x18) === 0, `message ${i}: flagged unframed/gap (${got[i].flags})`);
    }
  }
}

// ---------------------------------------------------------------- fast lane

const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Everything a consumer can read of batch row `i`, as one string. */
function laneRow(b, i) {
  const f = b.flows[i];
  const head = Buffer.from(b.head.subarray(i * 12, i * 12 + 12)).toString('hex');
  return [
    f.flowId, f.transport, f.clientIp, f.clientPort, f.serverIp, f.serverPort, f.vlan.join('.'), f.sourceIndex, f.ipVersion,
    head, b.headLen[i], b.payloadLength[i], b.tsSec[i], b.tsNsec[i], b.direction[i], b.messageIndex[i], b.flags[i], b.transport[i],
    b.msgBytes > 0 ? Buffer.from(b.msg.subarray(i * b.msgBytes, i * b.msgBytes + b.msgLen[i])).toString('hex') : '-',
  ].join(' ');
}

/** `bytes` as `sources` inputs in a row through a Pipeline, with the fast lane on or off. */
async function runLaneSide(api, name, bytes, o, fastLane) {
  const rows = [];
  const consumer = {
    onBatch(b) {
      for (let i = 0; i < b.count; i++) rows.push(laneRow(b, i));
    },
    drain: async () => undefined,
  };
  const options = { ports: [53], maxFlows: o.maxFlows, udpIdleSec: o.udpIdle, tcpIdleSec: o.tcpIdle, maxTcpBufferBytes: 65_536, batchSize: o.batch, fastLane, keepMessageBytes: o.keep ?? 0 };
  const pipeline = new api.Pipeline(options, consumer, quietLog);
  const errors = [];
  const readers = [];
  for (let i = 0; i < o.sources; i++) {
    let src;
    try {
      src = await api.openCaptureInput(name, memoryInput(bytes, o.step), o.chunk === undefined ? {} : { chunkSize: o.chunk });
      await pipeline.runSource(src, i);
    } catch (err) {
      if (!(err instanceof api.CaptureFileError)) throw err;
      errors.push(`${err.code}@${err.offset}`);
    } finally {
      // The reader's own counts: records the lane took are counted by it.
      if (src !== undefined) readers.push(`${src.stats.frames}/${src.stats.bytes}/${src.stats.skippedBlocks}`);
    }
  }
  const fast = pipeline.assembler.pcapFastPath(0);
  return { rows, stats: JSON.stringify(pipeline.stats()), sources: JSON.stringify(pipeline.sources) + readers.join(','), errors: errors.join(','), lane: pipeline.assembler.fastLane, laneFrames: fast?.frames ?? 0 };
}

/**
 * The same input through the pipeline with the fast lane and without:
 * every row (flow, all 12 head bytes, every column), the statistics, the
 * per-source summaries (and each reader's frame and byte counts) and the
 * errors must be the same. Returns how many
 * records the lane took, so a caller can tell it was not bypassed.
 */
export async function checkLane(api, name, bytes, o) {
  const on = await runLaneSide(api, name, bytes, o, true);
  const off = await runLaneSide(api, name, bytes, o, false);
  check(on.lane && !off.lane, `fast lane ${on.lane ? 'on' : 'off'} where asked for, ${off.lane ? 'on' : 'off'} where not`);
  check(on.errors === off.errors, `errors differ: lane ${on.errors} / TypeScript ${off.errors}`);
  const n = Math.max(on.rows.length, off.rows.length);
  for (let i = 0; i < n; i++) check(on.rows[i] === off.rows[i], `row ${i} differs:\n  lane       ${on.rows[i]}\n  TypeScript ${off.rows[i]}`);
  check(on.stats === off.stats, `statistics differ:\n  lane       ${on.stats}\n  TypeScript ${off.stats}`);
  check(on.sources === off.sources, `source summaries differ:\n  lane       ${on.sources}\n  TypeScript ${off.sources}`);
  return { laneFrames: on.laneFrames, rows: on.rows.length };
}

export const laneOptionsArb = fc.record({
  step: fc.constantFrom(1 << 30, 1 << 30, 1, 7, 100, 4096),
  chunk: fc.constantFrom(undefined, undefined, 64, 1000),
  maxFlows: fc.constantFrom(1, 2, 3, 5, 64, 100_000),
  udpIdle: fc.constantFrom(0, 0.001, 0.5, 60),
  tcpIdle: fc.constantFrom(0, 0.01, 1, 300),
  batch: fc.constantFrom(1, 2, 3, 16, 4096),
  sources: fc.constantFrom(1, 1, 2),
  keep: fc.constantFrom(0, 0, 512, 13),
});

// ---------------------------------------------------------------- runner

function budget(runs, targets) {
  const out = {};
  const sum = targets.reduce((s, t) => s + WEIGHTS[t], 0);
  for (const t of targets) out[t] = Math.max(1, Math.round((runs * WEIGHTS[t]) / sum));
  return out;
}

function props(api, seeds, counts) {
  const files = seeds.files.map((f) => f.bytes);
  const pcaps = seeds.files;
  const decodeArb = fc.record({
    frame: fc.nat(),
    linktype: fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.constantFrom(...seeds.linktypes, 0xffff) }),
    ops: plansArb,
    orig: fc.integer({ min: -2, max: 70_000 }),
  });
  const frameOf = (d) => {
    const f = seeds.frames[d.frame % seeds.frames.length];
    const bytes = mutate(f.bytes, d.ops, [], false);
    return { tsSec: 0, tsNsec: 0, linktype: d.linktype === -1 ? f.linktype : d.linktype, bytes, origLen: d.orig < 0 ? bytes.length : d.orig, ifIndex: 0, fileOffset: 0 };
  };
  const captureArb = fc.record({ file: fc.nat(), ops: plansArb, step: fc.constantFrom(1 << 30, 1, 3, 17, 4096), chunk: fc.constantFrom(undefined, 64, 1000) });
  const captureOf = (d) => mutate(files[d.file % files.length], d.ops, files);
  const truncArb = fc.record({ file: fc.nat(), cut: fc.nat() });
  // pcap and pcapng files, mutated or not.
  const laneArb = fc.record({ file: fc.nat(), ops: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: plansArb }), o: laneOptionsArb });
  const laneOf = (d) => mutate(files[d.file % files.length], d.ops, files);
  const rulesArb = fc.record({
    head: fc.uint8Array({ minLength: 0, maxLength: 20 }),
    off: fc.nat(8),
    headLen: fc.nat(12),
    len: fc.oneof(fc.constant(-1), fc.nat(20), fc.integer({ min: 0, max: 70_000 })),
    transport: fc.constantFrom(0, 1),
    direction: fc.constantFrom(0, 1),
    mask: fc.oneof(fc.constant(api.DEFAULT_RULES_MASK), fc.constant(api.ALL_RULES_MASK), fc.nat()),
  });
  const modelArb = fc.record({
    file: fc.constantFrom('dnsae.json', 'model.json', 'weights.bin'),
    json: fc.array(jsonEditArb, { minLength: 1, maxLength: 3 }),
    raw: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: plansArb }),
    drop: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('dnsae.json', 'model.json', 'weights.bin') }),
  });
  const modelOf = (d) => {
    const out = { ...seeds.model };
    const cur = out[d.file];
    if (d.raw !== null) out[d.file] = mutate(cur, d.raw, []);
    else if (d.file !== 'weights.bin') {
      let text = Buffer.from(cur).toString('utf8');
      for (const e of d.json) text = editJson(text, e);
      out[d.file] = new Uint8Array(Buffer.from(text, 'utf8'));
    } else out[d.file] = mutate(cur, [{ k: 'cut', at: d.json[0].pick }], []);
    if (d.drop !== null) delete out[d.drop];
    return out;
  };
  const messages = seeds.messages ?? [];
  const questionArb = fc.record({
    msg: fc.nat(),
    ops: fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 4, arbitrary: plansArb }),
    // Kept bytes: the 512-byte cap, or a shorter cut (snaplen); message length: as kept, or longer.
    keep: fc.oneof({ weight: 3, arbitrary: fc.constant(512) }, { weight: 1, arbitrary: fc.nat(600) }),
    extra: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(2000) }),
  });
  const questionOf = (d) => {
    const msg = mutate(messages[d.msg % messages.length], d.ops, messages, false);
    const keep = Math.min(d.keep, msg.length);
    return { msg, keep, msgLen: keep < msg.length ? msg.length + d.extra : keep + d.extra };
  };
  const all = {
    question: {
      prop: fc.property(questionArb, (d) => {
        const x = questionOf(d);
        checkQuestion(api, x.msg, x.keep, x.msgLen);
      }),
      input: (d) => {
        const x = questionOf(d);
        return { ext: 'question.json', bytes: Buffer.from(JSON.stringify({ msg: Buffer.from(x.msg).toString('hex'), keep: x.keep, msgLen: x.msgLen })) };
      },
    },
    decode: {
      prop: fc.property(decodeArb, (d) => {
        checkDecode(api, asFrame(frameOf(d)), newCtx(api));
      }),
      input: (d) => ({ ext: 'frame.json', bytes: Buffer.from(JSON.stringify({ ...frameOf(d), bytes: Buffer.from(frameOf(d).bytes).toString('hex') })) }),
    },
    capture: {
      prop: fc.asyncProperty(captureArb, async (d) => {
        await checkCapture(api, 'fuzz-input', captureOf(d), d.step, d.chunk);
      }),
      input: (d) => ({ ext: files[d.file % files.length][0] === 0x0a ? 'pcapng' : 'pcap', bytes: captureOf(d) }),
    },
    truncate: {
      prop: fc.asyncProperty(truncArb, async (d) => {
        const f = pcaps[d.file % pcaps.length].bytes;
        await checkTruncation(api, 'fuzz-input', f, d.cut % (f.length + 1));
      }),
      input: (d) => {
        const f = pcaps[d.file % pcaps.length].bytes;
        return { ext: 'truncate.json', bytes: Buffer.from(JSON.stringify({ file: pcaps[d.file % pcaps.length].name, cut: d.cut % (f.length + 1) })) };
      },
    },
    flow: {
      prop: fc.property(flowArb, (d) => checkFlow(api, d)),
      input: (d) => ({ ext: 'flow.json', bytes: Buffer.from(JSON.stringify(d, (_k, v) => (v instanceof Uint8Array ? { u8: Buffer.from(v).toString('hex') } : v))) }),
    },
    lane: {
      prop: fc.asyncProperty(laneArb, async (d) => {
        await checkLane(api, 'fuzz-input', laneOf(d), d.o);
      }),
      input: (d) => ({ ext: 'lane.json', bytes: Buffer.from(JSON.stringify({ o: d.o, bytes: Buffer.from(laneOf(d)).toString('hex') })) }),
    },
    rules: {
      prop: fc.property(rulesArb, (d) => {
        const headLen = Math.min(d.headLen, Math.max(0, d.head.length - d.off));
        const off = Math.min(d.off, d.head.length);
        checkRules(api, d.head, off, headLen, d.len, d.transport, d.direction, d.mask >>> 0);
      }),
      input: (d) => ({ ext: 'rules.json', bytes: Buffer.from(JSON.stringify({ ...d, head: Buffer.from(d.head).toString('hex') })) }),
    },
    model: {
      prop: fc.asyncProperty(modelArb, async (d) => {
        await checkModel(api, modelOf(d));
      }),
      input: (d) => ({ ext: 'model.json', bytes: Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(modelOf(d)).map(([k, v]) => [k, Buffer.from(v).toString('base64')])))) }),
    },
  };
  const out = {};
  for (const t of Object.keys(counts)) if ((t !== 'model' || Object.keys(seeds.model).length > 0) && (t !== 'question' || messages.length > 0)) out[t] = all[t];
  return out;
}

/**
 * Runs every target with its share of `runs`. Returns per-target counts and
 * failures; each failure's input is written under `regressionsDir` (when
 * given) as `<target>-<sha>.<ext>`.
 */
export async function runFuzz(api, opts) {
  const targets = opts.targets ?? TARGETS;
  const seeds = opts.seeds ?? (await loadSeeds(api, opts.fixturesDir, opts.modelDir));
  const counts = budget(opts.runs, targets);
  const ps = props(api, seeds, counts);
  const result = { seed: opts.seed, runs: 0, perTarget: {}, failures: [] };
  for (const [t, p] of Object.entries(ps)) {
    const started = Date.now();
    const details = await fc.check(p.prop, { seed: opts.seed, numRuns: counts[t], endOnFailure: opts.shrink === false, interruptAfterTimeLimit: opts.timeLimitMs });
    result.runs += details.numRuns;
    result.perTarget[t] = { runs: details.numRuns, ms: Date.now() - started, failed: details.failed };
    opts.onProgress?.(t, result.perTarget[t]);
    if (details.failed) {
      const input = p.input(details.counterexample[0]);
      const f = { target: t, error: String(details.errorInstance?.stack ?? details.error), counterexample: details.counterexample[0], path: undefined };
      if (opts.regressionsDir !== undefined) {
        await mkdir(opts.regressionsDir, { recursive: true });
        const sha = createHash('sha256').update(input.bytes).digest('hex').slice(0, 12);
        f.path = path.join(opts.regressionsDir, `${t}-${sha}.${input.ext}`);
        await writeFile(f.path, input.bytes);
      }
      result.failures.push(f);
    }
  }
  return result;
}

/** Replays one regression file through its target's checks (test/robustness/fuzz-regressions.test.ts). */
export async function replayRegression(api, file, seeds) {
  const base = path.basename(file);
  const target = base.slice(0, base.indexOf('-'));
  const bytes = new Uint8Array(await readFile(file));
  switch (target) {
    case 'decode': {
      const f = JSON.parse(Buffer.from(bytes).toString('utf8'));
      checkDecode(api, asFrame({ ...f, bytes: new Uint8Array(Buffer.from(f.bytes, 'hex')) }), newCtx(api));
      return target;
    }
    case 'capture':
      for (const step of [1 << 30, 1, 7]) await checkCapture(api, 'fuzz-input', bytes, step);
      return target;
    case 'truncate': {
      const t = JSON.parse(Buffer.from(bytes).toString('utf8'));
      const f = seeds.files.find((x) => x.name === t.file);
      if (f === undefined) throw new Error(`seed ${t.file} of ${base} is not in test/fixtures`);
      await checkTruncation(api, 'fuzz-input', f.bytes, t.cut);
      return target;
    }
    case 'flow':
      checkFlow(api, JSON.parse(Buffer.from(bytes).toString('utf8'), (_k, v) => (v !== null && typeof v === 'object' && typeof v.u8 === 'string' ? new Uint8Array(Buffer.from(v.u8, 'hex')) : v)));
      return target;
    case 'lane': {
      const d = JSON.parse(Buffer.from(bytes).toString('utf8'));
      await checkLane(api, 'fuzz-input', new Uint8Array(Buffer.from(d.bytes, 'hex')), d.o);
      return target;
    }
    case 'rules': {
      const d = JSON.parse(Buffer.from(bytes).toString('utf8'));
      const head = new Uint8Array(Buffer.from(d.head, 'hex'));
      checkRules(api, head, Math.min(d.off, head.length), Math.min(d.headLen, Math.max(0, head.length - d.off)), d.len, d.transport, d.direction, d.mask >>> 0);
      return target;
    }
    case 'question': {
      const d = JSON.parse(Buffer.from(bytes).toString('utf8'));
      checkQuestion(api, new Uint8Array(Buffer.from(d.msg, 'hex')), d.keep, d.msgLen);
      return target;
    }
    case 'model': {
      const d = JSON.parse(Buffer.from(bytes).toString('utf8'));
      await checkModel(api, Object.fromEntries(Object.entries(d).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])));
      return target;
    }
    default:
      throw new Error(`unknown fuzz target in ${base}`);
  }
}
