/**
 * One catalogue of coded errors. Codes are stable: scripts and SOC tooling key
 * on them, and docs/errors.md must list each one (a test enforces it).
 * Exit status is per class of fault so that callers can tell "bad input"
 * from "bad model" from "environment" without parsing messages.
 */

export const ExitCode = {
  OK: 0,
  /** `dnsae score`/`live` found at least one alert (only with --fail-on-alert). */
  ALERTS: 1,
  USAGE: 2,
  INPUT: 3,
  MODEL: 4,
  CAPTURE: 5,
  OUTPUT: 6,
  INTERNAL: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

interface CodeInfo {
  readonly exit: ExitCode;
  readonly summary: string;
}

export const ERROR_CODES = {
  DNSAE_ERR_USAGE: { exit: ExitCode.USAGE, summary: 'invalid command-line option or argument' },
  DNSAE_ERR_FILE_NOT_FOUND: { exit: ExitCode.INPUT, summary: 'input file does not exist' },
  DNSAE_ERR_FILE_UNREADABLE: { exit: ExitCode.INPUT, summary: 'input file cannot be read (permissions, is a directory, I/O error)' },
  DNSAE_ERR_FILE_EMPTY: { exit: ExitCode.INPUT, summary: 'input file is empty' },
  DNSAE_ERR_BAD_MAGIC: { exit: ExitCode.INPUT, summary: 'input is neither classic pcap nor pcapng' },
  DNSAE_ERR_TRUNCATED_FILE: { exit: ExitCode.INPUT, summary: 'capture ends inside a header or record' },
  DNSAE_ERR_BAD_RECORD: { exit: ExitCode.INPUT, summary: 'capture record or block has an impossible length or field' },
  DNSAE_ERR_UNSUPPORTED_CAPTURE: { exit: ExitCode.INPUT, summary: 'capture format variant not supported (e.g. unknown pcap version)' },
  DNSAE_ERR_BAD_ALERTS: { exit: ExitCode.INPUT, summary: 'a line of a --benign-alerts file is not a dnsae header-stage record' },
  DNSAE_ERR_MODEL_NOT_FOUND: { exit: ExitCode.MODEL, summary: 'model directory or one of its files is missing' },
  DNSAE_ERR_MODEL_INVALID: { exit: ExitCode.MODEL, summary: 'model metadata or weights fail validation' },
  DNSAE_ERR_MODEL_VERSION: { exit: ExitCode.MODEL, summary: 'model format or feature version is not supported by this dnsae' },
  DNSAE_ERR_BACKEND: { exit: ExitCode.MODEL, summary: 'requested TensorFlow.js backend is not available' },
  DNSAE_ERR_TRAINING: { exit: ExitCode.MODEL, summary: 'training cannot proceed (e.g. no samples)' },
  DNSAE_ERR_LIVE_DEVICE: { exit: ExitCode.CAPTURE, summary: 'capture device missing or cannot be opened' },
  DNSAE_ERR_LIVE_PERMISSION: { exit: ExitCode.CAPTURE, summary: 'not permitted to capture on the device' },
  DNSAE_ERR_LIVE_FILTER: { exit: ExitCode.CAPTURE, summary: 'BPF filter does not compile' },
  DNSAE_ERR_LIVE_UNAVAILABLE: { exit: ExitCode.CAPTURE, summary: 'live capture support (cap addon) is not installed' },
  DNSAE_ERR_LIVE_FANOUT: { exit: ExitCode.CAPTURE, summary: 'the capture handles of --workers cannot join an AF_PACKET fanout group' },
  DNSAE_ERR_PRIVILEGE_DROP: { exit: ExitCode.CAPTURE, summary: 'cannot drop privileges to the requested user' },
  DNSAE_ERR_METRICS_LISTEN: { exit: ExitCode.CAPTURE, summary: 'the metrics endpoint cannot listen on the requested address and port' },
  DNSAE_ERR_OUTPUT: { exit: ExitCode.OUTPUT, summary: 'cannot write output (disk full, closed pipe, permissions)' },
  DNSAE_ERR_INTERNAL: { exit: ExitCode.INTERNAL, summary: 'unexpected internal fault (a bug: please report it)' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface DnsaeErrorOptions {
  readonly cause?: unknown;
  /** File the fault is about; the CLI prints it first on the error line. */
  readonly file?: string;
  /** Byte offset within the file, where known. */
  readonly offset?: number;
}

export class DnsaeError extends Error {
  override name = 'DnsaeError';
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly offset: number | undefined;

  constructor(code: ErrorCode, message: string, options: DnsaeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
    this.offset = options.offset;
  }

  get exitCode(): ExitCode {
    return ERROR_CODES[this.code].exit;
  }

  /** The one line a user sees: `file: problem (at byte N) [CODE]`. */
  toLine(): string {
    const where = this.file === undefined ? '' : `${this.file}: `;
    const at = this.offset === undefined ? '' : ` at byte ${this.offset}`;
    return `${where}${this.message}${at} [${this.code}]`;
  }
}

export class UsageError extends DnsaeError {
  override name = 'UsageError' as const;
  constructor(message: string, options: DnsaeErrorOptions = {}) {
    super('DNSAE_ERR_USAGE', message, options);
  }
}

export class CaptureFileError extends DnsaeError {
  override name = 'CaptureFileError' as const;
}

export class ModelError extends DnsaeError {
  override name = 'ModelError' as const;
}

export class LiveCaptureError extends DnsaeError {
  override name = 'LiveCaptureError' as const;
}

export class OutputError extends DnsaeError {
  override name = 'OutputError' as const;
  constructor(message: string, options: DnsaeErrorOptions = {}) {
    super('DNSAE_ERR_OUTPUT', message, options);
  }
}

/** Maps a Node system error on a path to our catalogue. */
export function fromFsError(err: unknown, file: string): DnsaeError {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return new CaptureFileError('DNSAE_ERR_FILE_NOT_FOUND', 'no such file', { file, cause: err });
    case 'EISDIR':
      return new CaptureFileError('DNSAE_ERR_FILE_UNREADABLE', 'is a directory, not a capture file', { file, cause: err });
    case 'EACCES':
    case 'EPERM':
      return new CaptureFileError('DNSAE_ERR_FILE_UNREADABLE', 'permission denied', { file, cause: err });
    default:
      return new CaptureFileError('DNSAE_ERR_FILE_UNREADABLE', `cannot read (${e?.code ?? String(err)})`, { file, cause: err });
  }
}
