import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type DecodedPacket } from '../../src/decode/packet.js';
import { WeirdCounters } from '../../src/decode/weirds.js';
import { FlowAssembler, PAYLOAD_UNAVAILABLE, type FlowAssemblerOptions } from '../../src/flow/flow-assembler.js';
import { HEAD_BYTES, SAMPLE_GAP, SAMPLE_MIDSTREAM, SAMPLE_SHORT, SAMPLE_TRUNCATED, SAMPLE_UNFRAMED } from '../../src/flow/sample.js';
import { decodesAsDns } from '../../src/rules/dns-decode-baseline.js';
import { buildPacket, concat, dnsQuery, first, framed, rowsOf, type PacketSpec, type Row } from './build-packet.js';

function setup(options: Partial<FlowAssemblerOptions> = {}) {
  const rows: Row[] = [];
  const batchSizes: number[] = [];
  const weirds = new WeirdCounters();
  const asm = new FlowAssembler(
    { batchSize: 1000, ...options },
    (batch) => {
      batchSizes.push(batch.count);
      rows.push(...rowsOf(batch));
    },
    weirds,
  );
  const send = (spec: PacketSpec, tsSec = 1000, tsNsec = 0, sourceIndex = 0): void => asm.ingest(buildPacket(spec), tsSec, tsNsec, sourceIndex);
  return { asm, rows, batchSizes, weirds, send };
}

const C = '192.0.2.10';
const S = '198.51.100.53';
const D = TCP_ACK | TCP_PSH;

/** A TCP client and server on C:40000 <-> S:53; seq values count from the ISNs. */
function tcpConversation(send: (s: PacketSpec, ts?: number) => void, cIsn = 1000, sIsn = 0x7ffffff0) {
  const c = { src: C, dst: S, sport: 40000, dport: 53, proto: 'tcp' as const };
  const s = { src: S, dst: C, sport: 53, dport: 40000, proto: 'tcp' as const };
  return {
    handshake(ts = 1000) {
      send({ ...c, seq: cIsn, flags: TCP_SYN }, ts);
      send({ ...s, seq: sIsn, flags: TCP_SYN | TCP_ACK }, ts);
      send({ ...c, seq: cIsn + 1, flags: TCP_ACK }, ts);
    },
    /** Client data at stream offset `off` (0 = first byte after SYN). */
    client(bytes: Uint8Array, off: number, flags = D, ts = 1000, claimed?: number) {
      send({ ...c, seq: cIsn + 1 + off, flags, payload: bytes, ...(claimed === undefined ? {} : { claimed }) }, ts);
    },
    server(bytes: Uint8Array, off: number, flags = D, ts = 1000) {
      send({ ...s, seq: sIsn + 1 + off, flags, payload: bytes }, ts);
    },
  };
}

