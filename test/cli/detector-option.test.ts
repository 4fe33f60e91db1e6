// `--detector` takes a list of stage and detector words; detectorsFrom turns it
// into the header stage's detector (or none) and whether the tunnel stage runs.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectorsFrom } from '../../src/cli/alert-options.js';
import { DnsaeError, ERROR_CODES } from '../../src/errors.js';
import { CLI, runCli } from '../golden/run-cli.js';

const d = (detector: string) => detectorsFrom({ detector });

function usageError(detector: string): DnsaeError {
  try {
    d(detector);
  } catch (err) {
    expect(err).toBeInstanceOf(DnsaeError);
    expect((err as DnsaeError).code).toBe('DNSAE_ERR_USAGE');
    return err as DnsaeError;
  }
  throw new Error(`--detector ${detector} was accepted`);
}

describe('--detector', () => {
  it('single words', () => {
    expect(d('header')).toEqual({ header: 'hybrid', tunnel: 'off' });
    expect(d('hybrid')).toEqual({ header: 'hybrid', tunnel: 'off' });
    expect(d('ae')).toEqual({ header: 'ae', tunnel: 'off' });
    expect(d('rules')).toEqual({ header: 'rules', tunnel: 'off' });
    expect(d('tunnel')).toEqual({ header: undefined, tunnel: 'on' });
    // The default: hybrid, and the tunnel stage when the model has one.
    expect(d('both')).toEqual({ header: 'hybrid', tunnel: 'auto' });
  });

  it('lists', () => {
    expect(d('ae,tunnel')).toEqual({ header: 'ae', tunnel: 'on' });
    expect(d('tunnel,rules')).toEqual({ header: 'rules', tunnel: 'on' });
    expect(d(' rules , tunnel ')).toEqual({ header: 'rules', tunnel: 'on' });
    // Naming the tunnel stage makes it required, whichever comes first.
    expect(d('both,tunnel')).toEqual({ header: 'hybrid', tunnel: 'on' });
    expect(d('tunnel,both')).toEqual({ header: 'hybrid', tunnel: 'on' });
    // header and hybrid are the same detector: no conflict.
    expect(d('header,hybrid')).toEqual({ header: 'hybrid', tunnel: 'off' });
    expect(d('rules,rules')).toEqual({ header: 'rules', tunnel: 'off' });
  });

  it('two header detectors are a usage error naming both', () => {
    expect(usageError('ae,rules').message).toMatch(/ae.*rules/);
    usageError('header,ae');
    usageError('both,rules');
  });

  it('an unknown word or an empty list is a usage error', () => {
    expect(usageError('dns').message).toContain("'dns'");
    usageError('ae,tunel');
    usageError('');
    usageError(' , ');
  });

  it.skipIf(!existsSync(CLI))('the CLI exits 2 with one line for an unknown word and for two header detectors', () => {
    for (const detector of ['bogus', 'ae,rules']) {
      const r = runCli(['score', '-d', detector, 'test/fixtures/benign/tcpdump__dns_udp.pcap']);
      expect(r.status).toBe(2);
      expect(r.status).toBe(ERROR_CODES.DNSAE_ERR_USAGE.exit);
      expect(r.errorLines).toHaveLength(1);
      expect(r.errorLines[0]).toMatch(/--detector/);
      expect(r.stdout).toBe('');
    }
  });
});
