import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DnsaeError } from '../errors.js';

export interface UserEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Finds `user` (a name, or a numeric uid) in passwd(5)-format text. */
export function findPasswdEntry(passwd: string, user: string): UserEntry | undefined {
  const byUid = /^\d+$/.test(user);
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || f[2] === '' || f[3] === '') continue;
    if (byUid ? uid === Number(user) : f[0] === user) return { name: f[0], uid, gid };
  }
  return undefined;
}

/**
 * Resolves a user through NSS (`getent passwd`, which also sees LDAP/SSSD
 * users), falling back to /etc/passwd where getent is missing. Runs once at
 * start-up, never per packet.
 */
export function lookupUser(user: string): UserEntry | undefined {
  let text: string;
  try {
    text = execFileSync('getent', ['passwd', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number };
    // getent exits 2 for "no such key": a real answer, not a missing tool.
    if (e.code !== 'ENOENT') return undefined;
    try {
      text = readFileSync('/etc/passwd', 'utf8');
    } catch {
      return undefined;
    }
  }
  return findPasswdEntry(text, user);
}

function fail(message: string, cause?: unknown): DnsaeError {
  return new DnsaeError('DNSAE_ERR_PRIVILEGE_DROP', message, cause === undefined ? {} : { cause });
}

/**
 * Permanently switches the process to `user` (name or uid) and that user's
 * primary group, with no supplementary groups. Call it after the capture
 * device, the model and the output files are open: the open capture socket
 * keeps working, nothing new can be opened with root's rights. As root,
 * setuid() sets the real, effective and saved ids and clears every
 * capability, so the drop cannot be undone; that is checked, not assumed.
 */
export function dropPrivileges(user: string): UserEntry {
  if (
    typeof process.getuid !== 'function' ||
    typeof process.setuid !== 'function' ||
    typeof process.setgid !== 'function' ||
    typeof process.setgroups !== 'function'
  ) {
    throw fail(`cannot switch to user '${user}': this platform has no setuid/setgid`);
  }
  const entry = lookupUser(user);
  if (entry === undefined) throw fail(`cannot switch to user '${user}': no such user`);
  if (entry.uid === 0) throw fail(`refusing to switch to '${user}': it is uid 0, which drops nothing`);

  const uid = process.getuid();
  const euid = process.geteuid?.() ?? uid;
  if (uid === entry.uid && euid === entry.uid) return entry;
  if (euid !== 0) {
    throw fail(`cannot switch to user '${user}': dnsae must start as root for --user (running as uid ${euid})`);
  }
  try {
    process.setgroups([]);
    process.setgid(entry.gid);
    process.setuid(entry.uid);
  } catch (err) {
    throw fail(`cannot switch to user '${user}' (uid ${entry.uid}, gid ${entry.gid}): ${(err as Error).message}`, err);
  }

  const ids = [process.getuid(), process.geteuid?.() ?? -1];
  const gids = [process.getgid?.() ?? -1, process.getegid?.() ?? -1];
  const groups = process.getgroups?.() ?? [];
  if (ids.some((v) => v !== entry.uid) || gids.some((v) => v !== entry.gid) || groups.some((g) => g !== entry.gid)) {
    throw fail(`switching to user '${user}' left uid/euid ${ids.join('/')}, gid/egid ${gids.join('/')}, groups ${groups.join(',')}`);
  }
  let regained = false;
  try {
    process.setuid(0);
    regained = true;
  } catch {
    // Expected: an unprivileged process cannot become root again.
  }
  if (regained) throw fail(`switching to user '${user}' is reversible (setuid(0) succeeded); refusing to run`);
  return entry;
}
