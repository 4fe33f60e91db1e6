import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LineSink } from '../../../src/output/ndjson-sink.js';
import { NetworkSink } from '../../../src/output/sinks/network-sink.js';
import { SocketTransport } from '../../../src/output/sinks/socket-transport.js';
import { Rfc5424Framer, SYSLOG_FACILITIES } from '../../../src/output/sinks/syslog-format.js';
import type { Transport } from '../../../src/output/sinks/transport.js';
import { UdpTransport } from '../../../src/output/sinks/udp-transport.js';
import { UnixDgramTransport } from '../../../src/output/sinks/unix-dgram-transport.js';
import { OUTAGE_BUFFER, runOutage } from './outage.js';
import { freePort, haveBinary, range, record, Rsyslog, tempDir, waitFor } from './servers.js';

const HAVE = haveBinary('rsyslogd');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rsyslog(): Promise<Rsyslog> {
  const d = tempDir('dnsae-rsyslog-');
  const r = new Rsyslog(d, await freePort(), await freePort());
  cleanups.push(async () => {
    await r.stop();
    rmSync(d, { recursive: true, force: true });
  });
  await r.start();
  return r;
}

function sink(t: Transport, bufferRecords = 10_000): NetworkSink {
  const n = new NetworkSink(t, { bufferRecords, bufferBytes: 64 << 20, backoffMinMs: 20, backoffMaxMs: 200 });
  cleanups.push(async () => void (await n.close(100)));
  n.start();
  return n;
}

const local5 = SYSLOG_FACILITIES.local5!;
const framer = new Rfc5424Framer({ facility: local5 });

/**
 * rsyslog's view of each message (`facility|severity|app-name|msgid|msg`),
 * checked against what the record says: local5 is 21 (RFC 5424 table 1),
 * an alert of severity 1..3 is syslog severity 3..5, anything else 6;
 * the MSGID is the event_type. Returns the MSGs: the records as received.
 */
function messages(r: Rsyslog): string[] {
  return r.lines().map((l) => {
    const [fac, sev, app, msgid, ...rest] = l.split('|');
    const msg = rest.join('|');
    const rec = JSON.parse(msg) as { event_type: string; alert?: { severity: number } };
    expect(fac).toBe('21');
    expect(Number(sev)).toBe(rec.alert === undefined ? 6 : rec.alert.severity + 2);
    expect(app).toBe('dnsae');
    expect(msgid).toBe(rec.event_type);
    return msg;
  });
}

async function send(n: NetworkSink, from: number, to: number, pad: (i: number) => number = () => 0): Promise<void> {
  const out = LineSink.toStream(n.stream, n.name);
  for (let i = from; i < to; i++) out.writeLine(record(i, pad(i)));
  await out.close();
}

describe.skipIf(!HAVE)(`syslog sinks against rsyslogd${HAVE ? '' : ' (skipped: rsyslogd not installed)'}`, () => {
  it('syslog+tcp://: RFC 5424 with RFC 6587 octet counting, records of any size intact', async () => {
    const r = await rsyslog();
    const n = sink(new SocketTransport('syslog+tcp://test', { host: '127.0.0.1', port: r.tcpPort }, (x, parts) => framer.octetCounted(x, parts)));
    // Octet counting, unlike newline framing, carries a 100 KB record whole.
    await send(n, 0, 500, (i) => (i === 7 ? 100_000 : i % 13));
    await waitFor(() => r.lines().length === 500, '500 messages');
    expect(messages(r)).toEqual(range(0, 500).map((i) => record(i, i === 7 ? 100_000 : i % 13)));
  });

  it('syslog+tcp://: rsyslogd stopped mid-run and started again: buffered records arrive once, drops only past the bound', async () => {
    const r = await rsyslog();
    const n = sink(new SocketTransport('syslog+tcp://test', { host: '127.0.0.1', port: r.tcpPort }, (x, parts) => framer.octetCounted(x, parts)), OUTAGE_BUFFER);
    await runOutage({ sink: n, seesOutage: true, received: () => Promise.resolve(messages(r)), stop: () => r.stop(), start: () => r.start() });
  });

  it('syslog+udp://: one message per datagram; one over the UDP limit is dropped and counted', async () => {
    const r = await rsyslog();
    const n = sink(new UdpTransport('syslog+udp://test', '127.0.0.1', r.udpPort, (x) => framer.message(x)));
    // Paced in small batches: loopback UDP drops what a full receive buffer cannot take, and that is not the sink's to count.
    for (let b = 0; b < 10; b++) {
      await send(n, b * 20, b * 20 + 20, (i) => (i === 42 ? 70_000 : 0));
      await waitFor(() => n.stats.sent + n.stats.dropped === b * 20 + 20, 'the batch sent');
      await waitFor(() => r.lines().length >= n.stats.sent, 'the batch received');
    }
    expect(n.stats).toMatchObject({ sent: 199, dropped: 1 });
    expect(messages(r)).toEqual(range(0, 200).filter((i) => i !== 42).map((i) => record(i)));
  });

  const PY = haveBinary('python3');
  it.skipIf(!PY)(`syslog:PATH (the local socket, here rsyslog's imuxsock in a temp dir)${PY ? '' : ' (skipped: python3 not installed)'}`, async () => {
    const r = await rsyslog();
    const n = sink(new UnixDgramTransport('syslog:test', r.socket, (x) => framer.message(x)));
    await send(n, 0, 300);
    await waitFor(() => r.lines().length === 300, '300 messages');
    expect(messages(r)).toEqual(range(0, 300).map((i) => record(i)));
  });
});
