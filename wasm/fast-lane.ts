// The fast lane: pcap records and pcapng enhanced packet blocks of Ethernet
// frames (up to two VLAN tags) carrying plain IPv4 or IPv6 UDP or TCP, from
// the reader's window to sample rows, in one loop. AssemblyScript, compiled
// by `npm run build` to dist/wasm/fast-lane.wasm.
//
// It shares one memory with the TypeScript pipeline and works on the same
// state: the flow table (src/flow/flow-table.ts), the flow assembler's
// per-flow words and TCP pairs (src/flow/flow-assembler.ts), the TCP
// streams' and DNS framers' words (src/flow/dns-tcp-framer.ts) and the
// sample batch (src/flow/sample.ts). It handles only the packets for which
// it does exactly what that code does without a weird: UDP datagrams, and
// TCP segments of a known flow that carry data on in order. Anything else
// (three or more VLAN tags, fragments, IP options or extension headers, a
// length field at odds with the frame, an empty datagram, SYN, FIN, RST, a
// new TCP flow, out-of-order or truncated segments, a TCP flow to expire or
// evict, a timestamp fraction of a second or more) stops the scan at that
// record, and the reader hands it to the TypeScript decoders. The layout
// constants below are the TypeScript ones; src/flow/fast-lane.ts checks the
// exported copies against them before it uses the module.

// Flow records (flow-table.ts): 16 Int32 words, last-seen time as a Float64 at word 8.
import { copySmall } from './small-copy';
import { questionInline, questionRow } from './question-lane';

export const RECORD_BYTES: u32 = 64;
const R_HASH: u32 = 0;
const R_PORTS: u32 = 4;
const R_PROTO_VLAN: u32 = 8;
const R_META: u32 = 12;
const R_A0: u32 = 16;
const R_B0: u32 = 20;
const R_PREV: u32 = 24;
const R_NEXT: u32 = 28;
export const R_SEEN: u32 = 32;
// The assembler's words in the record.
export const U_MSG0: u32 = 40;
const U_MSG1: u32 = 44;
export const U_BATCH: u32 = 48;
export const U_SOURCE: u32 = 52;
export const U_FLAGS: u32 = 56;
export const U_PAIR: u32 = 60;
const F_CLIENT_IS_A: i32 = 1;
const META_V6: i32 = 1;
const META_TCP: i32 = 2;
const META_IN_TABLE: i32 = 4;
export const V6_BYTES: u32 = 32;
const LANE_UDP: u32 = 0;
const LANE_TCP: u32 = 1;
export const SLOT_BYTES: u32 = 8;

// Table state (flow-table.ts T_*): Int32 words, then Float64s.
const T_SIZE: u32 = 0;
const T_ALLOCATED: u32 = 4;
const T_FREE_TOP: u32 = 8;
const T_HELD_TOP: u32 = 12;
export const T_CLOCK: u32 = 32;
const T_CREATED: u32 = 40;
const T_EXPIRED: u32 = 48;
const T_EVICTED: u32 = 56;
export const T_FLUSHED: u32 = 72;

// Lane state: the assembler's batch serial, then what this module counted
// since the TypeScript side last read (and zeroed) it.
export const L_BATCH_SERIAL: u32 = 0;
export const L_FRAMES: u32 = 4;
export const L_BYTES: u32 = 8;
export const L_IGNORED: u32 = 12;
export const L_UDP: u32 = 16;
export const L_TCP_SEGMENTS: u32 = 20;
export const L_TCP_SAMPLES: u32 = 24;
/** Interfaces of the pcapng section being read that the kind table below describes. */
export const L_NG_INTERFACES: u32 = 28;
export const NG_MAX_INTERFACES: u32 = 256;

// TCP pairs (flow-assembler.ts TcpPair): the last packet's time, then a StreamState per direction
// (dns-tcp-framer.ts S_*: the TCP stream's words and the DNS framer's).
export const PAIR_BYTES: u32 = 176;
const P_TS_SEC: u32 = 0;
const P_TS_NSEC: u32 = 8;
export const P_STREAMS: u32 = 16;
export const STREAM_BYTES: u32 = 80;
const S_STATE: u32 = 0;
const S_NEXT: u32 = 4;
const S_HAS_FIN: u32 = 12;
const S_PENDING: u32 = 16;
const S_PHASE: u32 = 20;
const S_PREFIX_HI: u32 = 24;
const S_MSG_LEN: u32 = 28;
const S_POS: u32 = 32;
const S_HEAD_OPEN: u32 = 36;
const S_HEAD_LEN: u32 = 40;
const S_MSG_FLAGS: u32 = 44;
const S_CARRY_FLAGS: u32 = 48;
export const S_STREAM_FLAGS: u32 = 52;
const S_MESSAGES: u32 = 56;
export const S_HEAD: u32 = 64;
const STATE_IDLE: i32 = 0;
const STATE_OPEN: i32 = 1;
const STATE_CLOSED: i32 = 2;
const PHASE_PREFIX_HI: i32 = 0;
const PHASE_PREFIX_LO: i32 = 1;
const PHASE_BODY: i32 = 2;
const TCP_FIN_SYN_RST: u32 = 0x07;

