import { AssembledFlowInfo, NO_VLAN } from '../flow/assembled-flow-info.js';
import { flowIdOf, newFlowKey } from '../flow/flow-key.js';
import { IPPROTO_TCP } from '../decode/packet.js';
import { formatIpWords } from '../flow/ip-format.js';
import {
  B_DOMAIN,
  B_EX_FIRST,
  B_EX_LONG,
  F_LAST_SEC,
  F_START_SEC,
  W_START_NSEC,
  W_LAST_NSEC,
  QT_KINDS,
  W_ANSWERS,
  W_C0,
  W_CV,
  W_DOM_LEN,
  W_EX_FIRST_FULL,
  W_EX_FIRST_LEN,
  W_EX_LONG_FULL,
  W_EX_LONG_LEN,
  W_KA0,
  W_KB0,
  W_KMETA,
  W_KPORTS,
  W_KPV,
  W_LAST_QTYPE,
  W_MAX_LABEL,
  W_MAX_SUB,
  W_NON_ASCII_Q,
  W_NXDOMAIN,
  W_Q,
  W_QT,
  W_R,
  W_RDATA,
  W_RERROR,
  W_SOURCE,
  W_SUB_BYTES,
  WindowTable,
  type CloseReason,
} from '../features/question/window-table.js';
import { distinctNames, QUESTION_FEATURES } from '../features/question/question-features.js';
import type { Signature } from '../scoring/signatures.js';
import { flowFields } from './flow-fields.js';
import { eveTimestamp } from './timestamp.js';
import { rrtypeName } from './rrtype-name.js';

/** What the tunnel stage concluded about one window. */
export interface WindowVerdict {
  readonly loss: number;
  readonly threshold: number;
  readonly perFeature: Float32Array;
  readonly modelId: string;
  readonly reason: CloseReason;
  readonly windowSec: number;
}

const QTYPE_NAMES = ['A', 'AAAA', 'TXT', 'NULL', 'CNAME', 'MX', 'PTR', 'SRV', 'other'] as const;

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * A name's bytes as Suricata's EVE writes rrname: printable ASCII as is
 * (JSON escaping does quotes and backslashes), every other byte as \xNN, so
 * a name made of binary tunnel data cannot break a log parser.
 */
