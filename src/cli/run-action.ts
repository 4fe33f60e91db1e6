import { DnsaeError, ExitCode, UsageError } from '../errors.js';

/**
 * Every command runs through here: user-facing faults become one line on
 * stderr and a documented exit status; only a real bug shows a stack, and
 * then only with DNSAE_DEBUG=1.
 */
export async function runAction(action: () => Promise<number | void>): Promise<void> {
  try {
    const code = await action();
    process.exitCode = code ?? ExitCode.OK;
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof DnsaeError) {
    process.stderr.write(`dnsae: ${err.toLine()}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`dnsae: internal error: ${e?.message ?? String(err)} [DNSAE_ERR_INTERNAL]\n`);
  if (process.env.DNSAE_DEBUG === '1' && e?.stack) process.stderr.write(e.stack + '\n');
  return ExitCode.INTERNAL;
}

/** Exit status for a run whose inputs failed partway: the first fault decides. */
export function exitForErrors(errors: readonly DnsaeError[]): number {
  if (errors.length === 0) return ExitCode.OK;
  for (const e of errors) process.stderr.write(`dnsae: ${e.toLine()}\n`);
  return errors[0]!.exitCode;
}

export function parseIntOption(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${name} takes a whole number, got '${value}'`);
    const n = Number(value);
    if (n < min || n > max) throw new UsageError(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

export function parseFloatOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} takes a number, got '${value}'`);
    if (n < min || n > max) throw new UsageError(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

export function parsePortList(value: string): number[] {
  const ports = value.split(',').map((p) => p.trim());
  return ports.map((p) => {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw new UsageError(`--ports takes port numbers 1-65535 separated by commas, got '${value}'`);
    return Number(p);
  });
}

export function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${name} must be one of ${allowed.join(', ')}, got '${value}'`);
    return value as T;
  };
}
