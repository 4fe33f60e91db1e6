// Faults around the input and the output: damaged and truncated captures,
// unknown pcapng blocks, a full disk, a reader that goes away, output file
// mode, and packet bytes that try to break the NDJSON line.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { block, buildPcap, concat, epb, idb, shb } from '../capture/build-capture.js';
import { ethernet, ipv4, udp } from '../decode/build-frame.js';
import { CLI, ROOT, runCli } from '../golden/run-cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dnsae-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A DNS query (id, RD, one question "a.") as a UDP/53 Ethernet frame. */
function queryFrame(i: number): Uint8Array {
  const dns = new Uint8Array([i >> 8, i & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1]);
  return ethernet(0x0800, ipv4(17, udp(10_000 + i, 53, dns)));
}

function write(name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

/** Non-JSON stderr lines, i.e. what a user reads (log records are JSON). */
function userLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
}

describe('truncated captures', () => {
  const N = 40;
  const frames = Array.from({ length: N }, (_, i) => queryFrame(i));
  const file = buildPcap({}, frames.map((data, i) => ({ sec: 1_700_000_000 + i, frac: 0, data })));
  // Record i starts at 24 + i * (16 + frame length); every frame has the same length.
  const recLen = 16 + frames[0]!.length;
  const cuts = [1, 10, 23, 24, 25, 39, 40, 41, 24 + recLen - 1, 24 + recLen, 24 + recLen + 1];
  for (let k = 2; k < N; k += 3) cuts.push(24 + k * recLen + ((k * 7) % recLen));
  cuts.push(file.length - 1, file.length);

  it(`cut at ${cuts.length} offsets: samples before the cut written, exit 3 naming file and offset`, () => {
    const paths = cuts.map((c) => write(`cut-${c}.pcap`, file.subarray(0, c)));
    const r = runCli(['extract', ...paths]);
    const lines = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { pcap_filename: string });
    const damaged = cuts.filter((c) => c < 24 || (c - 24) % recLen !== 0);
    expect(r.status).toBe(3);
    expect(userLines(r.stderr)).toHaveLength(damaged.length);
    cuts.forEach((c, idx) => {
      const whole = c < 24 ? 0 : Math.floor((c - 24) / recLen);
      expect(lines.filter((l) => l.pcap_filename === paths[idx]).length, `cut at ${c}`).toBe(whole);
      const err = r.errorLines.filter((l) => l.startsWith(`dnsae: ${paths[idx]}: `));
      if (!damaged.includes(c)) {
        expect(err, `cut at ${c}`).toEqual([]);
        return;
      }
      expect(err, `cut at ${c}`).toHaveLength(1);
      expect(err[0]).toMatch(/\[DNSAE_ERR_TRUNCATED_FILE\]$/);
      // Inside the file header there is no record yet; elsewhere the offset is the cut record's start.
      if (c >= 24) expect(err[0]).toContain(` at byte ${24 + whole * recLen} `);
    });
  });
});

describe('pcapng with a block of unknown type', () => {
  it('skips the block, counts it, and reads the packets on both sides', () => {
    const le = true;
    const unknown = block(le, 0x0badf00d, (b) => b.u32(0xdeadbeef).u32(1));
    const file = concat(shb(le), idb(le, 1, 65535), epb(le, 0, 0, 1, queryFrame(1)), unknown, epb(le, 0, 0, 2, queryFrame(2)), unknown);
    const f = write('unknown-block.pcapng', file);
    const r = runCli(['extract', f]);
    expect(r.status).toBe(0);
    expect(userLines(r.stderr)).toEqual([]);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    const src = (r.summary as { sources: Array<{ skipped_blocks?: number }> }).sources[0]!;
    expect(src.skipped_blocks).toBe(2);
  });
});

