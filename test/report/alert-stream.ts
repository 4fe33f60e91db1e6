import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../golden/run-cli.js';

export interface StreamManifest {
  start: string;
  days: number;
  sensors: string[];
  files: string[];
  spike: { sensor: string; day: number; kind: number; date: string };
  retrain: { date: string; model_id: string; threshold: number; before: { model_id: string; threshold: number } };
  tunnel_model: string | null;
  malformed: string[];
  other_producer_alerts: number;
  non_alert_records: number;
}

/** Runs scripts/report/make-alert-stream.mjs into a fresh temp dir (needs `npm run build` for dnsae score). */
export function makeAlertStream(): { dir: string; manifest: StreamManifest } {
  const dir = mkdtempSync(join(tmpdir(), 'dnsae-report-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/report/make-alert-stream.mjs'), '--out-dir', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-alert-stream exited ${r.status}: ${r.stderr}`);
  return { dir, manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as StreamManifest };
}

const DNSAE_SIDS = new Set([9053001, 9053002, 9053003, 9053010]);

export interface PlainRecord {
  ts: number;
  host: string;
  sid: number;
  dnsae: boolean;
  src: string | undefined;
}

/** The stream read back without the report's code: every alert line that parses. */
export function plainAlerts(files: readonly string[]): PlainRecord[] {
  const out: PlainRecord[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      let r: Record<string, any>;
      try {
        r = JSON.parse(line);
      } catch {
        continue;
      }
      const ts = Date.parse(r.timestamp);
      if (r.event_type !== 'alert' || !Number.isFinite(ts)) continue;
      const sid = r.alert.signature_id as number;
      out.push({ ts, host: r.host, sid, dnsae: r.dnsae !== undefined && DNSAE_SIDS.has(sid), src: r.src_ip });
    }
  }
  return out;
}
