// Every kind of bad command line and bad input file: exactly one line on
// stderr naming the problem (and the file), no stack trace, and the exit
// status docs/errors.md gives for it.
import { gzipSync } from 'node:zlib';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { ROOT, runCli } from '../golden/run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dnsae-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `${ROOT}test/fixtures/benign/tcpdump__dns_udp.pcap`;

function file(name: string, bytes: Uint8Array | string): string {
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

function danglingLink(name: string): string {
  const f = path.join(dir, name);
  if (!lstatExists(f)) symlinkSync(path.join(dir, 'gone'), f);
  return f;
}

function lstatExists(f: string): boolean {
  try {
    lstatSync(f);
    return true;
  } catch {
    return false;
  }
}

/** The user-facing stderr lines: everything but JSON log records. */
function userLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
}

interface Case {
  args: string[];
  code: keyof typeof ERROR_CODES;
  /** Substrings the one line must contain (the file name and the problem). */
  says: string[];
}

function expectOneLine(c: Case): void {
  const r = runCli(c.args);
  const lines = userLines(r.stderr);
  expect(lines, r.stderr).toHaveLength(1);
  const line = lines[0]!;
  expect(line.startsWith('dnsae: ')).toBe(true);
  expect(line.endsWith(`[${c.code}]`)).toBe(true);
  for (const s of c.says) expect(line).toContain(s);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.status).toBe(ERROR_CODES[c.code].exit);
}

