/**
 * Address text for FlowInfo. Called once per new flow, never per packet, so
 * plain string building is fine here. IPv6 follows RFC 5952 (lowercase, no
 * leading zeros, the longest run of two or more zero groups shortened to
 * "::", the first run on a tie) so EVE records match Suricata and tshark.
 */
export function formatIpv4(bytes: Uint8Array, off: number): string {
  return `${bytes[off]}.${bytes[off + 1]}.${bytes[off + 2]}.${bytes[off + 3]}`;
}

export function formatIpv6(bytes: Uint8Array, off: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[off + 2 * i]! << 8) | bytes[off + 2 * i + 1]!);

  // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, off + 12)}`;
  }

  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // A single zero group is never shortened (RFC 5952 section 4.2.2).
  if (bestLen < 2) return groups.map((g) => g.toString(16)).join(':');
  const left = groups.slice(0, bestStart).map((g) => g.toString(16)).join(':');
  const right = groups.slice(bestStart + bestLen).map((g) => g.toString(16)).join(':');
  return `${left}::${right}`;
}

export function formatIp(bytes: Uint8Array, off: number, ipVersion: 4 | 6): string {
  return ipVersion === 4 ? formatIpv4(bytes, off) : formatIpv6(bytes, off);
}