const SAMPLE_SHORT: u8 = 0x01;
const SAMPLE_TRUNCATED: u8 = 0x02;
const SAMPLE_MIDSTREAM: i32 = 0x04;
const HEAD_BYTES: u32 = 12;
const FIRST_BYTES: u32 = 8;

// Where everything is: byte addresses in the memory, set by configure().
let tableState: u32 = 0;
let slots: u32 = 0;
let mask: u32 = 0;
let records: u32 = 0;
let v6Words: u32 = 0;
let freeStack: u32 = 0;
let heldStack: u32 = 0;
let capacity: u32 = 0;
let maxFlows: u32 = 0;
let idleUdp: f64 = 0;
let idleTcp: f64 = 0;
let ports: u32 = 0;
let laneState: u32 = 0;
let batchCount: u32 = 0;
let batchCapacity: u32 = 0;
let colTsSec: u32 = 0;
let colPayloadLength: u32 = 0;
let colTsNsec: u32 = 0;
let colMessageIndex: u32 = 0;
let colFlowRef: u32 = 0;
let colHead: u32 = 0;
let colHeadLen: u32 = 0;
let colDirection: u32 = 0;
let colFlags: u32 = 0;
let colTransport: u32 = 0;
let pairs: u32 = 0;
// Question stage: each row's first msgBytes message bytes (0: none kept).
let colMsg: u32 = 0;
let colMsgLen: u32 = 0;
let msgBytes: u32 = 0;
// pcapng: one byte per interface of the current section (0: not for the lane, 1: microseconds, 2: nanoseconds).
let ngKinds: u32 = 0;
let maxBlock: u32 = 0;
// Per input file.
let fracToNs: u64 = 1000;
let maxRecord: u32 = 0;
let sourceIndex: i32 = 0;
// The worker's share of the clients when several split one capture (src/flow/flow-share.ts); 1: all of them.
let shareIndex: u32 = 0;
let shareCount: u32 = 1;
let shareByClient: bool = false;

export function configure(
  tableStateAt: u32,
  slotsAt: u32,
  slotCount: u32,
  recordsAt: u32,
  v6At: u32,
  freeAt: u32,
  heldAt: u32,
  recordCapacity: u32,
  flowLimit: u32,
  udpIdleSec: f64,
  tcpIdleSec: f64,
  portsAt: u32,
  laneStateAt: u32,
  batchAt: u32,
  batchRows: u32,
  tsSecAt: u32,
  payloadLengthAt: u32,
  tsNsecAt: u32,
  messageIndexAt: u32,
  flowRefAt: u32,
  headAt: u32,
  headLenAt: u32,
  directionAt: u32,
  flagsAt: u32,
  transportAt: u32,
  pairsAt: u32,
  ngKindsAt: u32,
): void {
  tableState = tableStateAt;
  slots = slotsAt;
  mask = slotCount - 1;
  records = recordsAt;
  v6Words = v6At;
  freeStack = freeAt;
  heldStack = heldAt;
  capacity = recordCapacity;
  maxFlows = flowLimit;
  idleUdp = udpIdleSec;
  idleTcp = tcpIdleSec;
  ports = portsAt;
  laneState = laneStateAt;
  batchCount = batchAt;
  batchCapacity = batchRows;
  colTsSec = tsSecAt;
  colPayloadLength = payloadLengthAt;
  colTsNsec = tsNsecAt;
  colMessageIndex = messageIndexAt;
  colFlowRef = flowRefAt;
  colHead = headAt;
  colHeadLen = headLenAt;
  colDirection = directionAt;
  colFlags = flagsAt;
  colTransport = transportAt;
  pairs = pairsAt;
  ngKinds = ngKindsAt;
}

/** The share of clients this lane assembles (flow-share.ts); count 1 takes every packet. */
export function configureShare(index: u32, count: u32, byClient: bool): void {
  shareIndex = index;
  shareCount = count;
  shareByClient = byClient;
}

/** One pcapng input file: the reader's block ceiling, the source's index. */
export function beginPcapng(blockLimit: u32, source: i32): void {
  maxBlock = blockLimit;
  sourceIndex = source;
}

/** One classic pcap input file: nanosecond or microsecond fractions, the reader's record ceiling, the source's index. */
export function begin(nanosecond: bool, recordLimit: u32, source: i32): void {
  fracToNs = nanosecond ? 1 : 1000;
  maxRecord = recordLimit;
  sourceIndex = source;
}

@inline function rec(r: u32): u32 {
  return records + r * RECORD_BYTES;
}

@inline function be16(p: u32): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

