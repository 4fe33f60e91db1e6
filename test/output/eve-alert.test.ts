import { describe, expect, it } from 'vitest';
import { inIfaceField } from '../../src/output/eve-alert.js';

describe('inIfaceField', () => {
  it('writes the interface as JSON, and nothing for captures read from files', () => {
    expect(inIfaceField(undefined)).toBe('');
    expect(JSON.parse(`{${inIfaceField('eth0').slice(0, -1)}}`)).toEqual({ in_iface: 'eth0' });
    // Device names come from the command line; they must not break the record.
    const odd = 'br"0\\\n';
    expect(JSON.parse(`{${inIfaceField(odd).slice(0, -1)}}`)).toEqual({ in_iface: odd });
  });
});
