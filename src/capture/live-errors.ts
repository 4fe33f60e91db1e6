import { LiveCaptureError } from '../errors.js';

/** libpcap status codes (pcap/pcap.h) that select our error code. */
const PCAP_ERROR_NO_SUCH_DEVICE = -5;
const PCAP_ERROR_PERM_DENIED = -8;
const PCAP_ERROR_IFACE_NOT_UP = -9;
const PCAP_ERROR_PROMISC_PERM_DENIED = -11;

type Kind = 'device' | 'permission' | 'filter' | 'other';

/**
 * The patched addon tags open errors with the libpcap stage and status
 * (pcapStage, pcapStatus). Stock cap throws a bare Error whose message is
 * libpcap's text, so the fallback classifies by the texts libpcap 1.x uses.
 */
function classify(err: unknown, filter: string): { kind: Kind; message: string } {
  const e = err as { message?: unknown; pcapStage?: unknown; pcapStatus?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  const stage = e?.pcapStage;
  if (typeof stage === 'string') {
    if (stage === 'filter') return { kind: 'filter', message };
    if (stage === 'activate' || stage === 'create') {
      const status = e?.pcapStatus;
      if (status === PCAP_ERROR_NO_SUCH_DEVICE) return { kind: 'device', message };
      if (status === PCAP_ERROR_PERM_DENIED || status === PCAP_ERROR_PROMISC_PERM_DENIED) {
        return { kind: 'permission', message };
      }
    }
    return { kind: 'other', message };
  }
  if (/no such device/i.test(message)) return { kind: 'device', message };
  if (/operation not permitted|permission denied|don't have permission/i.test(message)) {
    return { kind: 'permission', message };
  }
  if (filter !== '' && /syntax error|unknown |illegal|invalid|parse error|expression|can't|not supported/i.test(message)) {
    return { kind: 'filter', message };
  }
  return { kind: 'other', message };
}

/**
 * Turns what Cap#open threw into one of our coded errors, one line each.
 * `devices` is called only for a missing device, to list the alternatives.
 */
export function mapOpenError(
  err: unknown,
  device: string,
  filter: string,
  devices: () => readonly string[],
): LiveCaptureError {
  const { kind, message } = classify(err, filter);
  const options = { cause: err };
  switch (kind) {
    case 'device': {
      let available: string;
      try {
        const names = devices();
        available = names.length === 0 ? 'none found' : names.join(', ');
      } catch {
        available = 'device list unavailable';
      }
      return new LiveCaptureError('DNSAE_ERR_LIVE_DEVICE', `no such capture device '${device}' (available: ${available})`, options);
    }
    case 'permission':
      return new LiveCaptureError(
        'DNSAE_ERR_LIVE_PERMISSION',
        `not permitted to capture on '${device}' (${message}); run as root or grant CAP_NET_RAW and CAP_NET_ADMIN, see docs/live.md`,
        options,
      );
    case 'filter':
      return new LiveCaptureError('DNSAE_ERR_LIVE_FILTER', `BPF filter '${filter}' does not compile: ${message}`, options);
    case 'other': {
      const status = (err as { pcapStatus?: unknown } | null)?.pcapStatus;
      const hint = status === PCAP_ERROR_IFACE_NOT_UP ? ' (interface is down)' : '';
      return new LiveCaptureError('DNSAE_ERR_LIVE_DEVICE', `cannot open capture device '${device}'${hint}: ${message}`, options);
    }
  }
}
