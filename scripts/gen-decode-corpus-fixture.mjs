#!/usr/bin/env node
// Regenerates test/fixtures/decode-corpus-tshark.json: for each capture of
// the shared corpus (benign, anomalous, malformed), the frame numbers that
// tshark decodes as UDP/53 with a payload and as TCP/53. The decoder corpus
// test compares frame-for-frame against it, so CI needs no tshark.
//
// Usage: node scripts/gen-decode-corpus-fixture.mjs [corpus-dir]
//   (default corpus-dir: ../shared/corpus relative to the repository)
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = resolve(process.argv[2] ?? join(repo, '..', 'shared', 'corpus'));
const out = join(repo, 'test', 'fixtures', 'decode-corpus-tshark.json');

// Defragmentation off: tshark then dissects UDP/TCP in the first fragment
// only, as the decoder does, instead of in the reassembling last fragment.
const BASE = ['-n', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE'];
const UDP_FILTER = 'udp.port==53 && udp.length > 8 && !icmp && !icmpv6';
const TCP_FILTER = 'tcp.port==53 && !icmp && !icmpv6';
// The plain count with tshark defaults, as in the corpus MANIFEST.
const DEFAULT_UDP_FILTER = 'udp.port==53 && !icmp && !icmpv6';

function frames(file, filter, base) {
  let text;
  try {
    text = execFileSync('tshark', [...base, '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    // Damaged files make tshark exit non-zero after printing what it read.
    text = err.stdout ?? '';
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

function walk(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) found.push(...walk(p));
    else if (/\.(pcap|pcapng)$/.test(name)) found.push(p);
  }
  return found;
}

const version = execFileSync('tshark', ['-v'], { encoding: 'utf8' }).split('\n')[0];
const files = {};
for (const dir of ['benign', 'anomalous', 'malformed']) {
  for (const f of walk(join(corpus, dir))) {
    files[relative(corpus, f)] = {
      udp53: frames(f, UDP_FILTER, BASE),
      tcp53: frames(f, TCP_FILTER, BASE),
      udp53DefaultCount: frames(f, DEFAULT_UDP_FILTER, ['-n']).length,
    };
  }
}

const doc = {
  generatedBy: 'node scripts/gen-decode-corpus-fixture.mjs',
  tshark: version,
  commands: {
    udp53: `tshark ${BASE.join(' ')} -r FILE -Y '${UDP_FILTER}' -T fields -e frame.number`,
    tcp53: `tshark ${BASE.join(' ')} -r FILE -Y '${TCP_FILTER}' -T fields -e frame.number`,
    udp53DefaultCount: `tshark -n -r FILE -Y '${DEFAULT_UDP_FILTER}' -T fields -e frame.number | wc -l`,
  },
  files,
};
// One line per capture keeps diffs of a regenerated fixture readable.
const head = JSON.stringify({ ...doc, files: {} }, null, 1).replace(/"files": \{\}\n\}$/, '"files": {\n');
const body = Object.entries(files)
  .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
  .join(',\n');
writeFileSync(out, `${head}${body}\n }\n}\n`);
console.log(`wrote ${out} (${Object.keys(files).length} files)`);
