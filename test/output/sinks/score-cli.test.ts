import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../golden/run-cli.js';
import { freePort, haveBinary, RedisServer, tempDir } from './servers.js';

// End to end through the built CLI (npm run build first): the records dnsae score sends to Redis
// are the records it writes to standard output, and a Redis that is not there costs counted drops, not the run.
const HAVE = haveBinary('redis-server') && haveBinary('redis-cli');
const PCAP = `${ROOT}data/sample/mixed.pcap`;

describe.skipIf(!HAVE)(`dnsae score -o redis://${HAVE ? '' : ' (skipped: redis-server or redis-cli not installed)'}`, () => {
  let server: RedisServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('dnsae-redis-cli-');
    server = new RedisServer(await freePort(), dir);
    await server.start();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const reference = (): string[] => {
    const r = runCli(['score', PCAP, '--all', '-d', 'rules']);
    expect(r.status).toBe(0);
    return r.stdout.split('\n').filter((l) => l !== '');
  };

  it('sends every record of a real capture, the same JSON as standard output gets, in order', () => {
    const want = reference();
    expect(want.length).toBeGreaterThan(100);
    const r = runCli(['score', PCAP, '--all', '-d', 'rules', '-o', `redis://127.0.0.1:${server.port}/3`, '--redis-mode', 'rpush', '--redis-key', 'e2e']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const got = server.raw('-n', '3', 'LRANGE', 'e2e', '0', '-1');
    expect(got.map((l) => JSON.parse(l))).toEqual(want.map((l) => JSON.parse(l)));
    expect(r.summary).toMatchObject({ sink: `redis://127.0.0.1:${server.port}/3`, sink_sent: want.length, sink_dropped: 0, sink_buffered: 0, sink_reconnects: 0 });
  });

  it('a Redis that is down: same exit status, every record counted as dropped in the summary', async () => {
    const want = reference();
    const port = await freePort();
    const r = runCli(['score', PCAP, '--all', '-d', 'rules', '-o', `redis://127.0.0.1:${port}`, '--sink-buffer', '50']);
    expect(r.status).toBe(0);
    expect(r.summary).toMatchObject({ sink_sent: 0, sink_dropped: want.length, sink_buffered: 0 });
    expect(r.stderr).toContain('cannot connect to output sink');
  });

  it('rejects an unknown output type and a bad Redis mode as usage errors', () => {
    expect(runCli(['score', PCAP, '-o', 'kafka://127.0.0.1:9092']).status).toBe(2);
    expect(runCli(['score', PCAP, '-o', `redis://127.0.0.1:${server.port}`, '--redis-mode', 'hash']).status).toBe(2);
  });
});
