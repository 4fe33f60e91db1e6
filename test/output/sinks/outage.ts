import { expect } from 'vitest';
import { LineSink } from '../../../src/output/ndjson-sink.js';
import type { NetworkSink } from '../../../src/output/sinks/network-sink.js';
import { range, record, seqs, waitFor } from './servers.js';

/** What an outage test needs from one target: the sink, what has arrived, and the server's switch. */
export interface OutageTarget {
  readonly sink: NetworkSink;
  /** Records (the JSON text) received so far, across server restarts, in arrival order. */
  received(): Promise<string[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Whether the sink can see the server go away before it sends (stream sockets, Redis); a datagram sink finds out on its next send. */
  readonly seesOutage: boolean;
}

export const OUTAGE_BUFFER = 40;

async function writeRange(out: LineSink, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) out.writeLine(record(i, i % 5 === 0 ? 300 : 0));
  await out.drain();
}

function expectIntact(lines: readonly string[]): void {
  for (const l of lines) {
    const r = JSON.parse(l) as { seq: number };
    expect(r).toEqual(JSON.parse(record(r.seq, r.seq % 5 === 0 ? 300 : 0)));
  }
}

/**
 * Records 0..99 with the server up; the server stopped; 100..159 written
 * into a buffer of 40 (100..139 held, 140..159 dropped); the server
 * started again; 160..179 written; the sink closed. Every record but
 * 140..159 arrives once, intact, in order.
 */
export async function runOutage(t: OutageTarget): Promise<void> {
  const out = LineSink.toStream(t.sink.stream, t.sink.name);
  await waitFor(() => t.sink.connected, 'the sink to connect');
  await writeRange(out, 0, 100);
  await waitFor(async () => (await t.received()).length >= 100, 'records 0..99 to arrive');
  expect(t.sink.stats).toMatchObject({ buffered: 0, dropped: 0, sent: 100, reconnects: 0 });

  await t.stop();
  if (t.seesOutage) await waitFor(() => !t.sink.connected, 'the sink to see the outage');
  await writeRange(out, 100, 160);
  // Nothing can leave while the server is down: the buffer holds exactly its bound.
  await waitFor(() => t.sink.stats.buffered === OUTAGE_BUFFER && !t.sink.connected, 'the buffer to fill');
  expect(t.sink.stats).toMatchObject({ buffered: OUTAGE_BUFFER, dropped: 160 - 100 - OUTAGE_BUFFER, sent: 100 });

  await t.start();
  await waitFor(() => t.sink.stats.buffered === 0 && t.sink.connected, 'the sink to reconnect and empty its buffer', 15_000);
  await writeRange(out, 160, 180);
  await out.close();
  const final = await t.sink.close(5000);
  const want = [...range(0, 100 + OUTAGE_BUFFER), ...range(160, 180)];
  await waitFor(async () => (await t.received()).length >= want.length, `${want.length} records to arrive`);
  const got = await t.received();
  expect(seqs(got)).toEqual(want);
  expectIntact(got);
  expect(final).toEqual({ dropped: 20, buffered: 0, sent: want.length, reconnects: 1 });
}
