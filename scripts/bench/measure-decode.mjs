#!/usr/bin/env node
// Decoder throughput and allocation check. Loads every frame of the corpus
// (benign, anomalous, foreign) into memory, then decodes them ROUNDS times.
//   npm run build && node --expose-gc --trace-gc scripts/bench/measure-decode.mjs [rounds] [corpus-dir]
// With --trace-gc, V8 prints a line per collection; the script brackets the
// timed loop with TIMED-START/TIMED-END so collections inside it are visible
// (none means the per-frame path allocated nothing worth collecting).
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(repo, 'dist');
const rounds = Number(process.argv[2] ?? 1000);
const corpus = resolve(process.argv[3] ?? join(repo, '..', 'shared', 'corpus'));

const { openCapture } = await import(join(dist, 'capture', 'open-capture.js'));
const { decodeFrame } = await import(join(dist, 'decode', 'decode-frame.js'));
const { newDecodedPacket } = await import(join(dist, 'decode', 'packet.js'));
const { WeirdCounters } = await import(join(dist, 'decode', 'weirds.js'));

function walk(d) {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : /\.pcap(ng)?$/.test(n) ? [p] : [];
  });
}

const frames = [];
for (const dir of ['benign', 'anomalous', 'foreign']) {
  for (const f of walk(join(corpus, dir))) {
    const src = await openCapture(f);
    // Sources reuse their frame and buffer: keep copies.
    await src.run((fr) => frames.push({ ...fr, buf: fr.buf.slice(fr.offset, fr.offset + fr.capLen), offset: 0 })).catch(() => undefined);
  }
}

const out = newDecodedPacket();
const weirds = new WeirdCounters();
let ok = 0;
for (let r = 0; r < 50; r++) for (const f of frames) if (decodeFrame(f, out, weirds)) ok++;
globalThis.gc?.();
console.log('TIMED-START');
const t0 = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) for (let i = 0; i < frames.length; i++) if (decodeFrame(frames[i], out, weirds)) ok++;
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log('TIMED-END');
const n = rounds * frames.length;
console.log(
  JSON.stringify({ frames: frames.length, rounds, decoded: n, seconds: +seconds.toFixed(3), framesPerSec: Math.round(n / seconds), nsPerFrame: +((seconds * 1e9) / n).toFixed(1) }),
);