describe('FlowAssembler: UDP', () => {
  it('makes one sample per datagram with directions, message indexes and endpoints', () => {
    const { asm, rows, send } = setup();
    const q = dnsQuery(0x1234, 'example.com');
    const r = dnsQuery(0x1234, 'example.com');
    r[2] |= 0x80; // QR bit: a response-shaped header
    send({ src: C, dst: S, sport: 5555, dport: 53, payload: q }, 10, 5);
    send({ src: S, dst: C, sport: 53, dport: 5555, payload: r }, 11, 6);
    send({ src: C, dst: S, sport: 5555, dport: 53, payload: q }, 12, 7);
    send({ src: C, dst: S, sport: 5555, dport: 80, payload: q }, 12, 7); // not DNS
    asm.flush();
    expect(rows.map((x) => [x.direction, x.messageIndex, x.tsSec, x.tsNsec, x.payloadLength, x.flags])).toEqual([
      [0, 0, 10, 5, q.length, 0],
      [1, 0, 11, 6, r.length, 0],
      [0, 1, 12, 7, q.length, 0],
    ]);
    expect(rows.map((x) => x.head)).toEqual([first(q), first(r), first(q)]);
    const f = rows[0]!;
    expect([f.transport, f.clientIp, f.clientPort, f.serverIp, f.serverPort]).toEqual(['udp', C, 5555, S, 53]);
    expect(new Set(rows.map((x) => x.flowId)).size).toBe(1);
    expect(asm.stats.udp_samples).toBe(3);
    expect(asm.stats.packets_ignored).toBe(1);
    expect(asm.stats.flows_created).toBe(1);
  });

  it('flags truncated datagrams and first fragments, counts empty ones without a sample', () => {
    const { asm, rows, send } = setup();
    const q = dnsQuery(7, 'a.example');
    send({ src: C, dst: S, sport: 1, dport: 53, payload: q.subarray(0, 6), claimed: q.length });
    send({ src: C, dst: S, sport: 1, dport: 53, payload: q, claimed: q.length + 3000, firstFragment: true });
    send({ src: C, dst: S, sport: 1, dport: 53 });
    send({ src: C, dst: S, sport: 1, dport: 53, claimed: 40 });
    asm.flush();
    expect(rows.map((x) => [x.head, x.payloadLength, x.flags])).toEqual([
      [first(q, 6), q.length, SAMPLE_TRUNCATED | SAMPLE_SHORT],
      [first(q), q.length + 3000, SAMPLE_TRUNCATED],
    ]);
    expect(asm.stats.udp_empty).toBe(1);
    expect(asm.stats.udp_uncaptured).toBe(1);
    expect(asm.stats.udp_datagrams).toBe(4);
  });

  it('renders IPv6 endpoints and VLANs on the flow', () => {
    const { asm, rows, send } = setup();
    send({ src: '2001:db8:0:0:0:0:0:53', dst: '2001:db8::1', sport: 53, dport: 33333, payload: dnsQuery(1, 'x'), vlan0: 100, vlan1: 7 });
    asm.flush();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.direction).toBe(1);
    expect([rows[0]!.clientIp, rows[0]!.serverIp, rows[0]!.clientPort]).toEqual(['2001:db8::1', '2001:db8::53', 33333]);
  });

  it('takes the first sender as client when both ports are DNS ports', () => {
    const { asm, rows, send } = setup();
    const q = dnsQuery(1, 'x');
    send({ src: '10.0.0.9', dst: '10.0.0.1', sport: 53, dport: 53, payload: q });
    send({ src: '10.0.0.1', dst: '10.0.0.9', sport: 53, dport: 53, payload: q });
    asm.flush();
    expect(rows.map((x) => x.direction)).toEqual([0, 1]);
    expect(rows[0]!.clientIp).toBe('10.0.0.9');
  });

  it('honours a custom port set', () => {
    const { asm, rows, send } = setup({ ports: new Set([5353]) });
    send({ src: C, dst: S, sport: 1, dport: 53, payload: dnsQuery(1, 'x') });
    send({ src: C, dst: S, sport: 1, dport: 5353, payload: dnsQuery(1, 'x') });
    asm.flush();
    expect(rows.map((x) => x.serverPort)).toEqual([5353]);
  });

  it('hands over full batches and the last partial one at flush', () => {
    const { asm, batchSizes, send, rows } = setup({ batchSize: 4 });
    for (let i = 0; i < 10; i++) send({ src: C, dst: S, sport: 2000 + i, dport: 53, payload: dnsQuery(i, 'x') });
    expect(batchSizes).toEqual([4, 4]);
    asm.flush();
    expect(batchSizes).toEqual([4, 4, 2]);
    expect(rows.map((r) => r.clientPort)).toEqual(Array.from({ length: 10 }, (_, i) => 2000 + i));
  });
});