@inline function be32(p: u32): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline function seen(r: u32): f64 {
  return load<f64>(rec(r) + R_SEEN);
}

@inline function head(lane: u32): u32 {
  return load<u32>(rec(lane) + R_NEXT);
}

function unlink(r: u32): void {
  const prev = load<u32>(rec(r) + R_PREV);
  const next = load<u32>(rec(r) + R_NEXT);
  store<u32>(rec(prev) + R_NEXT, next);
  store<u32>(rec(next) + R_PREV, prev);
}

function append(r: u32, lane: u32): void {
  const tail = load<u32>(rec(lane) + R_PREV);
  store<u32>(rec(r) + R_PREV, tail);
  store<u32>(rec(r) + R_NEXT, lane);
  store<u32>(rec(tail) + R_NEXT, r);
  store<u32>(rec(lane) + R_PREV, r);
}

function place(hash: u32, r: u32): void {
  let i = hash & mask;
  while (load<u32>(slots + i * SLOT_BYTES + 4) != 0) i = (i + 1) & mask;
  store<u32>(slots + i * SLOT_BYTES, hash);
  store<u32>(slots + i * SLOT_BYTES + 4, r + 1);
}

/** Backward-shift deletion, as FlowTable.unplace. */
function unplace(r: u32): void {
  const want = r + 1;
  let i = load<u32>(rec(r) + R_HASH) & mask;
  while (load<u32>(slots + i * SLOT_BYTES + 4) != want) {
    if (load<u32>(slots + i * SLOT_BYTES + 4) == 0) return;
    i = (i + 1) & mask;
  }
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const o = slots + j * SLOT_BYTES;
    if (load<u32>(o + 4) == 0) break;
    const home = load<u32>(o) & mask;
    const stays = i <= j ? i < home && home <= j : i < home || home <= j;
    if (!stays) {
      store<u64>(slots + i * SLOT_BYTES, load<u64>(o));
      i = j;
    }
  }
  store<u32>(slots + i * SLOT_BYTES + 4, 0);
}

/**
 * FlowTable.remove of a UDP flow, with the assembler's onRemove for one: the
 * record is held back while rows of the batch not yet delivered name it.
 */
function removeUdp(r: u32, counter: u32): void {
  const b = rec(r);
  store<i32>(b + R_META, load<i32>(b + R_META) & ~META_IN_TABLE);
  unplace(r);
  unlink(r);
  store<i32>(tableState + T_SIZE, load<i32>(tableState + T_SIZE) - 1);
  store<f64>(tableState + counter, load<f64>(tableState + counter) + 1);
  const hold = load<i32>(b + U_BATCH) == load<i32>(laneState + L_BATCH_SERIAL);
  const top = hold ? T_HELD_TOP : T_FREE_TOP;
  const stack = hold ? heldStack : freeStack;
  const t = load<u32>(tableState + top);
  store<u32>(stack + t * 4, r);
  store<u32>(tableState + top, t + 1);
}

/**
 * FlowTable.removeAll('flushed') for the UDP lane, with the assembler's
 * onRemove for each flow (UDP flows emit nothing when they end, so removing
 * them before the TCP flows gives the same rows). The flows leave their
 * slots when the caller's removeAll rebuilds the index afterwards.
 */
export function flushUdp(): void {
  const serial = load<i32>(laneState + L_BATCH_SERIAL);
  let r = head(LANE_UDP);
  let n: u32 = 0;
  while (r != LANE_UDP) {
    const b = rec(r);
    const next = load<u32>(b + R_NEXT);
    store<i32>(b + R_META, load<i32>(b + R_META) & ~META_IN_TABLE);
    const hold = load<i32>(b + U_BATCH) == serial;
    const top = hold ? T_HELD_TOP : T_FREE_TOP;
    const stack = hold ? heldStack : freeStack;
    const t = load<u32>(tableState + top);
    store<u32>(stack + t * 4, r);
    store<u32>(tableState + top, t + 1);
    n++;
    r = next;
  }
  store<u32>(rec(LANE_UDP) + R_PREV, LANE_UDP);
  store<u32>(rec(LANE_UDP) + R_NEXT, LANE_UDP);
  store<i32>(tableState + T_SIZE, load<i32>(tableState + T_SIZE) - n);
  store<f64>(tableState + T_FLUSHED, load<f64>(tableState + T_FLUSHED) + <f64>n);
}

@inline function isVlan(ethertype: u32): bool {
  return ethertype == 0x8100 || ethertype == 0x88a8 || ethertype == 0x9100;
}

// flow-share.ts clientHash.
@inline function clientHash(c0: u32, c1: u32, c2: u32, c3: u32): u32 {
  return fmix32(fmix32(fmix32(fmix32(c0 ^ 0x5bd1e995) ^ c1) ^ c2) ^ c3);
}

