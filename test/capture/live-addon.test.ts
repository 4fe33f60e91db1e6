import { describe, expect, it } from 'vitest';
import { DnsaeError } from '../../src/errors.js';
import { isPatchedCap, linktypeFromCap, loadCap } from '../../src/capture/live-addon.js';

describe('loadCap', () => {
  it('reports a missing addon as DNSAE_ERR_LIVE_UNAVAILABLE in one line', () => {
    let caught: unknown;
    try {
      loadCap('cap-addon-that-is-not-installed');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DnsaeError);
    const e = caught as DnsaeError;
    expect(e.code).toBe('DNSAE_ERR_LIVE_UNAVAILABLE');
    expect(e.toLine()).not.toContain('\n');
    expect(e.toLine()).toContain('cap-addon-that-is-not-installed');
  });

  it('rejects a module that does not export Cap', () => {
    expect(() => loadCap('node:path')).toThrow(/does not export Cap/);
  });

  it('loads the installed addon, patched by the postinstall step', () => {
    const cap = loadCap();
    expect(typeof cap.Cap.deviceList).toBe('function');
    // package.json's postinstall applies patches/cap+0.2.1.patch; without it
    // live capture silently loses kernel drop counters and header timestamps.
    expect(isPatchedCap(cap)).toBe(true);
    // Record mode, which the live sensor's fast lane and its CPU figures rely on.
    expect(typeof (cap.Cap.prototype as { setRecordBuffer?: unknown }).setRecordBuffer).toBe('function');
  });

  it('refuses a record buffer that cannot hold one 64 KiB record', () => {
    const handle = new (loadCap().Cap)();
    expect(() => handle.setRecordBuffer!(Buffer.alloc(1024))).toThrow(/at least 65552 bytes/);
    expect(() => handle.setRecordBuffer!('not a buffer' as unknown as Buffer)).toThrow(/must be a Buffer/);
    expect(() => handle.setRecordBuffer!(Buffer.alloc(65_552))).not.toThrow();
  });
});

describe('linktypeFromCap', () => {
  it('maps the names cap reports to LINKTYPE_* values', () => {
    // Values from https://www.tcpdump.org/linktypes.html
    expect(linktypeFromCap('ETHERNET')).toBe(1);
    expect(linktypeFromCap('NULL')).toBe(0);
    expect(linktypeFromCap('LINKTYPE_LINUX_SLL')).toBe(113);
    expect(linktypeFromCap('IEEE802_11_RADIO')).toBe(127);
    expect(linktypeFromCap('RAW')).toBe(101);
  });
  it('passes the number through for link types cap does not name', () => {
    expect(linktypeFromCap('Unknown linktype 276')).toBe(276);
    expect(linktypeFromCap('Unknown linktype 12')).toBe(101);
    expect(linktypeFromCap('something else')).toBe(-1);
  });
});
