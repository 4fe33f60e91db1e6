/**
 * Zones a site runs itself (--internal-zones): parsing the list file and
 * checking one entry. A zone is kept in the form query names arrive in
 * (lower case, no trailing dot) so the registered-domain lookup can compare
 * it with the name's own bytes.
 */
import { DnsaeError } from '../../errors.js';

/**
 * Bad --internal-zones file entry: a configuration fault, so the usage code
 * and exit status; `file` is the list file, the message starts with the line.
 */
export class ZoneListError extends DnsaeError {
  override name = 'ZoneListError' as const;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super('DNSAE_ERR_USAGE', `line ${line}: ${message}`, { file });
    this.line = line;
  }
}

// Letters, digits, hyphen and underscore: host names plus the service labels
// (_msdcs, _tcp) that AD and SRV zones are delegated under.
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Why `zone` (already lower-cased, no trailing dot) cannot be an internal zone, or undefined when it can. */
export function zoneProblem(zone: string): string | undefined {
  if (zone.length === 0) return 'empty zone';
  if (zone.length > 253) return `zone is ${zone.length} characters, more than a DNS name can hold (253)`;
  for (const label of zone.split('.')) {
    if (label.length === 0) return `zone '${zone}' has an empty label`;
    if (label.length > 63) return `zone '${zone}' has a label longer than 63 characters`;
    if (!LABEL.test(label)) return `zone '${zone}': label '${label}' is not letters, digits, '-' and '_' (no leading or trailing '-')`;
  }
  return undefined;
}

/**
 * One zone per line; '#' starts a comment (whole line or after the zone);
 * blank lines are skipped. Case is folded and one trailing dot dropped, as
 * in zone files; duplicates are kept once, in first-seen order.
 */
export function readZoneList(path: string, text: string): string[] {
  const zones: string[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i]!.indexOf('#');
    const body = (hash < 0 ? lines[i]! : lines[i]!.slice(0, hash)).trim();
    if (body === '') continue;
    if (/\s/.test(body)) throw new ZoneListError(path, i + 1, `one zone per line, got '${body}'`);
    let zone = body.toLowerCase();
    if (zone.endsWith('.') && zone.length > 1) zone = zone.slice(0, -1);
    const problem = zoneProblem(zone);
    if (problem !== undefined) throw new ZoneListError(path, i + 1, problem);
    if (!seen.has(zone)) {
      seen.add(zone);
      zones.push(zone);
    }
  }
  return zones;
}