@inline function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/**
 * SampleBatch.keepMessage's columns. With messages kept, TCP segments that
 * carry data are the TypeScript path's: its framer keeps each message's
 * first bytes across segments, which the stream words here have no room for.
 */
export function configureMessages(msgAt: u32, msgLenAt: u32, bytesPerRow: u32): void {
  colMsg = msgAt;
  colMsgLen = msgLenAt;
  msgBytes = bytesPerRow;
}

@inline function bump(at: u32, by: u32): void {
  store<u32>(laneState + at, load<u32>(laneState + at) + by);
}

/**
 * Adds a batch row (SampleBatch.add through FlowAssembler.push): the flow's
 * next message index in direction `dir`, the first `avail` of the bytes at
 * `src` (at most HEAD_BYTES, the rest zero); with messages kept, the first
 * msgBytes of the `msgAvail` message bytes at `msgSrc`.
 */
function addRow(ref: u32, transport: u8, dir: u32, sec: u32, nsec: u32, payloadLength: u32, src: u32, avail: u32, flags: u8, msgSrc: u32, msgAvail: u32): void {
  const b = rec(ref);
  store<i32>(b + U_BATCH, load<i32>(laneState + L_BATCH_SERIAL));
  const m = b + U_MSG0 + dir * 4;
  const index = load<u32>(m);
  store<u32>(m, index + 1);
  const row = load<u32>(batchCount);
  store<u32>(batchCount, row + 1);
  const n = avail < HEAD_BYTES ? avail : HEAD_BYTES;
  const hb = colHead + row * HEAD_BYTES;
  if (n == HEAD_BYTES) {
    store<u64>(hb, load<u64>(src));
    store<u32>(hb + 8, load<u32>(src + 8));
  } else {
    for (let k: u32 = 0; k < HEAD_BYTES; k++) store<u8>(hb + k, k < n ? load<u8>(src + k) : 0);
  }
  store<u8>(colHeadLen + row, <u8>n);
  store<i32>(colPayloadLength + row * 4, payloadLength);
  store<f64>(colTsSec + row * 8, <f64>sec);
  store<u32>(colTsNsec + row * 4, nsec);
  store<u8>(colDirection + row, <u8>dir);
  store<u32>(colMessageIndex + row * 4, index);
  store<u8>(colFlags + row, flags | (n < FIRST_BYTES ? SAMPLE_SHORT : 0));
  store<u32>(colFlowRef + row * 4, ref);
  store<u8>(colTransport + row, transport);
  if (msgBytes != 0) {
    const k = msgAvail < msgBytes ? msgAvail : msgBytes;
    store<u16>(colMsgLen + row * 2, <u16>k);
    // With the question stage in the lane the message is taken where the frame has it, while it is in cache.
    if (questionInline()) questionRow(<i32>row, msgSrc, <i32>k);
    else copySmall(colMsg + row * msgBytes, msgSrc, k);
  }
}

/** How many messages DnsTcpFramer.push of bytes [i, end) would emit, without changing the stream. */
function messagesIn(st: u32, i: u32, end: u32): u32 {
  let phase = load<i32>(st + S_PHASE);
  let prefixHi = load<u32>(st + S_PREFIX_HI);
  let msgLen = load<u32>(st + S_MSG_LEN);
  let pos = load<u32>(st + S_POS);
  let n: u32 = 0;
  while (i < end) {
    if (phase == PHASE_PREFIX_HI) {
      prefixHi = load<u8>(i++);
      phase = PHASE_PREFIX_LO;
    } else if (phase == PHASE_PREFIX_LO) {
      msgLen = (prefixHi << 8) | load<u8>(i++);
      pos = 0;
      if (msgLen == 0) {
        n++;
        phase = PHASE_PREFIX_HI;
      } else {
        phase = PHASE_BODY;
      }
    } else {
      let k = msgLen - pos;
      if (end - i < k) k = end - i;
      pos += k;
      i += k;
      if (pos == msgLen) {
        n++;
        phase = PHASE_PREFIX_HI;
      }
    }
  }
  return n;
}

/**
 * Whether bytes [i, end) are whole DNS-over-TCP messages, length prefix and
 * body each (read from a message boundary). With messages kept, the lane
 * takes only such segments: each message's bytes are then in the segment,
 * and the framer's buffer for messages split across segments (the
 * TypeScript path's) is never needed.
 */
function wholeMessages(i: u32, end: u32): bool {
  while (i < end) {
    if (end - i < 2) return false;
    i += 2 + <u32>be16(i);
  }
  return i == end;
}

