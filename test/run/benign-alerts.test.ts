import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsaeError } from '../../src/errors.js';
import { readBenignAlerts } from '../../src/run/benign-alerts.js';
import { runCli } from '../golden/run-cli.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-fp-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('readBenignAlerts', () => {
  it('takes the header bytes, length, transport and direction of the alerts dnsae score writes', async () => {
    // The sample's four header-stage alerts and its one tunnel-stage alert.
    const r = runCli(['score', 'data/sample/mixed.pcap']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    const file = path.join(dir, 'alerts.ndjson');
    await writeFile(file, r.stdout + '\n\n');
    const got = await readBenignAlerts([file]);
    const header = lines.map((l) => JSON.parse(l)).filter((a) => a.dnsae.first8 !== undefined);
    expect(got.used).toBe(header.length);
    expect(got.skipped).toBe(lines.length - header.length);
    header.forEach((a, i) => {
      const bytes = Buffer.from(a.dnsae.first8, 'hex');
      expect(Array.from(got.set.head.subarray(i * 12, i * 12 + bytes.length))).toEqual(Array.from(bytes));
      expect(got.set.headLen[i]).toBe(bytes.length);
      expect(got.set.payloadLength[i]).toBe(a.dnsae.payload_length);
      expect(got.set.transport[i]).toBe(a.proto === 'TCP' ? 1 : 0);
      expect(got.set.direction[i]).toBe(a.direction === 'to_client' ? 1 : 0);
    });
  });

  it('names the file and line of a record it cannot use', async () => {
    const file = path.join(dir, 'bad.ndjson');
    await writeFile(file, '{"dnsae":{"first8":"0000010000010000","payload_length":40},"proto":"SCTP","direction":"to_server"}\n');
    const err = (await readBenignAlerts([file]).catch((e: unknown) => e)) as DnsaeError;
    expect(err.code).toBe('DNSAE_ERR_BAD_ALERTS');
    expect(err.toLine()).toBe(`${file}: line 1: proto must be "UDP" or "TCP" [DNSAE_ERR_BAD_ALERTS]`);
    const missing = (await readBenignAlerts([path.join(dir, 'none.ndjson')]).catch((e: unknown) => e)) as DnsaeError;
    expect(missing.code).toBe('DNSAE_ERR_FILE_NOT_FOUND');
  });
});
