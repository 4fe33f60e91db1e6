import { SIG_AUTOENCODER, SIG_BOTH, SIG_RULES, SIG_TUNNEL } from '../scoring/signatures.js';

/** The report's series: dnsae's four signatures, and other producers' alerts beside them. */
export const SERIES_KINDS = ['autoencoder', 'rules', 'both', 'tunnel'] as const;
export type SeriesKind = (typeof SERIES_KINDS)[number];
export const TUNNEL = 3;
export const OTHER = 4;
export const KIND_COUNT = 5;

export const KIND_LABEL: Readonly<Record<SeriesKind | 'other', string>> = {
  autoencoder: `header stage, autoencoder (${SIG_AUTOENCODER.id})`,
  rules: `header stage, structure rules (${SIG_RULES.id})`,
  both: `header stage, both agree (${SIG_BOTH.id})`,
  tunnel: `tunnel stage (${SIG_TUNNEL.id})`,
  other: 'other producers',
};

const KIND_OF_SIGNATURE = new Map<number, number>([
  [SIG_AUTOENCODER.id, 0],
  [SIG_RULES.id, 1],
  [SIG_BOTH.id, 2],
  [SIG_TUNNEL.id, 3],
]);

/** What the report takes from one EVE line; reused for every line (no allocation per record). */
export interface AlertFields {
  tsMs: number;
  /** 0..3 a dnsae signature (SERIES_KINDS order), OTHER another producer's alert. */
  kind: number;
  sensor: string | undefined;
  src: string | undefined;
  dest: string | undefined;
  domain: string | undefined;
  modelId: string | undefined;
  threshold: number | undefined;
}

export type Classified = 'alert' | 'not-alert' | 'malformed';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A dnsae alert is an EVE alert with a `dnsae` object and one of dnsae's
 * signature ids; an EVE alert without both is another producer's (Suricata
 * writing to the same file). Records that are not alerts (dnsae's `--all`
 * score records, Suricata's dns, flow and stats events) are not counted.
 * A line that is not a JSON object with a parsable timestamp is malformed.
 */
export function classify(rec: unknown, out: AlertFields): Classified {
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return 'malformed';
  const r = rec as Record<string, unknown>;
  const ts = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : Number.NaN;
  if (!Number.isFinite(ts)) return 'malformed';
  if (r.event_type !== 'alert') return 'not-alert';
  const alert = r.alert as Record<string, unknown> | undefined;
  const sid = typeof alert === 'object' && alert !== null ? alert.signature_id : undefined;
  const d = r.dnsae;
  const kind = typeof d === 'object' && d !== null && typeof sid === 'number' ? KIND_OF_SIGNATURE.get(sid) : undefined;
  out.tsMs = ts;
  out.kind = kind ?? OTHER;
  out.sensor = str(r.host) ?? str(r.in_iface);
  out.src = str(r.src_ip);
  out.dest = str(r.dest_ip);
  out.domain = undefined;
  out.modelId = undefined;
  out.threshold = undefined;
  if (kind !== undefined) {
    const o = d as Record<string, unknown>;
    out.domain = str(o.registered_domain);
    out.modelId = str(o.model_id);
    out.threshold = typeof o.threshold === 'number' ? o.threshold : undefined;
  }
  return 'alert';
}