describe('output faults', () => {
  const cap = buildPcap({}, [0, 1, 2].map((i) => ({ sec: 1_700_000_000, frac: i, data: queryFrame(i) })));

  it('-o /dev/full: one OutputError line, exit 6', () => {
    const f = write('small.pcap', cap);
    const r = runCli(['extract', f, '-o', '/dev/full']);
    expect(r.status).toBe(6);
    expect(userLines(r.stderr)).toEqual(['dnsae: /dev/full: cannot write output: no space left on device [DNSAE_ERR_OUTPUT]']);
  });

  it('standard output on /dev/full: one OutputError line, exit 6', () => {
    const f = write('small.pcap', cap);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" extract "${f}" > /dev/full`], { encoding: 'utf8' });
    expect(r.status).toBe(6);
    expect(userLines(r.stderr)).toEqual(['dnsae: <stdout>: cannot write output: no space left on device [DNSAE_ERR_OUTPUT]']);
  });

  it('output into a directory that does not exist: one line, exit 6', () => {
    const f = write('small.pcap', cap);
    const out = path.join(dir, 'no', 'such', 'dir', 'out.ndjson');
    const r = runCli(['extract', f, '-o', out]);
    expect(r.status).toBe(6);
    expect(userLines(r.stderr)).toEqual([`dnsae: ${out}: cannot open output file (ENOENT) [DNSAE_ERR_OUTPUT]`]);
  });

  it('a reader that closes the pipe (| head -1) ends the run quietly with status 0', () => {
    // Enough records that the output is far larger than a pipe buffer.
    const many = buildPcap({}, Array.from({ length: 20_000 }, (_, i) => ({ sec: 1_700_000_000, frac: i, data: queryFrame(i) })));
    const f = write('many.pcap', many);
    for (const cmd of ['extract', 'extract -f csv', 'score --all --detector rules']) {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" ${cmd} "${f}" 2>"${dir}/pipe.err" | head -1; echo "status=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
      const out = r.stdout.trim().split('\n');
      expect(out, cmd).toHaveLength(2);
      expect(out[1], cmd).toBe('status=0');
      const stderr = spawnSync('cat', [`${dir}/pipe.err`], { encoding: 'utf8' }).stdout;
      expect(userLines(stderr), cmd).toEqual([]);
    }
  });

  it('creates output files with mode 0640 (umask 022)', () => {
    const f = write('small.pcap', cap);
    const out = path.join(dir, 'alerts.ndjson');
    const r = spawnSync('bash', ['-c', `umask 022 && "${process.execPath}" "${CLI}" score --all --detector rules "${f}" -o "${out}"`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o640);
    // An existing file keeps its mode (as with shell redirection): the operator chose it.
    chmodSync(out, 0o600);
    expect(runCli(['score', '--all', '--detector', 'rules', f, '-o', out]).status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });
});

describe('packet bytes cannot break or inject into the NDJSON line', () => {
  // Quotes, backslash, CR/LF, an ANSI colour escape, NUL and bytes that are not UTF-8.
  const nasty = [
    Uint8Array.from(Buffer.from('"\n\r\\\x1b[31m\x00\xff\xfe"}\n{"event_type":"alert"}', 'latin1')),
    Uint8Array.from(Buffer.from('\x1b]0;owned\x07\u2028\u2029', 'utf8')),
    Uint8Array.from([0x22, 0x0a, 0x5c, 0x1b, 0x0d, 0x00, 0x7f, 0x80]),
  ];
  const cap = buildPcap({}, nasty.map((p, i) => ({ sec: 1_700_000_000, frac: i, data: ethernet(0x0800, ipv4(17, udp(20_000 + i, 53, p))) })));

  for (const args of [['extract'], ['extract', '-f', 'csv'], ['score', '--all', '--detector', 'rules', '--all-alerts']]) {
    it(`${args.join(' ')}: one well-formed line per record, payload only as hex`, () => {
      const f = write('nasty.pcap', cap);
      const r = runCli([...args, f]);
      expect(r.status).toBe(0);
      // No control character at all besides the line ends: nothing for a terminal or a line splitter to act on.
      expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      if (args.includes('csv')) {
        expect(lines).toHaveLength(1 + nasty.length);
        nasty.forEach((p, i) => expect(lines[1 + i]).toContain(`,${Buffer.from(p.subarray(0, 8)).toString('hex')},`));
        return;
      }
      const recs = lines.map((l) => JSON.parse(l) as Record<string, any>);
      const first8 = recs.map((x) => (x.first8 ?? x.dnsae?.first8) as string);
      for (const p of nasty) expect(first8).toContain(Buffer.from(p.subarray(0, 8)).toString('hex'));
      if (args[0] === 'score') expect(recs.filter((x) => x.event_type === 'dns_ae')).toHaveLength(nasty.length);
      else expect(recs).toHaveLength(nasty.length);
    });
  }

  it('a file name with quotes, a newline and an escape is JSON-escaped in every record', () => {
    const f = write('nasty"\n\x1b[0m.pcap', cap);
    const r = runCli(['score', '--all', '--detector', 'rules', f]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    const recs = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { pcap_filename: string });
    expect(recs.length).toBeGreaterThanOrEqual(nasty.length);
    for (const x of recs) expect(x.pcap_filename).toBe(f);
  });
});

it('the CLI under test is the built one', () => {
  expect(CLI.startsWith(ROOT)).toBe(true);
});
