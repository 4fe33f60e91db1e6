// Types for scripts/fuzz/fuzz-harness.mjs, so the TypeScript tests can import it.
export declare const TARGETS: readonly string[];

/** The modules under test (see scripts/fuzz/fuzz-api.mjs and test/robustness/fuzz-api.ts). */
export type FuzzApi = Record<string, unknown>;

export interface Seeds {
  files: Array<{ name: string; bytes: Uint8Array }>;
  frames: Array<{ linktype: number; bytes: Uint8Array; origLen: number }>;
  model: Record<string, Uint8Array>;
  linktypes: number[];
  /** UDP port-53 payloads of at least 12 bytes, for the question target. */
  messages: Uint8Array[];
}

export interface FuzzFailure {
  target: string;
  error: string;
  counterexample: unknown;
  path: string | undefined;
}

export interface FuzzResult {
  seed: number;
  runs: number;
  perTarget: Record<string, { runs: number; ms: number; failed: boolean }>;
  failures: FuzzFailure[];
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  targets?: readonly string[];
  shrink?: boolean;
  timeLimitMs?: number;
  seeds?: Seeds;
  fixturesDir?: string;
  modelDir?: string;
  regressionsDir?: string;
  onProgress?: (target: string, r: { runs: number; ms: number; failed: boolean }) => void;
}

export declare function loadSeeds(api: FuzzApi, fixturesDir: string, modelDir?: string): Promise<Seeds>;
export declare function runFuzz(api: FuzzApi, opts: FuzzOptions): Promise<FuzzResult>;
export declare function replayRegression(api: FuzzApi, file: string, seeds: Seeds): Promise<string>;
export declare function checkCapture(
  api: FuzzApi,
  name: string,
  bytes: Uint8Array,
  step?: number,
  chunkSize?: number,
): Promise<{ frames: Array<[number, number]>; error: { code: string; offset?: number; file?: string } | undefined }>;
export declare function memoryInput(bytes: Uint8Array, step?: number): { read(into: Uint8Array, offset: number, length: number): Promise<number>; close(): Promise<void> };
/** decodeQuestion's invariants on one message kept to `keep` of `msgLen` bytes; returns the status. */
export declare function checkQuestion(api: FuzzApi, msg: Uint8Array, keep: number, msgLen: number): number;
export declare function mutate(seed: Uint8Array, ops: readonly unknown[], others: readonly Uint8Array[], structured?: boolean): Uint8Array;
export declare function lengthFields(bytes: Uint8Array): Array<{ at: number; le: boolean }>;

/** Options of checkLane: read step and chunk size, and the pipeline's limits (see laneOptionsArb). */
export interface LaneOptions {
  step: number;
  chunk: number | undefined;
  maxFlows: number;
  udpIdle: number;
  tcpIdle: number;
  batch: number;
  sources: number;
  /** Message bytes kept per row (the question stage's keepMessageBytes); 0 or absent keeps none. */
  keep?: number;
}
export declare function checkLane(api: FuzzApi, name: string, bytes: Uint8Array, o: LaneOptions): Promise<{ laneFrames: number; rows: number }>;