describe('FlowAssembler: TCP', () => {
  const queries = Array.from({ length: 20 }, (_, i) => dnsQuery(0x4000 + i, `pipelined-${i}.example.net`));
  const stream = concat(...queries.map(framed));
  const expectedQ = queries.map((q, i) => ({ head: first(q), payloadLength: q.length, direction: 0, messageIndex: i, flags: 0 }));
  const pick = (r: Row) => ({ head: r.head, payloadLength: r.payloadLength, direction: r.direction, messageIndex: r.messageIndex, flags: r.flags });

  it('frames 20 pipelined queries sent in MSS-sized segments, and responses', () => {
    const { asm, rows, send } = setup();
    const t = tcpConversation(send);
    t.handshake();
    for (let o = 0; o < stream.length; o += 100) t.client(stream.subarray(o, o + 100), o);
    const resp = dnsQuery(0x4000, 'pipelined-0.example.net');
    resp[2] |= 0x80;
    t.server(framed(resp), 0);
    asm.flush();
    expect(rows.filter((r) => r.direction === 0).map(pick)).toEqual(expectedQ);
    expect(rows.filter((r) => r.direction === 1).map(pick)).toEqual([
      { head: first(resp), payloadLength: resp.length, direction: 1, messageIndex: 0, flags: 0 },
    ]);
    expect(rows[0]!.transport).toBe('tcp');
    expect(asm.stats.tcp_samples).toBe(21);
  });

  it('reorders out-of-order segments and ignores duplicates', () => {
    const { asm, rows, send, weirds } = setup();
    const t = tcpConversation(send);
    t.handshake();
    const segs: [number, number][] = [];
    for (let o = 0; o < stream.length; o += 37) segs.push([o, Math.min(o + 37, stream.length)]);
    // Reverse pairs: 1,0,3,2,...; then retransmit every third segment.
    for (let i = 0; i + 1 < segs.length; i += 2) [segs[i], segs[i + 1]] = [segs[i + 1]!, segs[i]!];
    for (const [a, b] of segs) t.client(stream.subarray(a, b), a);
    for (let i = 0; i < segs.length; i += 3) t.client(stream.subarray(segs[i]![0], segs[i]![1]), segs[i]![0]);
    asm.flush();
    expect(rows.map(pick)).toEqual(expectedQ);
    expect(asm.stats.tcp_retransmissions).toBe(Math.ceil(segs.length / 3));
    expect(weirds.get('tcp_stream_gap')).toBe(0);
    expect(asm.stats.tcp_buffered_bytes).toBe(0);
  });

  it('keeps the first copy of overlapping segments', () => {
    const { asm, rows, send } = setup();
    const t = tcpConversation(send);
    t.handshake();
    const q0 = queries[0]!;
    const f0 = framed(q0);
    t.client(f0.subarray(0, 4), 0); // prefix + 2 header bytes
    const forged = f0.slice(2, 14).map((x) => x ^ 0x55);
    t.client(forged, 2); // overlaps bytes 2..4, adds 4..14
    t.client(f0.subarray(14), 14);
    asm.flush();
    const want = [...q0.subarray(0, 2), ...forged.subarray(2, 12)];
    expect(rows.map(pick)).toEqual([{ head: want, payloadLength: q0.length, direction: 0, messageIndex: 0, flags: 0 }]);
    expect(asm.stats.tcp_overlaps).toBe(1);
  });

  it('splits the length prefix 1 + 1 and the message over many small segments', () => {
    const { asm, rows, send } = setup();
    const t = tcpConversation(send);
    t.handshake();
    const f = framed(queries[3]!);
    for (let o = 0; o < f.length; o++) t.client(f.subarray(o, o + 1), o);
    asm.flush();
    expect(rows.map(pick)).toEqual([{ ...expectedQ[3]!, messageIndex: 0 }]);
  });

  it('picks up a stream midway without a SYN', () => {
    const { asm, rows, send } = setup();
    const t = tcpConversation(send);
    const from = framed(queries[0]!).length + framed(queries[1]!).length;
    t.client(stream.subarray(from), from);
    asm.flush();
    expect(rows.map(pick)).toEqual(expectedQ.slice(2).map((q, i) => ({ ...q, messageIndex: i, flags: SAMPLE_MIDSTREAM })));
  });

  it('emits a partial message at FIN and at RST without waiting for flush', () => {
    const { asm, rows, send } = setup({ batchSize: 1 });
    const t = tcpConversation(send);
    t.handshake();
    const f0 = framed(queries[0]!);
    const partial = framed(queries[1]!).subarray(0, 9);
    t.client(concat(f0, partial), 0, D | TCP_FIN, 1001);
    expect(rows.map(pick)).toEqual([
      expectedQ[0],
      { head: first(queries[1]!, 7), payloadLength: 7, direction: 0, messageIndex: 1, flags: SAMPLE_UNFRAMED | SAMPLE_SHORT },
    ]);
    const rp = framed(queries[2]!).subarray(0, 20);
    t.server(rp, 0, D | TCP_RST, 1002);
    expect(rows).toHaveLength(3);
    expect(pick(rows[2]!)).toEqual({ head: first(queries[2]!), payloadLength: 18, direction: 1, messageIndex: 0, flags: SAMPLE_UNFRAMED });
    expect(rows[2]!.tsSec).toBe(1002);
    asm.flush();
    expect(rows).toHaveLength(3);
  });

  it('treats an HTTP request on TCP/53 as one UNFRAMED sample of the bytes after the first two', () => {
    const { asm, rows, send } = setup();
    const t = tcpConversation(send);
    t.handshake();
    const http = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
    t.client(http, 0);
    asm.flush();
    expect(rows.map(pick)).toEqual([
      { head: first(http.subarray(2)), payloadLength: http.length - 2, direction: 0, messageIndex: 0, flags: SAMPLE_UNFRAMED },
    ]);
  });

  it('starts a new flow when a SYN reuses the tuple of a closed connection', () => {
    const { asm, rows, send } = setup();
    const t1 = tcpConversation(send, 1000);
    t1.handshake();
    t1.client(framed(queries[0]!), 0, D | TCP_FIN);
    const t2 = tcpConversation(send, 50_000);
    t2.handshake(1001);
    t2.client(framed(queries[1]!), 0, D, 1001);
    asm.flush();
    expect(rows.map((r) => [r.messageIndex, r.payloadLength, r.tsSec])).toEqual([
      [0, queries[0]!.length, 1000],
      [0, queries[1]!.length, 1001],
    ]);
    expect(rows[0]!.flowId).toBe(rows[1]!.flowId);
    expect(asm.stats.flows_created).toBe(2);
    expect(asm.stats.flows_closed).toBe(1);
  });

  it('flushes pending data of a flow on idle expiry, stamped with its last packet time', () => {
    const { asm, rows, send, weirds } = setup({ tcpIdleSec: 300, batchSize: 1 });
    const t = tcpConversation(send);
    t.handshake(1000);
    const f0 = framed(queries[0]!);
    t.client(f0.subarray(0, 10), 0, D, 1005);
    t.client(f0.subarray(20), 20, D, 1006); // hole 10..20 never fills
    expect(rows).toEqual([]);
    send({ src: C, dst: S, sport: 9, dport: 53, payload: dnsQuery(1, 'x') }, 1306, 0); // idle exactly 300 s: kept
    expect(rows).toHaveLength(1);
    expect(asm.stats.flows_expired).toBe(0);
    send({ src: C, dst: S, sport: 9, dport: 53, payload: dnsQuery(1, 'x') }, 1306, 1000);
    expect(asm.stats.flows_expired).toBe(1);
    const tcpRows = rows.filter((r) => r.transport === 'tcp');
    expect(tcpRows.map(pick)).toEqual([{ ...expectedQ[0]!, head: first(queries[0]!, 8), flags: SAMPLE_GAP }]);
    expect(tcpRows[0]!.tsSec).toBe(1006);
    expect(weirds.get('tcp_stream_gap')).toBe(1);
  });

  it('flushes pending data of a flow evicted for capacity', () => {
    const { asm, rows, send } = setup({ maxFlows: 2 });
    const t = tcpConversation(send);
    t.handshake(1000);
    const f0 = framed(queries[0]!);
    t.client(f0.subarray(0, 15), 0, D, 1000);
    send({ src: C, dst: S, sport: 1, dport: 53, payload: dnsQuery(1, 'x') }, 1001);
    send({ src: C, dst: S, sport: 2, dport: 53, payload: dnsQuery(2, 'x') }, 1002);
    expect(asm.stats.flows_evicted).toBe(1);
    asm.flush();
    const tcpRows = rows.filter((r) => r.transport === 'tcp');
    expect(tcpRows.map(pick)).toEqual([{ ...expectedQ[0]!, payloadLength: 13, flags: SAMPLE_UNFRAMED }]);
    expect(asm.stats.flows_active).toBe(0);
  });

  it('starts a recycled flow state from scratch', () => {
    const { asm, rows, send } = setup({ maxFlows: 1 });
    const a = { src: C, dst: S, dport: 53, proto: 'tcp' as const };
    send({ ...a, sport: 1111, seq: 10, flags: TCP_SYN }, 1000);
    send({ ...a, sport: 1111, seq: 11, flags: D, payload: framed(queries[0]!).subarray(0, 5) }, 1000);
    // A second connection evicts the first; its state object is reused.
    const f1 = framed(queries[1]!);
    send({ ...a, sport: 2222, seq: 500, flags: D, payload: f1 }, 1001);
    asm.flush();
    expect(rows.map((r) => [r.clientPort, ...Object.values(pick(r))])).toEqual([
      [1111, first(queries[0]!, 3), 3, 0, 0, SAMPLE_UNFRAMED | SAMPLE_SHORT],
      [2222, first(queries[1]!), queries[1]!.length, 0, 0, SAMPLE_MIDSTREAM],
    ]);
    expect(asm.stats.flows_evicted).toBe(1);
  });

  it('keeps memory flat under a stream that never completes its length prefix', () => {
    const { asm, rows, send } = setup();
    const t = tcpConversation(send);
    t.handshake();
    // Prefix 0xffff, then 1 MiB of data: only the first 12 bytes may be kept.
    const chunk = new Uint8Array(1460).fill(0x41);
    t.client(new Uint8Array([0xff, 0xff]), 0);
    let off = 2;
    for (let i = 0; i < 720; i++, off += chunk.length) t.client(chunk, off);
    expect(asm.stats.tcp_buffered_bytes).toBe(0);
    asm.flush();
    // 1 MiB > 65535: the first message completes, then the rest frames 0x4141-byte messages.
    const total = off - 2;
    const n = 1 + Math.floor((total - 65535) / (0x4141 + 2));
    expect(rows.filter((r) => (r.flags & SAMPLE_UNFRAMED) === 0)).toHaveLength(n);
    expect(rows[0]!.payloadLength).toBe(65535);
    expect(rows).toHaveLength(n + 1);
  });
});

