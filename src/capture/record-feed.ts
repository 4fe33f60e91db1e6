import { newFrame, newSourceStats, type Frame, type FrameHandler, type PacketSource, type PcapFastPath, type SourceStats } from './frame.js';
import { liveLaneWindow, scanRecords } from './record-scan.js';

/**
 * A worker's packet source under `dnsae live --workers N`: runs of pcap
 * records (classic, little-endian, nanoseconds) as the main thread's
 * capture handle forwards them (LiveSource.forward). Each run goes through
 * the fast lane as a live capture's chunk does, then afterChunk runs, then
 * `consumed` gets the run's buffer back (the sender's to reuse) and is
 * awaited. The queue holds only the buffers the sender has.
 */
export class RecordFeed implements PacketSource {
  readonly stats: SourceStats = newSourceStats();
  /** Frames the fast lane took. */
  laneFrames = 0;
  /** Runs received: frames over runs is the forwarding's batch size. */
  runsReceived = 0;

  private readonly runs: { buffer: Uint8Array; bytes: number }[] = [];
  private ended = false;
  private wake: (() => void) | null = null;
  private running = false;

  constructor(
    readonly name: string,
    private readonly linktype: number,
    private readonly snaplen: number,
    private readonly consumed: (buffer: Uint8Array) => Promise<void> | void,
  ) {}

  /** A run: buffer[0, bytes). */
  push(buffer: Uint8Array, bytes: number): void {
    this.runs.push({ buffer, bytes });
    this.runsReceived++;
    this.poke();
  }

  /** No more runs: run() resolves once the queued ones are through. */
  end(): void {
    this.ended = true;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async run(onFrame: FrameHandler, afterChunk?: () => Promise<void> | void, fast?: PcapFastPath): Promise<void> {
    if (this.running) throw new Error(`${this.name}: run() is already active`);
    this.running = true;
    const frame: Frame = newFrame();
    frame.linktype = this.linktype;
    const win = liveLaneWindow(fast, this.linktype, this.snaplen);
    const winView = win === undefined ? undefined : new DataView(win.buffer, win.byteOffset, win.byteLength);
    for (;;) {
      const next = this.runs.shift();
      if (next === undefined) {
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const run = next.buffer.subarray(0, next.bytes);
      if (win !== undefined && run.length <= win.length) {
        // The lane scans its own memory: the run is copied into its window, as LiveSource does from its ring.
        win.set(run);
        this.laneFrames += scanRecords(fast, win, winView!, run.length, frame, onFrame, this.stats);
      } else {
        scanRecords(undefined, run, new DataView(run.buffer, run.byteOffset, run.byteLength), run.length, frame, onFrame, this.stats);
      }
      if (afterChunk !== undefined) await afterChunk();
      await this.consumed(next.buffer);
    }
  }
}
