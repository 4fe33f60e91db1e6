import { hostname } from 'node:os';

/** RFC 5424 section 6.2.1 facility codes, by the names syslog.conf uses. */
export const SYSLOG_FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** Severity of records that are not alerts (event_type "dns_ae"): informational. */
export const SEVERITY_INFO = 6;

const SEVERITY_KEY = Buffer.from('"severity":');
const EVENT_TYPE_KEY = Buffer.from('"event_type":"');

/**
 * Syslog severity of an EVE record: an alert's `alert.severity` 1 (high),
 * 2, 3 (low) maps to error (3), warning (4), notice (5); anything else is
 * informational (6). Read from the bytes, without parsing the JSON: the
 * record is ours and has one "severity" key, inside "alert".
 */
export function syslogSeverity(record: Buffer): number {
  const at = record.indexOf(SEVERITY_KEY);
  if (at < 0) return SEVERITY_INFO;
  const d = record[at + SEVERITY_KEY.length]! - 48;
  return d >= 1 && d <= 3 ? d + 2 : SEVERITY_INFO;
}

/** The record's event_type, as the RFC 5424 MSGID (at most 32 printable characters), or "-". */
function msgId(record: Buffer): string {
  const at = record.indexOf(EVENT_TYPE_KEY);
  if (at < 0) return '-';
  const from = at + EVENT_TYPE_KEY.length;
  const end = record.indexOf(34, from);
  if (end < 0 || end - from > 32 || end === from) return '-';
  return record.toString('latin1', from, end);
}

export interface SyslogHeaderFields {
  readonly facility: number;
  readonly hostname?: string;
  readonly appName?: string;
  readonly procId?: number;
}

/**
 * Frames records as RFC 5424 messages:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`, with PRI =
 * facility * 8 + severity, no structured data, and the record's JSON as
 * MSG (no BOM: rsyslog and syslog-ng take UTF-8 without one).
 */
export class Rfc5424Framer {
  private readonly tail: string;

  constructor(private readonly f: SyslogHeaderFields) {
    this.tail = ` ${f.hostname ?? (hostname() || '-')} ${f.appName ?? 'dnsae'} ${f.procId ?? process.pid} `;
  }

  message(record: Buffer, now: Date = new Date()): Buffer {
    const pri = this.f.facility * 8 + syslogSeverity(record);
    const head = Buffer.from(`<${pri}>1 ${now.toISOString()}${this.tail}${msgId(record)} - `, 'latin1');
    return Buffer.concat([head, record], head.length + record.length);
  }

  /** RFC 6587 section 3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`, for TCP. */
  octetCounted(record: Buffer, parts: Buffer[]): void {
    const msg = this.message(record);
    parts.push(Buffer.from(`${msg.length} `, 'latin1'), msg);
  }
}