describe('FlowAssembler: bounds', () => {
  it('stays within maxFlows under a flood of 200k distinct tuples', () => {
    const maxFlows = 1000;
    const { asm, send } = setup({ maxFlows, batchSize: 4096 });
    const q = dnsQuery(1, 'x');
    const pkt: DecodedPacket = buildPacket({ src: '10.0.0.0', dst: S, sport: 1, dport: 53, payload: q });
    let maxActive = 0;
    for (let i = 0; i < 200_000; i++) {
      pkt.bytes[1] = (i >> 16) & 0xff;
      pkt.bytes[2] = (i >> 8) & 0xff;
      pkt.bytes[3] = i & 0xff;
      asm.ingest(pkt, 1000 + i / 1e4, 0, 0);
      if (i % 997 === 0) maxActive = Math.max(maxActive, asm.stats.flows_active);
    }
    const st = asm.stats;
    expect(maxActive).toBeLessThanOrEqual(maxFlows);
    expect(st.flows_active).toBe(maxFlows);
    expect(st.flows_created).toBe(200_000);
    expect(st.flows_evicted + st.flows_expired).toBe(200_000 - maxFlows);
    expect(st.udp_samples).toBe(200_000);
    void send;
  });

  it('assigns the same flow id to a tuple across inputs and a new one to another tuple', () => {
    const { asm, rows, send } = setup();
    send({ src: C, dst: S, sport: 1, dport: 53, payload: dnsQuery(1, 'x') }, 1000, 0, 0);
    asm.flush();
    send({ src: S, dst: C, sport: 53, dport: 1, payload: dnsQuery(1, 'x') }, 5, 0, 1);
    send({ src: C, dst: S, sport: 2, dport: 53, payload: dnsQuery(1, 'x') }, 5, 0, 1);
    asm.flush();
    expect(rows.map((r) => r.sourceIndex)).toEqual([0, 1, 1]);
    expect(rows[0]!.flowId).toBe(rows[1]!.flowId);
    expect(rows[2]!.flowId).not.toBe(rows[0]!.flowId);
    // A new input may start earlier in time without expiring its flows at once.
    expect(asm.stats.flows_expired).toBe(0);
    expect(rows[1]!.messageIndex).toBe(0);
  });
});

