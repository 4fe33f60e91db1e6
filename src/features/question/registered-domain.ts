/**
 * How many trailing labels of a query name form its registered domain, the
 * key the question stage groups queries under (per client): "example.co.uk"
 * for "a.b.example.co.uk". The Public Suffix List decides through tldts;
 * site zones and a fixed depth cover what the list does not know.
 *
 * Called once per DNS message, so the answer is cached on the caller's name
 * hash and a hit builds no string: the name's bytes are compared with a copy
 * kept in one preallocated arena. Only a miss makes a string and asks tldts.
 */
import { parse } from 'tldts';
import { UsageError } from '../../errors.js';
import { zoneProblem } from './internal-zones.js';

export { readZoneList, ZoneListError } from './internal-zones.js';

export interface RegisteredDomainOptions {
  /** Labels kept when the suffix is not on the Public Suffix List (".test", ".internal", ".corp", single-label names...). Default 2. */
  zoneDepth: number;
  /** Zones the site runs itself (e.g. "corp.example.com", "ad.local"): a name under one of them has that zone plus one label as its registered domain (so hosts under a big internal zone are grouped per subzone, not as one domain), or the zone itself when the name is the zone. Lower-case, no trailing dot. */
  internalZones: readonly string[];
  /** Include the PSL's private section (e.g. "github.io", "cloudfront.net" as suffixes). Default true: a tunnel under a private-section suffix is still grouped per customer domain. */
  privateSuffixes: boolean;
  /** Cache entries (power of two); default 65536. */
  cacheSize: number;
}

export const DEFAULT_REGISTERED_DOMAIN_OPTIONS: Readonly<RegisteredDomainOptions> = {
  zoneDepth: 2,
  internalZones: [],
  privateSuffixes: true,
  cacheSize: 65536,
};

/**
 * Bytes of a name kept per cache entry. 64 holds the whole of nearly every
 * ordinary name (all but 2 of the 28,379 query names of data/benign); a longer name keeps its
 * last SLOT bytes (where the registered domain is) and is verified by those,
 * its length, the caller's hash and a second hash of all its bytes
 * (longNameHash, unrelated to the caller's), so a false hit needs two
 * independent 32-bit hashes to collide on names of equal length and tail.
 */
const SLOT = 64;

/**
 * Input is a query name as the decoder rendered it, not a URL: no host
 * extraction, and no hostname validation, which would make tldts answer
 * null for '_dmarc', '*' or binary labels. tldts then splits on '.' only and
 * matches labels as opaque strings, so any byte is safe.
 */
function tldtsOptions(privateSuffixes: boolean) {
  return {
    allowPrivateDomains: privateSuffixes,
    extractHostname: false,
    validateHostname: false,
    mixedInputs: false,
    detectIp: false,
    detectSpecialUse: false,
  } as const;
}

