/**
 * A `dnsae live` started the way the systemd unit starts it: as user nobody
 * holding only ambient capabilities (setpriv from util-linux), never root.
 * Also the small pcap and record helpers the deployment tests share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CLI, ROOT } from '../golden/run-cli.js';
import { LiveSensorProcess } from '../live-sensor-process.js';

export const NOBODY_SETPRIV = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'] as const;

/** setpriv arguments granting `caps` (e.g. ['net_raw']) as inheritable and ambient capabilities. */
export function ambientCaps(caps: readonly string[]): string[] {
  if (caps.length === 0) return [];
  const list = caps.map((c) => `+${c}`).join(',');
  return [`--inh-caps=${list}`, `--ambient-caps=${list}`];
}

export type { LogRecord } from '../live-sensor-process.js';

/** `dnsae live ARGS` as nobody with `caps` ambient, as the systemd unit starts it. */
export class Sensor extends LiveSensorProcess {
  constructor(caps: readonly string[], args: readonly string[]) {
    super(args, ['setpriv', ...NOBODY_SETPRIV, ...ambientCaps(caps)]);
  }
}

/** Uid/Gid lines and the capability masks of /proc/PID/status. */
export function procStatus(pid: number): { uid: number[]; gid: number[]; capEff: bigint; capPrm: bigint; capAmb: bigint } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
  const nums = (name: string): number[] => field(name).split(/\s+/).filter((s) => s !== '').map(Number);
  const mask = (name: string): bigint => BigInt(`0x${field(name)}`);
  return { uid: nums('Uid'), gid: nums('Gid'), capEff: mask('CapEff'), capPrm: mask('CapPrm'), capAmb: mask('CapAmb') };
}

/** capability(7) numbers. */
export const CAP_NET_ADMIN = 12n;
export const CAP_NET_RAW = 13n;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Frames of a classic little- or big-endian pcap, read here rather than by dnsae's reader. */
export function pcapFrames(path: string): { linktype: number; frames: Buffer[] } {
  const b = readFileSync(path);
  const m = b.readUInt32LE(0);
  const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const frames: Buffer[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = u32(o + 8);
    if (o + 16 + incl > b.length) break;
    frames.push(b.subarray(o + 16, o + 16 + incl));
    o += 16 + incl;
  }
  return { linktype: u32(20) & 0x0fff_ffff, frames };
}

/**
 * The Ethernet frames of a few fixtures (benign DNS over UDP and TCP, and
 * non-DNS on port 53) as one pcap, 100 µs apart and each as long on the wire
 * as captured: what a replay delivers, so `dnsae score` on it sees what the
 * sensor sees.
 */
export function writeMixedCapture(out: string): number {
  const files = [
    'test/fixtures/benign/tcpdump__edns-opts.pcap',
    'test/fixtures/benign/zeek__dns-edns-ecs.pcap',
    'test/fixtures/benign/tcpdump__dns_tcp.pcap',
    'test/fixtures/benign/arkime__dns-wiresharkrepo.pcap',
    'test/fixtures/anomalous/suricata__dns-udp-junkrequest-first.pcap',
    'test/fixtures/anomalous/suricata__http-get-tcp53-a.pcap',
    'test/fixtures/anomalous/suricata__http-get-tcp53-b.pcap',
    'test/fixtures/anomalous/zeek__ipv6-hbh-routing0-garbage53.pcap',
  ];
  const frames: Buffer[] = [];
  for (const f of files) {
    const p = pcapFrames(join(ROOT, f));
    if (p.linktype !== 1) throw new Error(`${f} is not Ethernet`);
    frames.push(...p.frames.filter((d) => d.length >= 14 && d.length <= 1514));
  }
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65_535, 16);
  header.writeUInt32LE(1, 20);
  const parts: Buffer[] = [header];
  frames.forEach((d, i) => {
    const h = Buffer.alloc(16);
    const us = i * 100;
    h.writeUInt32LE(1_700_000_000 + Math.floor(us / 1e6), 0);
    h.writeUInt32LE(us % 1e6, 4);
    h.writeUInt32LE(d.length, 8);
    h.writeUInt32LE(d.length, 12);
    parts.push(h, d);
  });
  writeFileSync(out, Buffer.concat(parts));
  return frames.length;
}

export interface EveRecord {
  event_type: string;
  src_ip: string;
  src_port: number;
  dest_ip: string;
  dest_port: number;
  proto: string;
  alert?: { signature_id: number };
  /** Header-stage alerts carry first8 and rules_failed; tunnel-stage ones (9053010) the window's client and domain. */
  dnsae: { first8?: string; rules_failed?: string[]; client?: string; registered_domain?: string };
}

/** Parses every line; a record cut in two would throw here. */
export function readRecords(path: string): EveRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EveRecord);
}

/** What an alert says about the traffic, without times and flow ids. */
export function normalizedAlerts(records: readonly EveRecord[]): string[] {
  return records
    .filter((r) => r.event_type === 'alert')
    .map((r) =>
      [
        r.src_ip,
        r.src_port,
        r.dest_ip,
        r.dest_port,
        r.proto,
        r.alert!.signature_id,
        r.dnsae.first8 ?? `${r.dnsae.client} ${r.dnsae.registered_domain}`,
        (r.dnsae.rules_failed ?? []).join('+'),
      ].join(' '),
    )
    .sort();
}

/** tcpreplay from inside `ns`; resolves with the packets sent. */
export function replay(ns: string, peer: string, args: readonly string[], timeoutMs: number): { child: ChildProcess; done: Promise<number> } {
  const child = spawn('ip', ['netns', 'exec', ns, 'tcpreplay', '-i', peer, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<number>((resolve, reject) =>
    child.once('close', (code) => {
      const sent = /Actual: (\d+) packets/.exec(out)?.[1];
      if (code !== 0 || sent === undefined) reject(new Error(`tcpreplay failed (${code}): ${out}`));
      else resolve(Number(sent));
    }),
  );
  return { child, done };
}
