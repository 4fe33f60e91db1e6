#!/usr/bin/env node
// Regenerates test/fixtures/capture-expectations.json from the reference tools,
// so the capture-reader tests compare against capinfos/tshark/tcpdump without
// needing them installed:
//   node scripts/gen-capture-expectations.mjs
// Per fixture: capinfos packet count, libpcap's count (tcpdump -r) and its
// error line for damaged files, tshark's frame.time_epoch of the first and
// last frame, and for pcapng the interface id per frame and linktype per
// interface (capinfos -v).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const fixtures = join(root, 'test/fixtures');
const dirs = ['benign', 'anomalous', 'anomalous/in-protocol-tunnel', 'malformed'];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { out: r.stdout ?? '', err: r.stderr ?? '', status: r.status };
}

function capinfosPackets(file) {
  const { out } = run('capinfos', ['-c', '-M', file]);
  const m = /Number of packets:\s+(\d+)/.exec(out);
  return m ? Number(m[1]) : null;
}

function libpcapRead(file) {
  // -# numbers every record libpcap hands over, even ones tcpdump cannot print.
  const { out, err } = run('tcpdump', ['-#', '-n', '-r', file, '-q', '-tt']);
  const frames = out.split('\n').filter((l) => /^\s*\d+  /.test(l)).length;
  const errorLine = err.split('\n').find((l) => l.startsWith('tcpdump: ')) ?? null;
  return { frames, error: errorLine };
}

function tsharkFrames(file) {
  const { out } = run('tshark', ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.time_epoch', '-e', 'frame.interface_id', '-e', 'frame.cap_len', '-e', 'frame.len']);
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [t, ifc, cap, len] = l.split('\t');
      return { t, ifc: ifc === '' ? 0 : Number(ifc), cap: Number(cap), len: Number(len) };
    });
}

// capinfos prints Wireshark's own encapsulation numbers; its short names are
// the standard pcap link-type names, so map those to LINKTYPE_* values.
const LINKTYPE_BY_SHORT_NAME = { ether: 1, 'linux-sll': 113, rawip: 101, null: 0, ieee_802_11_radiotap: 127, nflog: 239 };

function pcapngLinktypes(file) {
  const { out } = run('capinfos', ['-M', file]);
  return [...out.matchAll(/Encapsulation = .*\(\d+ - ([^)]*)\)/g)].map((m) => {
    const lt = LINKTYPE_BY_SHORT_NAME[m[1]];
    if (lt === undefined) throw new Error(`${file}: add capinfos encapsulation ${m[1]} to LINKTYPE_BY_SHORT_NAME`);
    return lt;
  });
}

const tsharkVersion = execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0];
const files = {};
for (const d of dirs) {
  for (const name of readdirSync(join(fixtures, d)).sort()) {
    const file = join(fixtures, d, name);
    if (!statSync(file).isFile()) continue;
    const frames = tsharkFrames(file);
    const entry = {
      capinfosPackets: capinfosPackets(file),
      libpcap: libpcapRead(file),
      tsharkFrames: frames.length,
      firstTimeEpoch: frames[0]?.t ?? null,
      lastTimeEpoch: frames.at(-1)?.t ?? null,
      firstCapLen: frames[0]?.cap ?? null,
      firstLen: frames[0]?.len ?? null,
    };
    if (name.endsWith('.pcapng')) {
      entry.interfaceIds = frames.map((f) => f.ifc);
      entry.interfaceLinktypes = pcapngLinktypes(file);
    }
    files[relative(fixtures, file)] = entry;
  }
}

const outFile = join(fixtures, 'capture-expectations.json');
writeFileSync(
  outFile,
  JSON.stringify(
    {
      generatedBy: 'node scripts/gen-capture-expectations.mjs',
      tools: tsharkVersion,
      note: 'libpcap = tcpdump -r (no format guessing); capinfosPackets/tshark may differ on damaged files because Wireshark guesses pcap variants',
      files,
    },
    null,
    1,
  ) + '\n',
);
console.log(`wrote ${Object.keys(files).length} entries to ${relative(root, outFile)}`);