/** 32-bit multiply-rotate hash (murmur3's mixing step per byte); independent of whatever hash the caller used for nameHash. */
function longNameHash(name: Uint8Array, len: number): number {
  let h = 0x2f6b_7a1d ^ len;
  for (let i = 0; i < len; i++) {
    let k = Math.imul(name[i]!, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

function dotCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('.'); i >= 0; i = s.indexOf('.', i + 1)) n++;
  return n;
}

export class RegisteredDomains {
  readonly stats = { hits: 0, misses: 0, evictions: 0 };
  /** Cache entries (RegisteredDomainOptions.cacheSize). */
  readonly cacheSize: number;

  private readonly zoneDepth: number;
  /** Internal zone -> its label count. */
  private readonly zones: ReadonlyMap<string, number>;
  private readonly parseOptions: ReturnType<typeof tldtsOptions>;

  // Two-way set-associative: entry 2s and 2s+1 form set s. A direct-mapped
  // table would let two busy names with the same index evict each other on
  // every message; two ways absorb that at one extra compare on a miss.
  private readonly setShift: number;
  private readonly setMask: number;
  /**
   * Per entry, four words side by side, so both ways of a set share one
   * 64-byte cache line (no difference measured on data/benign, whose few
   * hundred distinct names stay in L1 either way; it is for big working
   * sets): name length (0: empty; the root name never reaches the cache),
   * the caller's hash, longNameHash (names longer than SLOT only), the answer.
   */
  private readonly meta: Int32Array;
  /** Per set: the way used last, so a miss replaces the other one. */
  private readonly recent: Uint8Array;
  /** SLOT bytes per entry: the whole name, or the last SLOT bytes of a longer one. */
  private readonly arena: Uint8Array;
  /** Where a miss copies the name to make its string: one Buffer for the run instead of one per miss. */
  private scratch = Buffer.allocUnsafeSlow(256);

  constructor(options: Partial<RegisteredDomainOptions> = {}) {
    const o = { ...DEFAULT_REGISTERED_DOMAIN_OPTIONS, ...options };
    if (!Number.isInteger(o.zoneDepth) || o.zoneDepth < 1 || o.zoneDepth > 127) {
      throw new UsageError(`zone depth must be an integer from 1 to 127, got ${o.zoneDepth}`);
    }
    if (!Number.isInteger(o.cacheSize) || o.cacheSize < 2 || o.cacheSize > 1 << 24 || (o.cacheSize & (o.cacheSize - 1)) !== 0) {
      throw new UsageError(`registered-domain cache size must be a power of two from 2 to 16777216, got ${o.cacheSize}`);
    }
    const zones = new Map<string, number>();
    for (const zone of o.internalZones) {
      const problem = zoneProblem(zone);
      if (problem !== undefined || zone !== zone.toLowerCase()) {
        throw new UsageError(`internal zone '${zone}': ${problem ?? 'must be lower case'}`);
      }
      zones.set(zone, dotCount(zone) + 1);
    }
    this.zoneDepth = o.zoneDepth;
    this.cacheSize = o.cacheSize;
    this.zones = zones;
    this.parseOptions = tldtsOptions(o.privateSuffixes);

    const sets = o.cacheSize >>> 1;
    const bits = 31 - Math.clz32(sets);
    // Fibonacci hashing takes the top bits of hash * 2^32/phi, so a caller's
    // hash that is weak in its low bits still spreads over the sets. With a
    // single set the shift is 32, which JS takes as 0: the mask makes it 0.
    this.setShift = 32 - bits;
    this.setMask = sets - 1;
    this.meta = new Int32Array(o.cacheSize * 4);
    this.recent = new Uint8Array(sets);
    this.arena = new Uint8Array(o.cacheSize * SLOT);
  }

  /**
   * Trailing labels of the name that form its registered domain: name[0..nameLen) holds lower-case labels separated by 0x2e
   * (no trailing dot), labelCount labels; nameHash is a 32-bit hash of those bytes that the caller already computed.
   * Returns a count from 1 to labelCount (the whole name when the name is itself a public suffix or shorter than a registered domain), 0 for the root name,
   * UNREGISTERED for a name under no listed suffix whose top label has a digit or more than 15 bytes.
   */
  labels(name: Uint8Array, nameLen: number, labelCount: number, nameHash: number): number {
    if (nameLen <= 0 || labelCount <= 0) return 0;
    const h = nameHash | 0;
    const set = (Math.imul(h, 0x9e3779b1) >>> this.setShift) & this.setMask;
    const e0 = set << 1;
    const meta = this.meta;
    let h2 = 0;
    if (nameLen > SLOT) {
      // Costs a pass over the name on a hit too; only names over SLOT bytes pay it.
      h2 = longNameHash(name, nameLen);
    }
    let m = e0 << 2;
    if (meta[m] === nameLen && meta[m + 1] === h && this.sameName(e0, name, nameLen, h2)) {
      this.recent[set] = 0;
      this.stats.hits++;
      return meta[m + 3]!;
    }
    m += 4;
    if (meta[m] === nameLen && meta[m + 1] === h && this.sameName(e0 + 1, name, nameLen, h2)) {
      this.recent[set] = 1;
      this.stats.hits++;
      return meta[m + 3]!;
    }
    return this.miss(set, name, nameLen, labelCount, h, h2);
  }

  private sameName(entry: number, name: Uint8Array, nameLen: number, h2: number): boolean {
    const arena = this.arena;
    let a = entry * SLOT;
    let i = 0;
    if (nameLen > SLOT) {
      if (this.meta[(entry << 2) + 2] !== h2) return false;
      i = nameLen - SLOT;
    }
    for (; i < nameLen; i++, a++) {
      if (arena[a] !== name[i]) return false;
    }
    return true;
  }

  private miss(set: number, name: Uint8Array, nameLen: number, labelCount: number, h: number, h2: number): number {
    this.stats.misses++;
    const count = this.compute(name, nameLen, labelCount);
    const recent = this.recent[set]!;
    // Fill an empty way first; otherwise replace the way not used last.
    let way: number;
    if (this.meta[set << 3] === 0) way = 0;
    else if (this.meta[(set << 3) + 4] === 0) way = 1;
    else {
      way = recent ^ 1;
      this.stats.evictions++;
    }
    const entry = (set << 1) + way;
    this.recent[set] = way;
    const m = entry << 2;
    this.meta[m] = nameLen;
    this.meta[m + 1] = h;
    this.meta[m + 2] = h2;
    this.meta[m + 3] = count;
    const from = nameLen > SLOT ? nameLen - SLOT : 0;
    this.arena.set(name.subarray(from, nameLen), entry * SLOT);
    return count;
  }

  /** The uncached answer. Public for tests and the benchmark, which compare it with the cached path. */
  compute(name: Uint8Array, nameLen: number, labelCount: number): number {
    if (nameLen <= 0 || labelCount <= 0) return 0;
    // latin1 maps every byte to one code unit, so binary labels survive and
    // string positions equal byte positions.
    if (nameLen > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(nameLen);
    this.scratch.set(name.subarray(0, nameLen));
    const host = this.scratch.toString('latin1', 0, nameLen);
    const c = this.count(host, labelCount);
    return c === UNREGISTERED ? UNREGISTERED : Math.max(1, Math.min(labelCount, c));
  }

  private count(host: string, labelCount: number): number {
    if (this.zones.size > 0) {
      // Suffixes from the longest down: the first one that is a zone is the longest match.
      for (let i = 0; i >= 0; i = host.indexOf('.', i) + 1 || -1) {
        const zoneLabels = this.zones.get(i === 0 ? host : host.slice(i));
        if (zoneLabels !== undefined) return i === 0 ? zoneLabels : zoneLabels + 1;
      }
    }
    const r = parse(host, this.parseOptions);
    // A name under no rule still gets a suffix (its last label, the PSL's
    // implicit "*" rule) but neither flag: that is the "unknown suffix" case.
    if (r.isIcann === true || r.isPrivate === true) {
      // No domain: the name is itself a public suffix (or has an empty label
      // in front of one); it is its own group.
      return r.domain === null || r.domain === '' ? labelCount : dotCount(r.domain) + 1;
    }
    // A top label with a digit or over 15 bytes is no zone anyone runs (no TLD has either; internal
    // ones are words: corp, lan, home, internal): data in the top label, as dnscat2 sends when it has
    // no domain of its own and every name would be a "registered domain" and a session of its own.
    const top = host.lastIndexOf('.') + 1;
    if (host.length - top > 15 || /[0-9]/.test(host.slice(top))) return UNREGISTERED;
    return this.zoneDepth;
  }
}

/**
 * labels() for a name under no suffix of the list whose top label cannot
 * be a zone name: it has no registered domain, and the question stage
 * groups such names per client.
 */
export const UNREGISTERED = -1;