/** DnsTcpFramer.emit, with FlowAssembler.message's row for it; the message's bytes at `body` (messages kept: all of them are in the segment). */
function emit(st: u32, payloadLength: u32, ref: u32, dir: u32, sec: u32, nsec: u32, body: u32): void {
  const headLen = load<i32>(st + S_PHASE) == PHASE_BODY ? load<u32>(st + S_HEAD_LEN) : 0;
  store<i32>(st + S_PHASE, PHASE_PREFIX_HI);
  store<i32>(st + S_MESSAGES, load<i32>(st + S_MESSAGES) + 1);
  const flags = load<i32>(st + S_MSG_FLAGS) | load<i32>(st + S_STREAM_FLAGS);
  addRow(ref, 1, dir, sec, nsec, payloadLength, st + S_HEAD, headLen, <u8>flags, body, payloadLength);
  store<i32>(st + S_MSG_FLAGS, 0);
  store<i32>(st + S_HEAD_LEN, 0);
  bump(L_TCP_SAMPLES, 1);
}

/** DnsTcpFramer.push of in-order bytes [i, end), headers only. */
function push(st: u32, i: u32, end: u32, ref: u32, dir: u32, sec: u32, nsec: u32): void {
  while (i < end) {
    const phase = load<i32>(st + S_PHASE);
    if (phase == PHASE_PREFIX_HI) {
      store<u32>(st + S_PREFIX_HI, load<u8>(i++));
      store<i32>(st + S_PHASE, PHASE_PREFIX_LO);
      store<i32>(st + S_MSG_FLAGS, load<i32>(st + S_CARRY_FLAGS));
      store<i32>(st + S_CARRY_FLAGS, 0);
    } else if (phase == PHASE_PREFIX_LO) {
      const msgLen = (load<u32>(st + S_PREFIX_HI) << 8) | load<u8>(i++);
      store<u32>(st + S_MSG_LEN, msgLen);
      store<i32>(st + S_PHASE, PHASE_BODY);
      store<u32>(st + S_POS, 0);
      store<u32>(st + S_HEAD_LEN, 0);
      store<i32>(st + S_HEAD_OPEN, 1);
      if (msgLen == 0) emit(st, 0, ref, dir, sec, nsec, i);
    } else {
      const msgLen = load<u32>(st + S_MSG_LEN);
      const pos = load<u32>(st + S_POS);
      let n = msgLen - pos;
      if (end - i < n) n = end - i;
      const headLen = load<u32>(st + S_HEAD_LEN);
      if (load<i32>(st + S_HEAD_OPEN) != 0 && headLen < HEAD_BYTES) {
        let h = HEAD_BYTES - headLen;
        if (n < h) h = n;
        for (let k: u32 = 0; k < h; k++) store<u8>(st + S_HEAD + headLen + k, load<u8>(i + k));
        store<u32>(st + S_HEAD_LEN, headLen + h);
      }
      store<u32>(st + S_POS, pos + n);
      i += n;
      // With messages kept the segment started at a boundary, so the body began at i - msgLen.
      if (pos + n == msgLen) emit(st, msgLen, ref, dir, sec, nsec, i - msgLen);
    }
  }
}

/**
 * One Ethernet frame of `incl` captured bytes at `f` (`orig` on the wire,
 * at least `incl`), stamped `sec`.`nsec`: true when it was taken (a row, or
 * counted as ignored), false when it is the TypeScript path's. A frame is
 * refused before anything of the flow table, its streams or the batch has
 * changed, except what the TypeScript path then does the same way again:
 * the clock and the expiry of idle UDP flows.
 */
