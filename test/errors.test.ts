import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DnsaeError, ERROR_CODES, ExitCode, type ErrorCode } from '../src/errors.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  it('documents every code with its exit status', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\``));
      expect(row, `${code} missing from docs/errors.md`).toBeDefined();
      expect(row!.split('|')[2]!.trim()).toBe(String(info.exit));
    }
  });

  it('documents every exit status', () => {
    for (const status of Object.values(ExitCode)) {
      expect(doc).toMatch(new RegExp(`^\\| ${status} \\|`, 'm'));
    }
  });

  it('renders one line naming file, offset and code', () => {
    const e = new DnsaeError('DNSAE_ERR_TRUNCATED_FILE' as ErrorCode, 'capture ends inside a record', { file: 'x.pcap', offset: 40 });
    expect(e.toLine()).toBe('x.pcap: capture ends inside a record at byte 40 [DNSAE_ERR_TRUNCATED_FILE]');
    expect(e.toLine()).not.toContain('\n');
    expect(e.exitCode).toBe(ExitCode.INPUT);
  });
});
