import { describe, expect, it } from 'vitest';
import { mapOpenError } from '../../src/capture/live-errors.js';

/** Shaped like what the patched Cap#open throws (see patches/cap+0.2.1.patch). */
function tagged(message: string, stage: string, status: number): Error {
  return Object.assign(new Error(message), { pcapStage: stage, pcapStatus: status });
}
const devices = () => ['lo', 'eth0'];

describe('mapOpenError', () => {
  it('names the missing device and lists the available ones', () => {
    const e = mapOpenError(tagged('No such device exists', 'activate', -5), 'eth9', 'port 53', devices);
    expect(e.code).toBe('DNSAE_ERR_LIVE_DEVICE');
    expect(e.message).toBe("no such capture device 'eth9' (available: lo, eth0)");
  });
  it('maps permission and promiscuous-permission refusals', () => {
    for (const status of [-8, -11]) {
      const e = mapOpenError(tagged('socket: Operation not permitted', 'activate', status), 'eth0', 'port 53', devices);
      expect(e.code).toBe('DNSAE_ERR_LIVE_PERMISSION');
      expect(e.message).toContain('Operation not permitted');
      expect(e.message).toContain('CAP_NET_RAW');
    }
  });
  it('names the filter that does not compile', () => {
    const e = mapOpenError(tagged("unknown port '5x3'", 'filter', -1), 'lo', 'port 5x3', devices);
    expect(e.code).toBe('DNSAE_ERR_LIVE_FILTER');
    expect(e.message).toBe("BPF filter 'port 5x3' does not compile: unknown port '5x3'");
  });
  it('keeps other libpcap failures as device errors with the libpcap text', () => {
    const e = mapOpenError(tagged('eth0: That device is not up', 'activate', -9), 'eth0', '', devices);
    expect(e.code).toBe('DNSAE_ERR_LIVE_DEVICE');
    expect(e.message).toContain('interface is down');
  });
  it('classifies untagged errors of stock cap by libpcap wording', () => {
    expect(mapOpenError(new Error('No such device exists'), 'x', 'port 53', devices).code).toBe('DNSAE_ERR_LIVE_DEVICE');
    expect(mapOpenError(new Error('socket: Operation not permitted'), 'x', 'port 53', devices).code).toBe('DNSAE_ERR_LIVE_PERMISSION');
    expect(mapOpenError(new Error('syntax error'), 'lo', 'port', devices).code).toBe('DNSAE_ERR_LIVE_FILTER');
  });
  it('still reports the device when listing devices fails', () => {
    const e = mapOpenError(tagged('No such device exists', 'activate', -5), 'eth9', '', () => {
      throw new Error('boom');
    });
    expect(e.message).toContain('device list unavailable');
  });
});
