import { describe, expect, it } from 'vitest';
import { rxDroppedFromProcNetDev } from '../../src/capture/live-proc-net-dev.js';

// Layout of /proc/net/dev as printed by Linux (net/core/net-procfs.c).
const TEXT = [
  'Inter-|   Receive                                                |  Transmit',
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
  '    lo: 9120      98    0    0    0     0          0         0     9120      98    0    0    0     0       0          0',
  '  eth0:123456789 1000    2   17    0     0          0         5   654321     800    0    9    0     0       0          0',
  'veth-a:     10       1    0    4    0     0          0         0        0       0    0    0    0     0       0          0',
].join('\n');

describe('rxDroppedFromProcNetDev', () => {
  it('reads the receive drop column, not the transmit one', () => {
    expect(rxDroppedFromProcNetDev(TEXT, 'eth0')).toBe(17);
    expect(rxDroppedFromProcNetDev(TEXT, 'lo')).toBe(0);
  });
  it('handles names with dashes and bytes glued to the colon', () => {
    expect(rxDroppedFromProcNetDev(TEXT, 'veth-a')).toBe(4);
  });
  it('sums every interface for the pseudo-device any', () => {
    expect(rxDroppedFromProcNetDev(TEXT, 'any')).toBe(21);
  });
  it('returns undefined for an interface that is not listed', () => {
    expect(rxDroppedFromProcNetDev(TEXT, 'eth1')).toBeUndefined();
  });
});
