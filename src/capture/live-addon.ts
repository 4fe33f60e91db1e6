import { createRequire } from 'node:module';
import { LiveCaptureError } from '../errors.js';

/** Counters of libpcap's pcap_stats (patched cap only). */
export interface CapStats {
  received: number;
  dropped: number;
  ifDropped: number;
}

/**
 * 'packet' listener. The patched addon (patches/cap+0.2.1.patch) also passes
 * the pcap header: wire length and the capture time with the fraction in
 * nanoseconds. Stock cap passes only the first two.
 */
export type CapPacketListener = (
  nbytes: number,
  truncated: boolean,
  wireLen?: number,
  tsSec?: number,
  tsNsec?: number,
) => void;

/** 'records' listener (record mode): `bytes` of the record buffer hold `frames` records, valid during the call only. */
export type CapRecordsListener = (bytes: number, frames: number) => void;

export interface CapHandle {
  /**
   * Returns cap's link-type name. The patched addon also takes a snaplen,
   * whether to use libpcap's immediate mode (stock cap always does) and the
   * read timeout in milliseconds.
   */
  open(
    device: string,
    filter: string,
    bufSize: number,
    buffer: Buffer,
    snaplen?: number,
    immediate?: boolean,
    readTimeoutMs?: number,
  ): string;
  close(): boolean;
  stats?: () => CapStats;
  /**
   * Patched cap, Linux: the kernel stops adding frames to the capture ring
   * while those already in it can still be read. False where unsupported.
   */
  stopIntake?: () => boolean;
  /**
   * Patched cap: record mode. From now on frames are appended to `buffer`
   * as little-endian classic pcap records (nanosecond fraction, wire length
   * at least the captured length) and 'records' is emitted once the buffer
   * is full and once per poll wake-up, instead of 'packet' per frame.
   */
  setRecordBuffer?: (buffer: Buffer) => void;
  /**
   * Patched cap, Linux: joins the handle's socket to the AF_PACKET fanout
   * group `id` (-1: a new group with an id the kernel picks) in
   * PACKET_FANOUT_CBPF mode with `program` (struct sock_filter, host order)
   * as the group's demultiplexer. Returns the group's id.
   */
  joinFanout?: (id: number, program: Buffer) => number;
  on(event: 'packet', listener: CapPacketListener): unknown;
  on(event: 'records', listener: CapRecordsListener): unknown;
  removeAllListeners(event?: string): unknown;
}

export interface CapDevice {
  name: string;
  description?: string;
  flags?: string;
}

export interface CapModule {
  Cap: {
    new (): CapHandle;
    deviceList(): CapDevice[];
  };
}

/**
 * Loads the cap addon on demand so that file-only users never need libpcap
 * or a compiled addon. `require` rather than `import()` keeps openLive
 * synchronous, which lets the caller open the device and drop privileges
 * without an await in between.
 */
export function loadCap(specifier = 'cap'): CapModule {
  const require = createRequire(import.meta.url);
  try {
    const mod = require(specifier) as Partial<CapModule> | undefined;
    if (typeof mod?.Cap !== 'function') throw new Error(`'${specifier}' does not export Cap`);
    return mod as CapModule;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new LiveCaptureError(
      'DNSAE_ERR_LIVE_UNAVAILABLE',
      `live capture needs the cap addon, which cannot be loaded (${why}); reinstall with libpcap development headers present`,
      { cause: err },
    );
  }
}

/** True when the installed addon carries our patch (stats and header timestamps). */
export function isPatchedCap(cap: CapModule): boolean {
  return typeof (cap.Cap.prototype as Partial<CapHandle>).stats === 'function';
}

/** LINKTYPE_RAW: cap reports Linux's DLT_RAW (12) as 'RAW'; files use 101. */
const LINKTYPE_RAW = 101;
const DLT_RAW_LINUX = 12;

const CAP_LINKTYPES: Readonly<Record<string, number>> = {
  NULL: 0,
  ETHERNET: 1,
  RAW: LINKTYPE_RAW,
  IEEE802_11_RADIO: 127,
  LINKTYPE_LINUX_SLL: 113,
};

/**
 * Maps cap's link-type name to the LINKTYPE_* number the decoders key on.
 * cap names five types and reports any other as "Unknown linktype N" with
 * the DLT value, which equals the LINKTYPE value for what Linux produces
 * (SLL2 276, NFLOG 239, IPv4 228...), DLT_RAW excepted.
 */
export function linktypeFromCap(name: string): number {
  const known = CAP_LINKTYPES[name];
  if (known !== undefined) return known;
  const m = /^Unknown linktype (\d+)$/.exec(name);
  if (m === null) return -1;
  const dlt = Number(m[1]);
  return dlt === DLT_RAW_LINUX ? LINKTYPE_RAW : dlt;
}
