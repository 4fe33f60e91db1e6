import { FIRST_BYTES, HEAD_BYTES, type SampleBatch } from '../flow/sample.js';
import type { Signature } from '../scoring/signatures.js';
import { decodeHeaderView } from './dns-header.js';
import { flowFields } from './flow-fields.js';
import { toHex } from './hex.js';
import { sampleFlagNames } from './sample-format.js';
import { eveTimestamp } from './timestamp.js';

/** Everything a record says about why a sample scored as it did. */
export interface Verdict {
  loss: number | undefined;
  threshold: number | undefined;
  perByteError: Float32Array | undefined;
  perByteOffset: number;
  rulesFailed: readonly string[];
  aeHit: boolean;
  rulesHit: boolean;
  detector: string;
  modelId: string | undefined;
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x;
}

/**
 * The `dnsae` object: packet bytes only ever appear hex-encoded, so a
 * payload cannot inject into the log stream or a SIEM parser.
 */
function dnsaeObject(batch: SampleBatch, i: number, v: Verdict): Record<string, unknown> {
  const n = batch.headLen[i]!;
  const base = i * HEAD_BYTES;
  const o: Record<string, unknown> = {
    detector: v.detector,
    message_index: batch.messageIndex[i],
    payload_length: batch.payloadLength[i],
    first8: toHex(batch.head, base, n < FIRST_BYTES ? n : FIRST_BYTES),
    header: decodeHeaderView(batch.head, base, n),
    sample_flags: sampleFlagNames(batch.flags[i]!),
    autoencoder: v.aeHit,
    rules_failed: v.rulesFailed,
  };
  if (v.loss !== undefined) {
    o.score = round(v.loss);
    o.threshold = v.threshold === undefined ? null : round(v.threshold);
  }
  if (v.perByteError !== undefined) {
    const pb: number[] = [];
    for (let k = 0; k < FIRST_BYTES; k++) pb.push(round(v.perByteError[v.perByteOffset + k]!));
    o.per_byte_error = pb;
  }
  if (v.modelId !== undefined) o.model_id = v.modelId;
  return o;
}

function appProto(v: Verdict): string {
  // Suricata writes app_proto "failed" when detection could not settle on the port's protocol.
  return v.aeHit || v.rulesHit ? 'failed' : 'dns';
}

/** `"in_iface":"eth0",` for records of a live capture (Suricata's field), empty otherwise. */
export function inIfaceField(device: string | undefined): string {
  return device === undefined ? '' : `"in_iface":${JSON.stringify(device)},`;
}

export function eveAlert(batch: SampleBatch, i: number, sig: Signature, v: Verdict, sourceNames: readonly string[], inIface = ''): string {
  const alert = {
    action: 'allowed',
    gid: 1,
    signature_id: sig.id,
    rev: 1,
    signature: sig.text,
    category: sig.category,
    severity: sig.severity,
  };
  return (
    `{"timestamp":"${eveTimestamp(batch.tsSec[i]!, batch.tsNsec[i]!)}",` +
    flowFields(batch.flow(i), batch.direction[i]!, sourceNames) +
    `,${inIface}"event_type":"alert","app_proto":"${appProto(v)}","alert":${JSON.stringify(alert)},"dnsae":${JSON.stringify(dnsaeObject(batch, i, v))}}`
  );
}

/** `--all`: one record per scored sample, alert or not. */
export function eveScoreRecord(batch: SampleBatch, i: number, v: Verdict, alerted: string, sourceNames: readonly string[], inIface = ''): string {
  const d = dnsaeObject(batch, i, v);
  d.alert = alerted;
  return (
    `{"timestamp":"${eveTimestamp(batch.tsSec[i]!, batch.tsNsec[i]!)}",` +
    flowFields(batch.flow(i), batch.direction[i]!, sourceNames) +
    `,${inIface}"event_type":"dns_ae","app_proto":"${appProto(v)}","dnsae":${JSON.stringify(d)}}`
  );
}
