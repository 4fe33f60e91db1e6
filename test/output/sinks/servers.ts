import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether a binary is on PATH; under CI=true a missing one fails the run instead of skipping it. */
export function haveBinary(name: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
  if (!found && process.env.CI === 'true') throw new Error(`${name} is required under CI=true (scripts/setup-debian.sh --test installs it)`);
  return found;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Polls `cond` every 20 ms; throws with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A free TCP (and, most likely, UDP) port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Numbered EVE-shaped records; `severity` cycles 1..3 and every fourth is a per-sample record. */
export function record(seq: number, pad = 0): string {
  if (seq % 4 === 3) return JSON.stringify({ event_type: 'dns_ae', seq, dns_ae: { loss: seq / 7 }, pad: 'x'.repeat(pad) });
  return JSON.stringify({ event_type: 'alert', seq, alert: { severity: (seq % 3) + 1, signature: 'test é ü' }, pad: 'x'.repeat(pad) });
}

export function seqs(lines: readonly string[]): number[] {
  return lines.map((l) => (JSON.parse(l) as { seq: number }).seq);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

async function waitExit(p: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      p.kill('SIGKILL');
    }, timeoutMs);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** redis-server on 127.0.0.1:port, no persistence; stop() and start() again on the same port. */
export class RedisServer {
  private proc: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  async start(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    await waitFor(() => spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 'redis-server to answer PING');
  }

  cli(...args: string[]): string {
    const r = spawnSync('redis-cli', ['-p', String(this.port), '--no-raw', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return r.stdout;
  }

  raw(...args: string[]): string[] {
    const r = spawnSync('redis-cli', ['-p', String(this.port), '--raw', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return r.stdout.split('\n').filter((l) => l !== '');
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p === undefined) return;
    p.kill('SIGKILL'); // an outage, not a shutdown: no goodbye to clients
    await waitExit(p);
  }
}

/**
 * rsyslogd with a UDP and a TCP input on loopback and a Unix datagram input
 * in its directory, writing `facility|severity|app-name|msgid|msg` per line.
 */
export class Rsyslog {
  private proc: ChildProcess | undefined;
  readonly out: string;
  readonly socket: string;
  constructor(
    readonly dir: string,
    readonly tcpPort: number,
    readonly udpPort: number,
  ) {
    this.out = join(dir, 'out.log');
    this.socket = join(dir, 'log');
    writeFileSync(
      join(dir, 'rsyslog.conf'),
      [
        `global(maxMessageSize="256k" workDirectory="${dir}")`,
        'module(load="imtcp")',
        'module(load="imudp")',
        'module(load="imuxsock" SysSock.Use="off")',
        `input(type="imtcp" port="${tcpPort}" address="127.0.0.1")`,
        `input(type="imudp" port="${udpPort}" address="127.0.0.1")`,
        `input(type="imuxsock" Socket="${this.socket}" UseSpecialParser="off" RateLimit.Interval="0")`,
        'template(name="t" type="string" string="%syslogfacility%|%syslogseverity%|%app-name%|%msgid%|%msg%\\n")',
        `*.* action(type="omfile" file="${this.out}" template="t")`,
        '',
      ].join('\n'),
    );
  }

  async start(): Promise<void> {
    const pid = join(this.dir, 'rsyslogd.pid');
    if (existsSync(pid)) unlinkSync(pid);
    this.proc = spawn('rsyslogd', ['-n', '-f', join(this.dir, 'rsyslog.conf'), '-i', pid], { stdio: 'ignore' });
    await waitFor(() => existsSync(pid) && existsSync(this.socket), 'rsyslogd to start');
    // The TCP listener is up once a connection is accepted.
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const s = new net.Socket();
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(false));
          s.connect(this.tcpPort, '127.0.0.1');
        }),
      'rsyslogd to listen on TCP',
    );
  }

  lines(): string[] {
    return existsSync(this.out) ? readFileSync(this.out, 'utf8').split('\n').filter((l) => l !== '') : [];
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p === undefined) return;
    p.kill('SIGTERM');
    await waitExit(p);
    if (existsSync(this.socket)) rmSync(this.socket);
  }
}

/** A Unix stream socket server that keeps every line it receives. */
export class UnixLineServer {
  readonly lines: string[] = [];
  private server: Server | undefined;
  private readonly conns = new Set<Socket>();
  connections = 0;
  constructor(readonly path: string) {}

  async start(): Promise<void> {
    const server = createServer((c) => {
      this.connections++;
      this.conns.add(c);
      let rest = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => {
        const parts = (rest + d).split('\n');
        rest = parts.pop()!;
        this.lines.push(...parts);
      });
      c.on('close', () => this.conns.delete(c));
      c.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(this.path, () => r()));
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s === undefined) return;
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => s.close(() => r()));
    if (existsSync(this.path)) unlinkSync(this.path);
  }
}

/**
 * A Unix datagram socket reader. Node cannot bind one, so python3 does,
 * writing each datagram it receives as one line (the records have no
 * newline) to `out`; SIGTERM ends it and removes the socket.
 */
export class UnixDgramServer {
  private proc: ChildProcess | undefined;
  constructor(
    readonly path: string,
    readonly out: string,
  ) {}

  async start(): Promise<void> {
    const script = [
      'import os, signal, socket, sys',
      'path, out = sys.argv[1], sys.argv[2]',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      's.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)',
      's.bind(path)',
      'def bye(*_):',
      '    os.unlink(path); sys.exit(0)',
      'signal.signal(signal.SIGTERM, bye)',
      'f = open(out, "ab", buffering=0)',
      'while True:',
      '    d = s.recv(1 << 20)',
      '    f.write(d + b"\\n")',
    ].join('\n');
    this.proc = spawn('python3', ['-c', script, this.path, this.out], { stdio: 'ignore' });
    await waitFor(() => existsSync(this.path), 'the datagram reader to bind');
  }

  lines(): string[] {
    return existsSync(this.out) ? readFileSync(this.out, 'utf8').split('\n').filter((l) => l !== '') : [];
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (p === undefined) return;
    p.kill('SIGTERM');
    await waitExit(p);
  }
}