function frame(f: u32, incl: u32, orig: u32, sec: u32, nsec: u32): bool {
  const capEndFrame = f + incl;
  const wireEnd = f + orig;
  if (incl < 14) return false;

  // Ethernet II, then IPv4 without options or fragmentation, or IPv6 without extension headers.
  let ethertype = be16(f + 12);
  let ip = f + 14;
  // Up to two 802.1Q/802.1ad tags (vlan.ts); a deeper stack is the TypeScript path's.
  let vlan0: u32 = 0;
  let vlan1: u32 = 0;
  if (isVlan(ethertype)) {
    if (capEndFrame - ip < 4) return false;
    vlan0 = be16(ip) & 0x0fff;
    ethertype = be16(ip + 2);
    ip += 4;
    if (isVlan(ethertype)) {
      if (capEndFrame - ip < 4) return false;
      vlan1 = be16(ip) & 0x0fff;
      ethertype = be16(ip + 2);
      ip += 4;
      if (isVlan(ethertype)) return false;
    }
  }
  let v6 = false;
  let claimedEnd: u32 = 0;
  let l4: u32 = 0;
  let proto: u32 = 0;
  if (ethertype == 0x0800) {
    if (capEndFrame - ip < 20 || load<u8>(ip) != 0x45) return false;
    const total = be16(ip + 2);
    if (total < 20) return false;
    claimedEnd = ip + total;
    if (claimedEnd > wireEnd || (be16(ip + 6) & 0x3fff) != 0) return false;
    proto = load<u8>(ip + 9);
    l4 = ip + 20;
  } else if (ethertype == 0x86dd) {
    if (capEndFrame - ip < 40 || load<u8>(ip) >> 4 != 6) return false;
    const plen = be16(ip + 4);
    if (plen == 0) return false;
    claimedEnd = ip + 40 + plen;
    if (claimedEnd > wireEnd) return false;
    proto = load<u8>(ip + 6);
    l4 = ip + 40;
    v6 = true;
  } else {
    return false;
  }
  const capEnd = claimedEnd < capEndFrame ? claimedEnd : capEndFrame;
  const tcp = proto == 6;
  let pay: u32 = 0;
  let tcpFlags: u32 = 0;
  if (proto == 17) {
    // The header captured, the length exactly the IP payload's, and payload bytes captured.
    if (<i32>(capEnd - l4) <= 8 || be16(l4 + 4) != claimedEnd - l4) return false;
    pay = l4 + 8;
  } else if (tcp) {
    // A header within the captured bytes, no SYN, FIN or RST, the payload captured whole.
    if (<i32>(capEnd - l4) < 20) return false;
    const hlen = <u32>(load<u8>(l4 + 12) >> 4) * 4;
    tcpFlags = load<u8>(l4 + 13);
    if (hlen < 20 || l4 + hlen > capEnd || (tcpFlags & TCP_FIN_SYN_RST) != 0 || capEnd != claimedEnd) return false;
    pay = l4 + hlen;
  } else {
    return false;
  }
  const sp = be16(l4);
  const dp = be16(l4 + 2);
  const payloadLength = claimedEnd - pay;
  const captured = capEnd - pay;

  const srcDns = load<u8>(ports + sp) == 1;
  const dstDns = load<u8>(ports + dp) == 1;
  if (!srcDns && !dstDns) {
    bump(L_IGNORED, 1);
    return true;
  }

  // The canonical key (flow-key.ts flowKeyFromPacket) and its table hash (tableHash).
  const sa = v6 ? ip + 8 : ip + 12;
  const da = v6 ? ip + 24 : ip + 16;
  const s0 = be32(sa);
  const d0 = be32(da);
  let s1: u32 = 0, s2: u32 = 0, s3: u32 = 0, d1: u32 = 0, d2: u32 = 0, d3: u32 = 0;
  if (v6) {
    s1 = be32(sa + 4);
    s2 = be32(sa + 8);
    s3 = be32(sa + 12);
    d1 = be32(da + 4);
    d2 = be32(da + 8);
    d3 = be32(da + 12);
  }
  let srcIsA: bool;
  if (s0 != d0) srcIsA = s0 < d0;
  else if (s1 != d1) srcIsA = s1 < d1;
  else if (s2 != d2) srcIsA = s2 < d2;
  else if (s3 != d3) srcIsA = s3 < d3;
  else srcIsA = sp <= dp;
  const a0 = srcIsA ? s0 : d0;
  const b0 = srcIsA ? d0 : s0;
  const portsWord = srcIsA ? (sp << 16) | dp : (dp << 16) | sp;
  const protoVlan: u32 = (proto << 24) | (vlan0 << 12) | vlan1;
  let h = (a0 ^ 0x2c1b3c6d) * 0x9e3779b1;
  h = (h ^ b0) * 0x85ebca77;
  h = (h ^ portsWord) * 0xc2b2ae3d;
  h = (h ^ protoVlan ^ (v6 ? 6 : 4)) * 0x27d4eb2f;
  let a1: u32 = 0, a2: u32 = 0, a3: u32 = 0, b1: u32 = 0, b2: u32 = 0, b3: u32 = 0;
  if (v6) {
    a1 = srcIsA ? s1 : d1;
    a2 = srcIsA ? s2 : d2;
    a3 = srcIsA ? s3 : d3;
    b1 = srcIsA ? d1 : s1;
    b2 = srcIsA ? d2 : s2;
    b3 = srcIsA ? d3 : s3;
    h = (h ^ a1) * 0x9e3779b1;
    h = (h ^ a2) * 0x85ebca77;
    h = (h ^ a3) * 0xc2b2ae3d;
    h = (h ^ b1) * 0x9e3779b1;
    h = (h ^ b2) * 0x85ebca77;
    h = (h ^ b3) * 0xc2b2ae3d;
  }
  const hash = fmix32(h) & 0x3fffffff;
  const meta: i32 = v6 ? META_V6 : 0;

  // FlowTable.advance: the clock, then idle UDP flows; an idle TCP flow is the TypeScript path's.
  const now = <f64>sec + <f64>nsec / 1e9;
  let clock = load<f64>(tableState + T_CLOCK);
  if (now > clock) {
    clock = now;
    store<f64>(tableState + T_CLOCK, clock);
  }
  const udpLimit = clock - idleUdp;
  for (let r = head(LANE_UDP); r != LANE_UDP && seen(r) < udpLimit; r = head(LANE_UDP)) removeUdp(r, T_EXPIRED);
  const t = head(LANE_TCP);
  if (t != LANE_TCP && seen(t) < clock - idleTcp) return false;
  // Another worker's client: the clock and expiry above are what every worker does with every packet.
  if (shareCount > 1) {
    let sh: u32;
    if (shareByClient) {
      const clientIsSrc = srcDns != dstDns ? dstDns : srcIsA;
      sh = clientIsSrc ? clientHash(s0, s1, s2, s3) : clientHash(d0, d1, d2, d3);
    } else {
      sh = fmix32(hash ^ 0x5bd1e995);
    }
    if (sh % shareCount != shareIndex) return true;
  }

  // FlowTable.lookup.
  let ref: u32 = 0;
  let i = (hash - 1) & mask;
  while (true) {
    i = (i + 1) & mask;
    const o = slots + i * SLOT_BYTES;
    const r1 = load<u32>(o + 4);
    if (r1 == 0) break;
    if (load<u32>(o) == hash) {
      const b = rec(r1 - 1);
      if (
        load<u32>(b + R_PORTS) == portsWord &&
        load<u32>(b + R_PROTO_VLAN) == protoVlan &&
        load<u32>(b + R_A0) == a0 &&
        load<u32>(b + R_B0) == b0 &&
        (load<i32>(b + R_META) & META_V6) == meta
      ) {
        if (!v6) {
          ref = r1 - 1;
          break;
        }
        const x = v6Words + (r1 - 1) * V6_BYTES;
        if (
          load<u32>(x) == a1 &&
          load<u32>(x + 4) == a2 &&
          load<u32>(x + 8) == a3 &&
          load<u32>(x + 12) == b1 &&
          load<u32>(x + 16) == b2 &&
          load<u32>(x + 20) == b3
        ) {
          ref = r1 - 1;
          break;
        }
      }
    }
  }

  if (tcp) {
    // FlowAssembler.ingest and TcpStream.segment for a segment of a known flow that only
    // carries data on, in order: a new flow, a closed direction getting data, a FIN seen
    // before, bytes held out of order, a segment out of order, or more messages than the
    // batch has room for are the TypeScript path's.
    if (ref == 0) return false;
    const b = rec(ref);
    const dir: u32 = srcIsA == ((load<i32>(b + U_FLAGS) & F_CLIENT_IS_A) != 0) ? 0 : 1;
    const pair = pairs + load<u32>(b + U_PAIR) * PAIR_BYTES;
    const st = pair + P_STREAMS + dir * STREAM_BYTES;
    const state = load<i32>(st + S_STATE);
    const seq = be32(l4 + 4);
    if (load<i32>(st + S_HAS_FIN) != 0) return false;
    if (payloadLength > 0) {
      if (state == STATE_CLOSED || load<i32>(st + S_PENDING) != 0) return false;
      if (msgBytes != 0 && !(load<i32>(st + S_PHASE) == PHASE_PREFIX_HI && wholeMessages(pay, claimedEnd))) return false;
      if (state == STATE_OPEN && seq != load<u32>(st + S_NEXT)) return false;
      if (messagesIn(st, pay, claimedEnd) > batchCapacity - load<u32>(batchCount)) return false;
    }
    store<f64>(b + R_SEEN, clock);
    if (load<u32>(rec(LANE_TCP) + R_PREV) != ref) {
      unlink(ref);
      append(ref, LANE_TCP);
    }
    bump(L_TCP_SEGMENTS, 1);
    store<f64>(pair + P_TS_SEC, <f64>sec);
    store<u32>(pair + P_TS_NSEC, nsec);
    if (payloadLength > 0) {
      if (state == STATE_IDLE) {
        store<u32>(st + S_NEXT, seq);
        store<i32>(st + S_STATE, STATE_OPEN);
        store<i32>(st + S_STREAM_FLAGS, load<i32>(st + S_STREAM_FLAGS) | SAMPLE_MIDSTREAM);
      }
      push(st, pay, claimedEnd, ref, dir, sec, nsec);
      store<u32>(st + S_NEXT, load<u32>(st + S_NEXT) + payloadLength);
    }
    return true;
  }

  if (ref != 0) {
    // FlowTable.touch.
    const b = rec(ref);
    store<f64>(b + R_SEEN, clock);
    if (load<u32>(rec(LANE_UDP) + R_PREV) != ref) {
      unlink(ref);
      append(ref, LANE_UDP);
    }
  } else {
    // FlowTable.insert and FlowAssembler.createFlow; a TCP flow to evict is the TypeScript path's.
    let evictTcp = false;
    while (load<u32>(tableState + T_SIZE) >= maxFlows) {
      const u = head(LANE_UDP);
      const tt = head(LANE_TCP);
      if (u == LANE_UDP || (tt != LANE_TCP && seen(u) > seen(tt))) {
        evictTcp = true;
        break;
      }
      removeUdp(u, T_EVICTED);
    }
    if (evictTcp) return false;
    const freeTop = load<u32>(tableState + T_FREE_TOP);
    if (freeTop > 0) {
      ref = load<u32>(freeStack + (freeTop - 1) * 4);
      store<u32>(tableState + T_FREE_TOP, freeTop - 1);
    } else {
      ref = load<u32>(tableState + T_ALLOCATED);
      if (ref >= capacity) return false;
      store<u32>(tableState + T_ALLOCATED, ref + 1);
    }
    const b = rec(ref);
    store<u32>(b + R_HASH, hash);
    store<u32>(b + R_PORTS, portsWord);
    store<u32>(b + R_PROTO_VLAN, protoVlan);
    store<i32>(b + R_META, meta | META_IN_TABLE);
    store<u32>(b + R_A0, a0);
    store<u32>(b + R_B0, b0);
    if (v6) {
      const x = v6Words + ref * V6_BYTES;
      store<u32>(x, a1);
      store<u32>(x + 4, a2);
      store<u32>(x + 8, a3);
      store<u32>(x + 12, b1);
      store<u32>(x + 16, b2);
      store<u32>(x + 20, b3);
    }
    store<f64>(b + R_SEEN, clock);
    place(hash, ref);
    append(ref, LANE_UDP);
    store<i32>(tableState + T_SIZE, load<i32>(tableState + T_SIZE) + 1);
    store<f64>(tableState + T_CREATED, load<f64>(tableState + T_CREATED) + 1);
    const clientIsSrc = srcDns != dstDns ? dstDns : true;
    store<i32>(b + U_MSG0, 0);
    store<i32>(b + U_MSG1, 0);
    store<i32>(b + U_BATCH, 0);
    store<i32>(b + U_SOURCE, sourceIndex);
    store<i32>(b + U_FLAGS, clientIsSrc == srcIsA ? F_CLIENT_IS_A : 0);
  }

  // FlowAssembler.ingest for a datagram with payload.
  const clientIsA = (load<i32>(rec(ref) + U_FLAGS) & F_CLIENT_IS_A) != 0;
  const dir: u32 = srcIsA == clientIsA ? 0 : 1;
  addRow(ref, 0, dir, sec, nsec, payloadLength, pay, captured, captured < payloadLength ? SAMPLE_TRUNCATED : 0, pay, captured);
  bump(L_UDP, 1);
  return true;
}