describe('FlowAssembler: payload tap', () => {
  /**
   * Records every tap call as (batch number, row, payload copy) and checks,
   * when the batch is delivered, that each of its rows had exactly one tap
   * call whose bytes start with the row's header.
   */
  function tapSetup(options: Partial<FlowAssemblerOptions> = {}) {
    const payloads: (number[] | null)[] = [];
    const rows: Row[] = [];
    let pending: { row: number; bytes: number[] | null }[] = [];
    const asm = new FlowAssembler(
      {
        batchSize: 1000,
        ...options,
        payloadTap: (row, bytes, off, len) => {
          pending.push({ row, bytes: len === PAYLOAD_UNAVAILABLE ? null : [...bytes.subarray(off, off + len)] });
        },
      },
      (batch) => {
        expect(pending.map((p) => p.row)).toEqual(Array.from({ length: batch.count }, (_, i) => i));
        for (const p of pending) {
          const h = [...batch.head.subarray(p.row * HEAD_BYTES, p.row * HEAD_BYTES + batch.headLen[p.row]!)];
          if (p.bytes !== null) expect(p.bytes.slice(0, h.length)).toEqual(h);
          payloads.push(p.bytes);
        }
        pending = [];
        rows.push(...rowsOf(batch));
      },
    );
    const send = (spec: PacketSpec, tsSec = 1000): void => asm.ingest(buildPacket(spec), tsSec, 0, 0);
    return { asm, rows, payloads, send };
  }

  it('hands over each UDP datagram as captured, before its batch is delivered', () => {
    const { asm, payloads, rows, send } = tapSetup({ batchSize: 2 });
    const q = dnsQuery(0x0101, 'tap.example');
    const r = dnsQuery(0x0101, 'tap.example');
    r[2] |= 0x80;
    const junk = new TextEncoder().encode('not a dns message at all');
    send({ src: C, dst: S, sport: 5000, dport: 53, payload: q });
    send({ src: S, dst: C, sport: 53, dport: 5000, payload: r });
    send({ src: C, dst: S, sport: 5001, dport: 53, payload: junk });
    send({ src: C, dst: S, sport: 5002, dport: 53, payload: q.subarray(0, 10), claimed: q.length });
    asm.flush();
    expect(rows).toHaveLength(4);
    expect(payloads).toEqual([[...q], [...r], [...junk], [...q.subarray(0, 10)]]);
    expect(payloads.map((p) => decodesAsDns(Uint8Array.from(p!)))).toEqual([true, true, false, false]);
  });

  it('hands over a TCP message split across segments whole, and pipelined ones each on their own', () => {
    const { asm, payloads, rows, send } = tapSetup({ batchSize: 3 });
    const t = tcpConversation(send);
    t.handshake();
    const msgs = [dnsQuery(0x2001, 'one.split.example'), dnsQuery(0x2002, 'two.split.example'), dnsQuery(0x2003, 'three.example')];
    const stream = concat(...msgs.map(framed));
    // Cuts inside the prefix, the header and the question of the first message, then across a boundary.
    const cuts = [0, 1, 7, 20, msgs[0]!.length + 5, stream.length];
    for (let k = 0; k + 1 < cuts.length; k++) t.client(stream.subarray(cuts[k]!, cuts[k + 1]!), cuts[k]!);
    asm.flush();
    expect(rows.map((x) => x.payloadLength)).toEqual(msgs.map((m) => m.length));
    expect(payloads).toEqual(msgs.map((m) => [...m]));
    expect(payloads.every((p) => decodesAsDns(Uint8Array.from(p!)))).toBe(true);
  });

  it('grows the message buffer for a large message and keeps later small ones intact', () => {
    const { asm, payloads, send } = tapSetup();
    const t = tcpConversation(send);
    t.handshake();
    const big = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    const small = dnsQuery(0x3003, 'after.big.example');
    const stream = concat(framed(dnsQuery(0x3001, 'before.example')), framed(big), framed(small));
    for (let o = 0; o < stream.length; o += 1460) t.client(stream.subarray(o, o + 1460), o);
    asm.flush();
    expect(payloads).toEqual([[...dnsQuery(0x3001, 'before.example')], [...big], [...small]]);
  });

  it('marks messages over the limit and messages with a hole as unavailable, keeps the samples', () => {
    const { asm, payloads, rows, send } = tapSetup({ payloadTapMaxBytes: 40 });
    const t = tcpConversation(send);
    t.handshake();
    const short = dnsQuery(0x4001, 'a.example');
    const long = dnsQuery(0x4002, 'a-name-long-enough-to-pass-the-limit.example');
    expect(short.length).toBeLessThanOrEqual(40);
    expect(long.length).toBeGreaterThan(40);
    const holed = dnsQuery(0x4003, 'b.example');
    const stream = concat(framed(short), framed(long), framed(holed));
    const holeAt = short.length + 2 + long.length + 2 + 14;
    // The bytes after the hole arrive; the hole itself is never filled.
    t.client(stream.subarray(0, holeAt), 0);
    t.client(stream.subarray(holeAt + 3), holeAt + 3);
    asm.flush();
    expect(rows.map((x) => x.payloadLength)).toEqual([short.length, long.length, holed.length]);
    expect(rows[1]!.head).toEqual(first(long));
    expect(rows[2]!.flags & SAMPLE_GAP).toBe(SAMPLE_GAP);
    expect(payloads).toEqual([[...short], null, null]);
  });

  it('hands over the bytes seen of a message cut short by the stream end', () => {
    const { asm, payloads, rows, send } = tapSetup();
    const t = tcpConversation(send);
    t.handshake();
    const http = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
    t.client(http, 0, D | TCP_FIN);
    asm.flush();
    expect(rows[0]!.flags & SAMPLE_UNFRAMED).toBe(SAMPLE_UNFRAMED);
    expect(payloads).toEqual([[...http.subarray(2)]]);
  });

  it('gives the same samples with the tap on and off', () => {
    const specs: PacketSpec[] = [];
    const q = dnsQuery(0x5001, 'same.example');
    specs.push({ src: C, dst: S, sport: 6000, dport: 53, payload: q });
    const c = { src: C, dst: S, sport: 40001, dport: 53, proto: 'tcp' as const };
    const stream = concat(framed(q), framed(dnsQuery(0x5002, 'same-2.example')));
    specs.push({ ...c, seq: 10, flags: TCP_SYN });
    for (let o = 0; o < stream.length; o += 9) specs.push({ ...c, seq: 11 + o, flags: D, payload: stream.subarray(o, o + 9) });
    const run = (tap: boolean): Row[] => {
      const out: Row[] = [];
      const asm = new FlowAssembler({ batchSize: 2, ...(tap ? { payloadTap: () => {} } : {}) }, (b) => out.push(...rowsOf(b)));
      for (const s of specs) asm.ingest(buildPacket(s), 1000, 0, 0);
      asm.flush();
      return out;
    };
    const off = run(false);
    expect(off).toHaveLength(3);
    expect(run(true)).toEqual(off);
  });
});

