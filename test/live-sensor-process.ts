/**
 * A running `dnsae live` for the live tests: its JSON log lines parsed as
 * they arrive, its other stderr lines kept as error lines, and bounded waits
 * on what it logs. Started directly, or behind a wrapper such as setpriv.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, ROOT } from './golden/run-cli.js';

export interface LogRecord {
  msg: string;
  level?: number;
  stats?: Record<string, number | string | null>;
  final?: boolean;
  [k: string]: unknown;
}

export class LiveSensorProcess {
  readonly child: ChildProcess;
  readonly logs: LogRecord[] = [];
  readonly errorLines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private buf = '';

  /** `dnsae live ARGS`, run as `WRAPPER... node CLI live ARGS` when a wrapper command is given. */
  constructor(args: readonly string[], wrapper: readonly string[] = []) {
    const argv = [process.execPath, CLI, 'live', ...args];
    const [cmd, ...rest] = wrapper.length > 0 ? [...wrapper, ...argv] : argv;
    this.child = spawn(cmd!, rest, {
      cwd: ROOT,
      env: { ...process.env, DNSAE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line.startsWith('{')) this.logs.push(JSON.parse(line) as LogRecord);
        else if (line.trim() !== '') this.errorLines.push(line);
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  statsLines(): LogRecord[] {
    return this.logs.filter((l) => l.msg === 'live stats');
  }

  lastStats(): Record<string, number | string | null> | undefined {
    return this.statsLines().at(-1)?.stats;
  }

  /** The stats of the line logged at the stop (`final: true`). */
  finalStats(): Record<string, number | string | null> | undefined {
    return this.logs.find((l) => l.msg === 'live stats' && l.final === true)?.stats;
  }

  /** The first log record with this message that arrived after `after` records. */
  find(msg: string, after = 0): LogRecord | undefined {
    return this.logs.slice(after).find((l) => l.msg === msg);
  }

  async waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (this.child.exitCode !== null) throw new Error(`sensor exited (${this.child.exitCode}) while waiting for ${what}: ${this.errorLines.join(' | ')}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last log: ${JSON.stringify(this.logs.at(-1))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  kill(sig: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(sig);
  }
}