/**
 * Consumes the complete classic pcap records of [p, end) (byte addresses in
 * the memory) that it can, and returns the address of the first it did not:
 * an incomplete record, one for the TypeScript path, or the one after the
 * record that filled the batch.
 */
export function scan(p: u32, end: u32): u32 {
  while (end - p >= 16) {
    const incl = load<u32>(p + 8);
    const orig = load<u32>(p + 12);
    if (incl > maxRecord || incl > orig || end - p - 16 < incl) break;
    const nsec64 = <u64>load<u32>(p + 4) * fracToNs;
    if (nsec64 >= 1_000_000_000) break;
    if (!frame(p + 16, incl, orig, load<u32>(p), <u32>nsec64)) break;
    bump(L_FRAMES, 1);
    bump(L_BYTES, incl);
    p += 16 + incl;
    if (load<u32>(batchCount) >= batchCapacity) break;
  }
  return p;
}

/**
 * The same for pcapng (pcapng-reader.ts): enhanced packet blocks of a
 * little-endian section on an interface the kind table allows, whole and
 * consistent (the reader's checks pass), with a time below 2^32 s. Any other
 * block, and any block those checks would fault, is the reader's.
 */
export function scanPcapng(p: u32, end: u32): u32 {
  while (end - p >= 12) {
    if (load<u32>(p) != 6) break;
    const len = load<u32>(p + 4);
    if (len < 32 || (len & 3) != 0 || len > maxBlock || end - p < len || load<u32>(p + len - 4) != len) break;
    const iface = load<u32>(p + 8);
    if (iface >= load<u32>(laneState + L_NG_INTERFACES)) break;
    const kind = load<u8>(ngKinds + iface);
    const caplen = load<u32>(p + 20);
    const orig = load<u32>(p + 24);
    if (kind == 0 || caplen > len - 32 || orig < caplen) break;
    const ts = (<u64>load<u32>(p + 12) << 32) | <u64>load<u32>(p + 16);
    const units: u64 = kind == 1 ? 1_000_000 : 1_000_000_000;
    const sec = ts / units;
    if (sec > 0xffffffff) break;
    const rem = ts - sec * units;
    if (!frame(p + 28, caplen, orig, <u32>sec, <u32>(kind == 1 ? rem * 1000 : rem))) break;
    bump(L_FRAMES, 1);
    bump(L_BYTES, caplen);
    p += len;
    if (load<u32>(batchCount) >= batchCapacity) break;
  }
  return p;
}