describe('FlowInfo made on demand', () => {
  it('rows of flows evicted before their batch was delivered keep their own endpoints (states are not reused under them)', () => {
    const infos: { port: number; id: number; transport: number }[] = [];
    const asm = new FlowAssembler({ maxFlows: 1, batchSize: 64 }, (batch) => {
      for (let i = 0; i < batch.count; i++) {
        const f = batch.flow(i);
        infos.push({ port: f.clientPort, id: f.flowId, transport: batch.transport[i]! });
      }
    });
    // Each query evicts the flow before it (maxFlows 1), 200 rows over several batches.
    for (let k = 0; k < 200; k++) asm.ingest(buildPacket({ src: C, dst: S, sport: 20000 + k, dport: 53, payload: dnsQuery(k, 'example.com') }), 1000 + k, 0, 0);
    asm.flush();
    expect(infos.map((r) => r.port)).toEqual(Array.from({ length: 200 }, (_, k) => 20000 + k));
    expect(new Set(infos.map((r) => r.id)).size).toBe(200);
    expect(infos.every((r) => r.transport === 0)).toBe(true);
    expect(asm.stats.flows_evicted).toBe(199);
  });

  it('one FlowInfo object per flow across batches and rows, matching the transport column', () => {
    const seen: { info: object; transport: number; t: string }[] = [];
    const asm = new FlowAssembler({ batchSize: 3 }, (batch) => {
      for (let i = 0; i < batch.count; i++) seen.push({ info: batch.flows[i]!, transport: batch.transport[i]!, t: batch.flows[i]!.transport });
    });
    for (let k = 0; k < 7; k++) {
      asm.ingest(buildPacket({ src: C, dst: S, sport: 30000, dport: 53, payload: dnsQuery(k, 'example.com') }), 1000, 0, 0);
      asm.ingest(buildPacket({ src: S, dst: C, sport: 53, dport: 30000, payload: dnsQuery(k, 'example.com') }), 1000, 0, 0);
    }
    asm.flush();
    expect(seen).toHaveLength(14);
    expect(new Set(seen.map((s) => s.info)).size).toBe(1);
    expect(seen.every((s) => s.transport === 0 && s.t === 'udp')).toBe(true);
  });
});
