/**
 * Test hosts for the live-capture tests: a network namespace made by the
 * test, joined to the root namespace by a veth pair. Root only.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

export function sh(cmd: string, args: readonly string[], timeoutMs = 60_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20 });
}

export function must(cmd: string, args: readonly string[], timeoutMs = 60_000): string {
  const r = sh(cmd, args, timeoutMs);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

/** Why the test cannot run here (not root, a tool missing), or undefined. */
export function netnsSkipReason(tools: readonly (readonly [string, readonly string[]])[]): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root (needs a network namespace and raw capture)';
  for (const [tool, args] of [['ip', ['netns', 'list']] as const, ...tools]) {
    const r = sh(tool, args);
    if (r.error !== undefined || r.status !== 0) return `'${tool} ${args.join(' ')}' is unavailable`;
  }
  return undefined;
}

export interface VethPair {
  /** Unique to this run: also names the test's scratch directory. */
  readonly tag: string;
  readonly ns: string;
  /** The end in the root namespace, where dnsae captures. */
  readonly host: string;
  /** The end inside `ns`, where tcpreplay sends from. */
  readonly peer: string;
}

/** Names unique to this run, short enough for IFNAMSIZ (15) with a two-letter prefix. */
export function vethNames(prefix: string, nsPrefix: string): VethPair {
  const tag = `${(process.pid % 46656).toString(36)}${randomBytes(2).toString('hex')}`;
  return { tag, ns: `dnsae-${nsPrefix}-${tag}`, host: `${prefix}${tag}h`, peer: `${prefix}${tag}p` };
}

export function createVethPair({ ns, host, peer }: VethPair, mtu?: number): void {
  must('ip', ['netns', 'add', ns]);
  must('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns]);
  // No IPv6 autoconfiguration chatter: the only frames are the replayed ones.
  writeFileSync(`/proc/sys/net/ipv6/conf/${host}/disable_ipv6`, '1');
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${peer}.disable_ipv6=1`]);
  const mtuArgs = mtu === undefined ? [] : ['mtu', String(mtu)];
  must('ip', ['-n', ns, 'link', 'set', peer, ...mtuArgs, 'up']);
  must('ip', ['link', 'set', host, ...mtuArgs, 'up']);
}

/** Safe to call when creation failed half-way. */
export function removeVethPair({ ns, host }: VethPair): void {
  sh('ip', ['netns', 'del', ns]);
  sh('ip', ['link', 'del', host]);
}
