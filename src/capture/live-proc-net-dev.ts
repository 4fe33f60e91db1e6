import { readFileSync } from 'node:fs';

/**
 * Receive-side drop counter ("drop" column of the Receive half) of one
 * interface in /proc/net/dev text, or the sum over all interfaces for the
 * pseudo-device "any". Returns undefined when the interface is not listed.
 * Used only when the installed cap lacks pcap_stats: it sees drops by the
 * interface/driver, not drops in the capture socket's ring.
 */
export function rxDroppedFromProcNetDev(text: string, device: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (device !== 'any' && name !== device) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    // Receive: bytes packets errs drop fifo frame compressed multicast
    const drop = Number(fields[3]);
    if (fields.length < 8 || !Number.isFinite(drop)) continue;
    total = (total ?? 0) + drop;
  }
  return total;
}

export function readRxDropped(device: string, path = '/proc/net/dev'): number | undefined {
  try {
    return rxDroppedFromProcNetDev(readFileSync(path, 'utf8'), device);
  } catch {
    return undefined;
  }
}
