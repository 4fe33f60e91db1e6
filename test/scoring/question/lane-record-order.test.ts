import { describe, expect, it } from 'vitest';
import { runCli } from '../../golden/run-cli.js';

/**
 * In the fast lane a window can close while its batch is still being
 * filled (a full table evicts its oldest for a new one); the tunnel stage
 * holds that window's lines until the batch is delivered, after the header
 * stage's records of the batch, which is where the TypeScript path writes
 * them. Every record and its order must be the same either way.
 */
const CAPTURES = ['data/tunnel/iodine-a-direct.pcap', 'data/population/test/population-05.pcap', 'data/tunnel/exfil-base32-fast.pcap', 'data/tunnel/dns2tcp-txt-direct.pcap'];

describe('tunnel-stage records through the lane and the TypeScript path', () => {
  for (const windows of ['4', '65536']) {
    it(`are the same lines in the same order with --all and ${windows} windows open at most`, () => {
      const args = ['score', '--jobs', '1', '--all', '--tunnel-windows', windows, '-o', '-', ...CAPTURES];
      const lane = runCli(args);
      const ts = runCli(args, { env: { DNSAE_FAST_LANE: '0' } });
      expect(lane.status).toBe(0);
      expect(ts.status).toBe(0);
      const lines = lane.stdout.trimEnd().split('\n');
      const windowRecords = lines.filter((l) => l.includes('"event_type":"dns_ae_window"'));
      const tunnelAlerts = lines.filter((l) => l.includes('"signature_id":9053010'));
      expect(windowRecords.length).toBeGreaterThan(50);
      expect(tunnelAlerts.length).toBeGreaterThan(0);
      // Both kinds of records interleave (else the order would not be tested).
      const firstWindow = lines.findIndex((l) => l.includes('"event_type":"dns_ae_window"'));
      expect(lines.slice(firstWindow).some((l) => !l.includes('"event_type":"dns_ae_window"'))).toBe(true);
      const evicted = (lane.summary?.tunnel as { windows_evicted?: number } | undefined)?.windows_evicted ?? 0;
      if (windows === '4') expect(evicted).toBeGreaterThan(0);
      expect(ts.stdout).toBe(lane.stdout);
    });
  }
});