describe('bad option values and usage', () => {
  const usage: Array<[string[], string]> = [
    [['score', '--detector', 'bogus', GOOD], "--detector: unknown 'bogus' (header, ae, rules, hybrid, tunnel, both)"],
    [['score', '--rules', 'no_such_rule', '--detector', 'rules', GOOD], 'unknown header rule "no_such_rule"'],
    [['score', '--alert-limit', '10/0', '--detector', 'rules', GOOD], '--alert-limit window must be at least 1 second'],
    [['score', '--alert-limit', 'many', '--detector', 'rules', GOOD], "--alert-limit takes N or N/SEC (e.g. 100/60), got 'many'"],
    [['extract', '--format', 'xml', GOOD], "--format must be one of ndjson, csv, none, got 'xml'"],
    [['extract', '--max-flows', '0', GOOD], '--max-flows must be between 1 and 50000000, got 0'],
    [['extract', '--max-flows', '1e3', GOOD], "--max-flows takes a whole number, got '1e3'"],
    [['extract', '--udp-idle', '-5', GOOD], "--udp-idle takes a whole number, got '-5'"],
    [['extract', '--tcp-idle', '86401', GOOD], '--tcp-idle must be between 1 and 86400, got 86401'],
    [['extract', '--tcp-buffer', '10', GOOD], '--tcp-buffer must be between 1024 and 16777216, got 10'],
    [['extract', '--ports', '53,0', GOOD], "--ports takes port numbers 1-65535 separated by commas, got '53,0'"],
    [['extract', '--ports', '', GOOD], "--ports takes port numbers 1-65535 separated by commas, got ''"],
    [['extract', '--ports', '65536', GOOD], "--ports takes port numbers 1-65535 separated by commas, got '65536'"],
    [['score', '--no-such-option', GOOD], "unknown option '--no-such-option'"],
    [['extract', '--al', GOOD], "unknown option '--al'"],
    [['score', '--all-alert', GOOD], "unknown option '--all-alert' (Did you mean --all-alerts?)"],
    [['score'], "missing required argument 'capture'"],
    [['extract', GOOD, '-o'], "option '-o, --out <file>' argument missing"],
    [['model', 'info', '--x'], "unknown option '--x'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ];
  for (const [args, says] of usage) {
    it(`dnsae ${args.map((a) => (a === GOOD ? 'GOOD.pcap' : a)).join(' ')}`, () => expectOneLine({ args, code: 'DNSAE_ERR_USAGE', says: [says] }));
  }

  it('empty standard input (-) is named <stdin>', () => {
    expectOneLine({ args: ['extract', '-'], code: 'DNSAE_ERR_FILE_EMPTY', says: ['<stdin>: file is empty'] });
  });
});

describe('bad input files', () => {
  const pcap = readFileSync(GOOD);
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
  const cases: Array<[string, () => string, keyof typeof ERROR_CODES, string]> = [
    ['a missing file', () => path.join(dir, 'missing.pcap'), 'DNSAE_ERR_FILE_NOT_FOUND', 'no such file'],
    ['a directory', () => (mkdirSync(path.join(dir, 'adir.pcap'), { recursive: true }), path.join(dir, 'adir.pcap')), 'DNSAE_ERR_FILE_UNREADABLE', 'is a directory, not a capture file'],
    ['an empty file', () => file('empty.pcap', ''), 'DNSAE_ERR_FILE_EMPTY', 'file is empty'],
    ['a PNG named .pcap', () => file('image.pcap', png), 'DNSAE_ERR_BAD_MAGIC', 'PNG image'],
    ['a text file', () => file('notes.pcap', 'tcpdump -i eth0 port 53\n'), 'DNSAE_ERR_BAD_MAGIC', 'text'],
    ['a gzip-compressed pcap', () => file('capture.pcap.gz', gzipSync(pcap)), 'DNSAE_ERR_BAD_MAGIC', 'gzip-compressed data, decompress it first'],
    ['three bytes of a pcap magic', () => file('stub.pcap', pcap.subarray(0, 3)), 'DNSAE_ERR_TRUNCATED_FILE', 'capture ends inside the file header'],
    ['a pcap file header cut short', () => file('header.pcap', pcap.subarray(0, 20)), 'DNSAE_ERR_TRUNCATED_FILE', 'capture ends inside the pcap file header (20 of 24 bytes)'],
    ['a pcap of version 3.0', () => file('v3.pcap', Uint8Array.from([...pcap.subarray(0, 4), 3, 0, 0, 0, ...pcap.subarray(8)])), 'DNSAE_ERR_UNSUPPORTED_CAPTURE', 'pcap version 3.0 is not supported'],
    ['a dangling symbolic link', () => danglingLink('link.pcap'), 'DNSAE_ERR_FILE_NOT_FOUND', 'no such file'],
  ];
  for (const [what, make, code, says] of cases) {
    for (const cmd of [['extract'], ['score', '--detector', 'rules']]) {
      it(`${cmd[0]}: ${what}`, () => {
        const f = make();
        expectOneLine({ args: [...cmd, f], code, says: [`dnsae: ${f}: `, says] });
      });
    }
  }

  it('a file root cannot read either (a name too long for the file system)', () => {
    // Tests run as root, so chmod 000 would not stop the read; ENAMETOOLONG fails for everyone.
    const f = path.join(dir, 'x'.repeat(300) + '.pcap');
    expectOneLine({ args: ['extract', f], code: 'DNSAE_ERR_FILE_UNREADABLE', says: [`dnsae: ${f}: `, 'cannot read (ENAMETOOLONG)'] });
  });

  it('one bad file among good ones: the good ones are read, the bad one named, exit 3', () => {
    const bad = file('bad.pcap', 'not a capture at all');
    const r = runCli(['extract', GOOD, bad, GOOD]);
    expect(r.status).toBe(3);
    expect(userLines(r.stderr)).toEqual([`dnsae: ${bad}: not a pcap or pcapng file (starts with 6e 6f 74 20: text) [DNSAE_ERR_BAD_MAGIC]`]);
    // tshark reads 2 DNS packets from the good file; it is given twice.
    expect(r.stdout.trim().split('\n')).toHaveLength(4);
  });
});

describe('bad model directories', () => {
  it('a missing model directory', () => {
    const m = path.join(dir, 'no-model');
    expectOneLine({ args: ['score', '--model', m, GOOD], code: 'DNSAE_ERR_MODEL_NOT_FOUND', says: [`dnsae: ${m}: `, 'model directory not found'] });
  });

  it('a capture file given as the model', () => {
    expectOneLine({ args: ['score', '--model', GOOD, GOOD], code: 'DNSAE_ERR_MODEL_NOT_FOUND', says: [`dnsae: ${GOOD}: `, 'model path is not a directory'] });
  });

  it.skipIf(!existsSync(`${ROOT}models/default/model.json`))('a model directory whose metadata is not JSON', () => {
    const m = path.join(dir, 'broken-model');
    mkdirSync(m, { recursive: true });
    for (const n of ['model.json', 'weights.bin']) writeFileSync(path.join(m, n), readFileSync(`${ROOT}models/default/${n}`));
    writeFileSync(path.join(m, 'dnsae.json'), '{"formatVersion": 1,');
    expectOneLine({ args: ['model', 'info', m], code: 'DNSAE_ERR_MODEL_INVALID', says: [`dnsae: ${path.join(m, 'dnsae.json')}: `] });
  });
});