export function rrnameText(bytes: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let k = 0; k < len; k++) {
    const c = bytes[off + k]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

function example(t: WindowTable, s: number, at: number, lenWord: number, fullWord: number): { rrname: string; truncated: boolean } | undefined {
  const w = t.i32;
  const b = s * WindowTable.I32_WORDS;
  const n = w[b + lenWord]!;
  if (n === 0) return undefined;
  const e = t.example(s, at, n);
  return { rrname: rrnameText(e.bytes, e.offset, n), truncated: w[b + fullWord]! > n };
}

/** The FlowInfo of the window's last query: EVE's endpoint fields and Community ID come from it as for any record. */
function lastFlow(t: WindowTable, s: number): AssembledFlowInfo {
  const w = t.i32;
  const b = s * WindowTable.I32_WORDS;
  const key = newFlowKey();
  key.a0 = w[b + W_KA0]!;
  key.a1 = w[b + W_KA0 + 1]!;
  key.a2 = w[b + W_KA0 + 2]!;
  key.a3 = w[b + W_KA0 + 3]!;
  key.b0 = w[b + W_KB0]!;
  key.b1 = w[b + W_KB0 + 1]!;
  key.b2 = w[b + W_KB0 + 2]!;
  key.b3 = w[b + W_KB0 + 3]!;
  const ports = w[b + W_KPORTS]!;
  key.portA = ports >>> 16;
  key.portB = ports & 0xffff;
  const pv = w[b + W_KPV]!;
  key.proto = pv >>> 24;
  key.vlan0 = (pv >>> 12) & 0xfff;
  key.vlan1 = pv & 0xfff;
  const meta = w[b + W_KMETA]!;
  key.ipVersion = (meta & 0xff) === 6 ? 6 : 4;
  const clientIsA = (meta & 0x100) !== 0;
  const vlan = key.vlan0 === 0 && key.vlan1 === 0 ? NO_VLAN : [key.vlan0, key.vlan1].filter((x) => x !== 0);
  return new AssembledFlowInfo(
    flowIdOf(key),
    key.proto === IPPROTO_TCP ? 'tcp' : 'udp',
    clientIsA ? key.portA : key.portB,
    clientIsA ? key.portB : key.portA,
    key.ipVersion,
    vlan,
    w[b + W_SOURCE]!,
    key,
    clientIsA,
  );
}

/** The `dnsae` object of a tunnel-stage record: the window's key, counters and the model's evidence. */
function windowObject(t: WindowTable, s: number, v: WindowVerdict): Record<string, unknown> {
  const w = t.i32;
  const b = s * WindowTable.I32_WORDS;
  const f = t.f64;
  const fb = s * WindowTable.F64_WORDS;
  const domLen = w[b + W_DOM_LEN]!;
  const keptDom = domLen < 64 ? domLen : 64;
  const qtypes: Record<string, number> = {};
  for (let k = 0; k < QT_KINDS; k++) if (w[b + W_QT + k]! > 0) qtypes[QTYPE_NAMES[k]!] = w[b + W_QT + k]!;
  const perFeature: Record<string, number> = {};
  QUESTION_FEATURES.forEach((name, k) => (perFeature[name] = round(v.perFeature[k]!)));
  const top = QUESTION_FEATURES.map((name, k) => [name, v.perFeature[k]!] as const)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 3)
    .map(([name]) => name);
  const examples = [example(t, s, B_EX_LONG, W_EX_LONG_LEN, W_EX_LONG_FULL), example(t, s, B_EX_FIRST, W_EX_FIRST_LEN, W_EX_FIRST_FULL)].filter(
    (e, i, a): e is { rrname: string; truncated: boolean } => e !== undefined && (i === 0 || e.rrname !== a[0]?.rrname),
  );
  const cv = w[b + W_CV]! === 6 ? 6 : 4;
  return {
    stage: 'tunnel',
    detector: 'tunnel',
    client: formatIpWords(cv, w[b + W_C0]!, w[b + W_C0 + 1]!, w[b + W_C0 + 2]!, w[b + W_C0 + 3]!),
    registered_domain: rrnameText(t.bytes, s * WindowTable.BYTES_PER + B_DOMAIN, keptDom) + (domLen > keptDom ? '...' : ''),
    window: {
      start: eveTimestamp(f[fb + F_START_SEC]!, w[b + W_START_NSEC]!),
      end: eveTimestamp(f[fb + F_LAST_SEC]!, w[b + W_LAST_NSEC]!),
      seconds: v.windowSec,
      closed_by: v.reason,
    },
    counters: {
      queries: w[b + W_Q]!,
      responses: w[b + W_R]!,
      distinct_names: Math.round(distinctNames(t, s)),
      subdomain_bytes: w[b + W_SUB_BYTES]!,
      max_subdomain_length: w[b + W_MAX_SUB]!,
      max_label_length: w[b + W_MAX_LABEL]!,
      nxdomain: w[b + W_NXDOMAIN]!,
      other_errors: w[b + W_RERROR]!,
      answers: w[b + W_ANSWERS]!,
      rdata_bytes: w[b + W_RDATA]!,
      non_ascii_queries: w[b + W_NON_ASCII_Q]!,
      qtypes,
    },
    score: round(v.loss),
    threshold: round(v.threshold),
    top_features: top,
    per_feature_error: perFeature,
    examples,
    model_id: v.modelId,
  };
}

function dnsObject(t: WindowTable, s: number): Record<string, unknown> | undefined {
  const ex = example(t, s, B_EX_LONG, W_EX_LONG_LEN, W_EX_LONG_FULL);
  if (ex === undefined) return undefined;
  const qtype = t.i32[s * WindowTable.I32_WORDS + W_LAST_QTYPE]!;
  return { query: [{ type: 'query', rrname: ex.rrname, rrtype: rrtypeName(qtype), tx_id: 0 }] };
}

/** An EVE alert for a window the tunnel stage flagged. */
/** The window's last message time, as the packet had it. */
function lastTime(t: WindowTable, s: number): string {
  return eveTimestamp(t.f64[s * WindowTable.F64_WORDS + F_LAST_SEC]!, t.i32[s * WindowTable.I32_WORDS + W_LAST_NSEC]!);
}

export function eveTunnelAlert(t: WindowTable, s: number, sig: Signature, v: WindowVerdict, sourceNames: readonly string[], inIface = ''): string {
  const alert = { action: 'allowed', gid: 1, signature_id: sig.id, rev: 1, signature: sig.text, category: sig.category, severity: sig.severity };
  const dns = dnsObject(t, s);
  return (
    `{"timestamp":"${lastTime(t, s)}",` +
    flowFields(lastFlow(t, s), 0, sourceNames) +
    `,${inIface}"event_type":"alert","app_proto":"dns","alert":${JSON.stringify(alert)},` +
    (dns === undefined ? '' : `"dns":${JSON.stringify(dns)},`) +
    `"dnsae":${JSON.stringify(windowObject(t, s, v))}}`
  );
}

/** `--all`: one `dns_ae_window` record per scored window, alert or not. */
export function eveWindowRecord(t: WindowTable, s: number, v: WindowVerdict, alerted: string, sourceNames: readonly string[], inIface = ''): string {
  const d = windowObject(t, s, v);
  d.alert = alerted;
  return (
    `{"timestamp":"${lastTime(t, s)}",` +
    flowFields(lastFlow(t, s), 0, sourceNames) +
    `,${inIface}"event_type":"dns_ae_window","app_proto":"dns","dnsae":${JSON.stringify(d)}}`
  );
}
