import { describe, expect, it } from 'vitest';
import { DEV_LOG, parseOutputSpec } from '../../../src/cli/output-target.js';
import { UsageError } from '../../../src/errors.js';

describe('parseOutputSpec', () => {
  it('keeps plain paths and - as before', () => {
    expect(parseOutputSpec(undefined)).toEqual({ kind: 'stdout' });
    expect(parseOutputSpec('-')).toEqual({ kind: 'stdout' });
    expect(parseOutputSpec('alerts.json')).toEqual({ kind: 'file', path: 'alerts.json' });
    expect(parseOutputSpec('/var/log/dnsae/eve.json')).toEqual({ kind: 'file', path: '/var/log/dnsae/eve.json' });
    // A colon alone does not make a URL: only the listed prefixes do.
    expect(parseOutputSpec('run:1.json')).toEqual({ kind: 'file', path: 'run:1.json' });
  });

  it('reads socket, syslog and Redis targets', () => {
    expect(parseOutputSpec('unix-stream:/run/eve.sock')).toEqual({ kind: 'unix-stream', path: '/run/eve.sock' });
    expect(parseOutputSpec('unix-dgram:rel.sock')).toEqual({ kind: 'unix-dgram', path: 'rel.sock' });
    expect(parseOutputSpec('syslog:')).toEqual({ kind: 'syslog-local', path: DEV_LOG });
    expect(parseOutputSpec('syslog:/tmp/log')).toEqual({ kind: 'syslog-local', path: '/tmp/log' });
    expect(parseOutputSpec('syslog+udp://10.0.0.5:5514')).toEqual({ kind: 'syslog-udp', host: '10.0.0.5', port: 5514, db: 0 });
    expect(parseOutputSpec('syslog+tcp://logs.example')).toEqual({ kind: 'syslog-tcp', host: 'logs.example', port: 514, db: 0 });
    expect(parseOutputSpec('redis://[::1]:6380/4')).toEqual({ kind: 'redis', host: '::1', port: 6380, db: 4 });
    expect(parseOutputSpec('redis://127.0.0.1')).toEqual({ kind: 'redis', host: '127.0.0.1', port: 6379, db: 0 });
  });

  it('refuses what it cannot use, as usage errors', () => {
    for (const bad of ['unix-stream:', 'redis://h:1/x', 'syslog+tcp://h:514/path', 'kafka://h:9092', 'redis://:6379']) {
      expect(() => parseOutputSpec(bad), bad).toThrow(UsageError);
    }
  });
});
