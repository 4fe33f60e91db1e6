import { performance } from 'node:perf_hooks';
import { LiveCaptureError, UsageError } from '../errors.js';
import { stageLogger } from '../logger.js';
import { newFrame, newSourceStats, type Frame, type FrameHandler, type PacketSource, type PcapFastPath, type SourceStats } from './frame.js';
import { isPatchedCap, linktypeFromCap, loadCap, type CapHandle, type CapModule } from './live-addon.js';
import { mapOpenError } from './live-errors.js';
import { readRxDropped } from './live-proc-net-dev.js';
import { FrameRing, RECORD_HEADER } from './live-ring.js';
import { LANE_RUN_BYTES, liveLaneWindow, scanRecords } from './record-scan.js';

export const LIVE_DEFAULTS = {
  filter: 'port 53',
  /** Whole frames: DNS-over-TCP messages are found by walking full segments. */
  snaplen: 65_535,
  /** Kernel capture buffer (pcap_set_buffer_size). */
  bufferSize: 16 * 1024 * 1024,
  /**
   * Longest a frame waits in a partly filled kernel block (block mode), and
   * so the extra time stop() takes to collect that block.
   */
  readTimeoutMs: 100,
  queueFrames: 262_144,
  queueBytes: 32 * 1024 * 1024,
  /** Frames handed to onFrame between two awaits of afterChunk. */
  chunkFrames: 1024,
} as const;

/**
 * The patched addon's record buffer (record mode): frames gathered per poll
 * wake-up before one call into JS. Larger saves calls only under bursts
 * that fill it; it must hold one record of 64 KiB.
 */
const RECORD_BUFFER_BYTES = 1 << 20;

export interface LiveOptions {
  readonly device: string;
  /** BPF filter; default 'port 53'. An empty string captures everything. */
  readonly filter?: string;
  readonly snaplen?: number;
  readonly bufferSize?: number;
  /**
   * libpcap immediate mode: each frame is handed over at once, but Linux
   * then uses a ring of snaplen-sized slots (TPACKET_V2), which holds only
   * bufferSize/snaplen frames (about 250 with the defaults) and drops under
   * bursts. Default false: TPACKET_V3 blocks packed with frames, handed over
   * when full or after readTimeoutMs. Stock cap is always immediate.
   */
  readonly immediate?: boolean;
  readonly readTimeoutMs?: number;
  readonly queueFrames?: number;
  readonly queueBytes?: number;
  readonly chunkFrames?: number;
}

export interface LiveDeps {
  /** The cap module; loaded from node_modules when absent. */
  readonly cap?: CapModule;
}

export interface LiveQueueStats {
  /** Frames waiting for the consumer now. */
  queued: number;
  highWater: number;
  /** Frames refused because the user-space queue was full. */
  drops: number;
  dropBytes: number;
}

export interface KernelStats {
  /** Frames that passed the filter (pcap_stats ps_recv); frames seen by us in the fallback. */
  received: number;
  /** Dropped by the capture socket because its buffer was full (ps_drop); 0 in the fallback. */
  dropped: number;
  /** Dropped by the interface or driver (ps_ifdrop, or /proc/net/dev rx drop since open). */
  ifDropped: number;
  source: 'pcap_stats' | 'proc_net_dev';
}

/** Where frame timestamps come from: the pcap header, or the clock when the callback ran. */
export type TimestampSource = 'pcap' | 'wall-clock';

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 0xffff_ffff) {
    throw new UsageError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A live interface as a PacketSource. Capture runs from the moment of
 * openLive: the addon's callback copies each frame into a bounded queue and
 * counts a drop when the queue is full, so a slow consumer never stalls the
 * capture socket. `run` drains the queue in chunks on the event loop; `stop`
 * closes the device, lets `run` deliver everything already queued, and then
 * `run` resolves.
 */
export class LiveSource implements PacketSource {
  readonly name: string;
  readonly device: string;
  readonly filter: string;
  readonly snaplen: number;
  /** LINKTYPE_* of the device, as the decoders expect it. */
  readonly linktype: number;
  /** cap's name for the link type, for messages. */
  readonly linktypeName: string;
  readonly timestampSource: TimestampSource;
  /** False when frames are handed over in kernel blocks (see LiveOptions.immediate). */
  readonly immediate: boolean;
  readonly readTimeoutMs: number;
  /**
   * Whether the addon hands frames over in batches of pcap records (the
   * patched addon's record mode) rather than with one call per frame.
   */
  readonly recordMode: boolean;
  readonly stats: SourceStats = newSourceStats();
  /**
   * Frames the flow assembler's fast lane took (src/flow/fast-lane.ts); the
   * rest of stats.frames went through the decoders. 0 when run was given
   * no fast path or the link is not Ethernet.
   */
  laneFrames = 0;

  private readonly handle: CapHandle;
  private readonly ring: FrameRing;
  private readonly scratch: Buffer;
  private readonly records: Buffer | undefined;
  private readonly recordsView: DataView | undefined;
  private readonly chunkFrames: number;
  private readonly patched: boolean;
  private readonly rxDroppedAtOpen: number | undefined;
  /** Frames the callback saw (queued or dropped), for the fallback statistics. */
  private seen = 0;
  private closed = false;
  private finalKernel: KernelStats | undefined;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;

  /** Use openLive. */
  constructor(cap: CapModule, opts: LiveOptions) {
    this.device = opts.device;
    this.filter = opts.filter ?? LIVE_DEFAULTS.filter;
    this.snaplen = positiveInt('snaplen', opts.snaplen, LIVE_DEFAULTS.snaplen);
    const bufferSize = positiveInt('bufferSize', opts.bufferSize, LIVE_DEFAULTS.bufferSize);
    const queueFrames = positiveInt('queueFrames', opts.queueFrames, LIVE_DEFAULTS.queueFrames);
    const queueBytes = positiveInt('queueBytes', opts.queueBytes, LIVE_DEFAULTS.queueBytes);
    this.chunkFrames = positiveInt('chunkFrames', opts.chunkFrames, LIVE_DEFAULTS.chunkFrames);
    this.readTimeoutMs = positiveInt('readTimeoutMs', opts.readTimeoutMs, LIVE_DEFAULTS.readTimeoutMs);
    if (bufferSize > 0x7fff_ffff) throw new UsageError(`bufferSize must be below 2 GiB, got ${bufferSize}`);
    if (queueBytes < this.snaplen + RECORD_HEADER) {
      throw new UsageError(`queueBytes (${queueBytes}) must be at least the snaplen (${this.snaplen}) plus ${RECORD_HEADER} so any frame fits`);
    }
    this.name = `live:${this.device}`;
    this.patched = isPatchedCap(cap);
    this.timestampSource = this.patched ? 'pcap' : 'wall-clock';
    this.immediate = this.patched ? (opts.immediate ?? false) : true;
    this.ring = new FrameRing(queueFrames, queueBytes);
    this.scratch = Buffer.alloc(this.snaplen);

    const handle = new cap.Cap();
    let capLinktype: string;
    try {
      capLinktype = this.patched
        ? handle.open(this.device, this.filter, bufferSize, this.scratch, this.snaplen, this.immediate, this.readTimeoutMs)
        : handle.open(this.device, this.filter, bufferSize, this.scratch);
    } catch (err) {
      throw mapOpenError(err, this.device, this.filter, () => cap.Cap.deviceList().map((d) => d.name));
    }
    this.handle = handle;
    this.linktypeName = capLinktype;
    this.linktype = linktypeFromCap(capLinktype);
    this.rxDroppedAtOpen = this.patched ? undefined : readRxDropped(this.device);
    if (!this.patched) {
      stageLogger('live').warn(
        { device: this.device },
        'cap addon without the dnsae patch: timestamps are taken from the clock and kernel drops from /proc/net/dev',
      );
    }
    if (this.patched && handle.setRecordBuffer !== undefined) {
      // Before the event loop runs again, so no frame is emitted one at a time.
      this.records = Buffer.alloc(Math.max(RECORD_BUFFER_BYTES, this.snaplen + RECORD_HEADER));
      this.recordsView = new DataView(this.records.buffer, this.records.byteOffset, this.records.byteLength);
      handle.setRecordBuffer(this.records);
      handle.on('records', this.onRecords);
    } else {
      handle.on('packet', this.onPacket);
    }
    this.recordMode = this.records !== undefined;
  }

  /**
   * Joins the fanout group `group` (-1: a new one) with the demultiplexing
   * program `program` (src/capture/fanout-program.ts); returns the group's
   * id, for the next handle to join. Frames the socket received before are
   * still this handle's.
   */
  joinFanout(group: number, program: Buffer): number {
    const join = this.handle.joinFanout;
    if (join === undefined) {
      throw new LiveCaptureError('DNSAE_ERR_LIVE_FANOUT', `${this.device}: --workers above 1 needs the patched cap addon with fanout support (reinstall: npm ci)`);
    }
    try {
      return join.call(this.handle, group, program);
    } catch (err) {
      throw new LiveCaptureError('DNSAE_ERR_LIVE_FANOUT', `${this.device}: cannot join an AF_PACKET fanout group (${(err as Error).message})`, { cause: err });
    }
  }

  /**
   * Instead of run: hands the queued frames to `send` as runs of pcap
   * records (classic, little-endian, nanoseconds), each moved into a buffer
   * `take` gives (at least forwardBufferBytes long; the callee owns it from
   * then on, and `take` may wait for one to come back), at most chunkFrames
   * frames a run. A slow receiver that returns no buffer leaves frames in
   * the bounded queue, where the drops are counted. Resolves once stop()
   * has closed the device and every queued frame has been sent.
   */
  forward(take: () => Uint8Array | Promise<Uint8Array>, send: (buf: Uint8Array, bytes: number, frames: number) => void): Promise<void> {
    if (this.running !== null) return Promise.reject(new Error(`${this.name}: run() is already active`));
    this.running = this.forwardRuns(take, send);
    return this.running;
  }

  /** The size of a forwarding buffer: a run, and the largest record. */
  get forwardBufferBytes(): number {
    return Math.max(LANE_RUN_BYTES, this.snaplen + RECORD_HEADER);
  }

  private async forwardRuns(take: () => Uint8Array | Promise<Uint8Array>, send: (buf: Uint8Array, bytes: number, frames: number) => void): Promise<void> {
    const ring = this.ring;
    const need = this.forwardBufferBytes;
    try {
      for (;;) {
        const buf = await take();
        if (buf.length < need) throw new Error(`${this.name}: a forwarding buffer of ${buf.length} bytes is below ${need}`);
        while (ring.size === 0 && !this.closed) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
        if (ring.size === 0) return;
        const k = ring.moveRun(buf, this.chunkFrames);
        // The buffer holds the largest record, so a run is never empty while frames are queued.
        if (k === 0) throw new Error(`${this.name}: a queued record does not fit the forwarding buffer`);
        send(buf, ring.runBytes, k);
        if (!this.closed) await nextTurn();
      }
    } catch (err) {
      this.closeDevice();
      throw err;
    }
  }

  /** User-space queue counters. */
  get queue(): LiveQueueStats {
    const r = this.ring;
    return { queued: r.size, highWater: r.highWater, drops: r.drops, dropBytes: r.dropBytes };
  }

  get isStopped(): boolean {
    return this.closed;
  }

  /**
   * Kernel-side counters since open; after stop, the last values read before
   * the device was closed.
   */
  kernelStats(): KernelStats {
    if (this.finalKernel !== undefined) return { ...this.finalKernel };
    if (this.patched && this.handle.stats !== undefined) {
      const s = this.handle.stats();
      return { received: s.received, dropped: s.dropped, ifDropped: s.ifDropped, source: 'pcap_stats' };
    }
    const now = readRxDropped(this.device);
    const ifDropped = now === undefined || this.rxDroppedAtOpen === undefined ? 0 : Math.max(0, now - this.rxDroppedAtOpen);
    return { received: this.seen, dropped: 0, ifDropped, source: 'proc_net_dev' };
  }

  // An arrow property so that the addon gets one function for the whole
  // capture; it runs per packet and must not allocate.
  private readonly onPacket = (
    nbytes: number,
    _truncated: boolean,
    wireLen?: number,
    tsSec?: number,
    tsNsec?: number,
  ): void => {
    this.seen++;
    let sec: number;
    let nsec: number;
    if (tsSec !== undefined && tsNsec !== undefined) {
      sec = tsSec;
      nsec = tsNsec;
    } else {
      // Stock cap has no header timestamp: the clock at the callback, which
      // runs within the same event-loop turn as the kernel handed it over.
      const ms = performance.timeOrigin + performance.now();
      sec = Math.floor(ms / 1000);
      nsec = Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6));
    }
    this.ring.push(this.scratch, nbytes, wireLen ?? nbytes, sec, nsec);
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  };

  // Record mode: once per batch of frames, with the addon's record buffer
  // holding `bytes` of pcap records.
  private readonly onRecords = (bytes: number, frames: number): void => {
    this.seen += frames;
    this.ring.pushRecords(this.records!, this.recordsView!, bytes);
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  };

  /**
   * Drains the queue in chunks. With a fast path (the flow assembler's
   * lane) on an Ethernet link, each chunk's frames are copied as pcap
   * records into the lane's window in runs and scanned there, as a pcap
   * reader's window is; a record the lane leaves goes to onFrame, as one
   * in a file would. Otherwise every frame goes to onFrame.
   */
  run(onFrame: FrameHandler, afterChunk?: () => Promise<void> | void, fast?: PcapFastPath): Promise<void> {
    if (this.running !== null) return Promise.reject(new Error(`${this.name}: run() is already active`));
    this.running = this.drain(onFrame, afterChunk, fast);
    return this.running;
  }

  /** The fast path's window when it takes this source's records, else undefined. */
  private laneWindow(fast: PcapFastPath | undefined): Uint8Array | undefined {
    return liveLaneWindow(fast, this.linktype, this.snaplen);
  }

  private async drain(onFrame: FrameHandler, afterChunk?: () => Promise<void> | void, fast?: PcapFastPath): Promise<void> {
    const frame: Frame = newFrame();
    frame.linktype = this.linktype;
    const ring = this.ring;
    const stats = this.stats;
    const win = this.laneWindow(fast);
    const winView = win === undefined ? undefined : new DataView(win.buffer, win.byteOffset, win.byteLength);
    try {
      for (;;) {
        if (ring.size === 0) {
          if (this.closed) return;
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          continue;
        }
        let n = 0;
        while (n < this.chunkFrames) {
          const k = win === undefined ? 0 : ring.moveRun(win, this.chunkFrames - n);
          if (k === 0) {
            // No lane, or a record larger than its window: one frame the decoders' way.
            if (!ring.shiftInto(frame)) break;
            stats.frames++;
            stats.bytes += frame.capLen;
            n++;
            onFrame(frame);
            continue;
          }
          n += k;
          this.scanRun(fast!, win!, winView!, ring.runBytes, frame, onFrame);
        }
        if (afterChunk !== undefined) await afterChunk();
        // Let the poll phase run so the addon can queue what arrived meanwhile.
        if (!this.closed) await nextTurn();
      }
    } catch (err) {
      this.closeDevice();
      throw err;
    }
  }

  /** The records of win[0, end) through the lane, and those it leaves through onFrame; as PcapReader.run does. */
  private scanRun(fast: PcapFastPath, win: Uint8Array, view: DataView, end: number, frame: Frame, onFrame: FrameHandler): void {
    this.laneFrames += scanRecords(fast, win, view, end, frame, onFrame, this.stats);
  }

  /**
   * Stops capture without losing what the kernel already has. With the
   * patched addon on Linux the intake is sealed first (the kernel adds no
   * more frames to the ring), so under continuing traffic no frame is
   * counted by pcap_stats and then lost with the last, partly filled block.
   * In block mode it then waits out the read timeout, after which the kernel
   * hands over that block, gives the poll phase one more turn and, if
   * sealed, waits (bounded) until every frame pcap_stats counted has reached
   * the callback; then the device is closed and `run` delivers what is
   * queued before it resolves. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.closed) {
        const sealed = this.sealIntake();
        if (!this.immediate) await sleep(this.readTimeoutMs + 20);
        await nextTurn();
        if (sealed) {
          const deadline = Date.now() + 2 * this.readTimeoutMs + 500;
          while (!this.closed && Date.now() < deadline && !this.allHandedOver()) await sleep(5);
        }
        this.closeDevice();
      }
      if (this.running !== null) await this.running.catch(() => undefined);
    })();
    return this.stopping;
  }

  private sealIntake(): boolean {
    if (!this.patched || this.handle.stopIntake === undefined) return false;
    try {
      return this.handle.stopIntake();
    } catch {
      return false;
    }
  }

  /** Every frame the kernel counted was queued or dropped by the callback, or dropped by the kernel. */
  private allHandedOver(): boolean {
    try {
      const k = this.handle.stats!();
      return k.received <= this.seen + k.dropped;
    } catch {
      return true;
    }
  }

  private closeDevice(): void {
    if (this.closed) return;
    try {
      this.finalKernel = this.kernelStats();
    } catch {
      // pcap_stats failing only costs the final counters.
    }
    this.closed = true;
    this.handle.removeAllListeners('packet');
    this.handle.removeAllListeners('records');
    this.handle.close();
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
  }
}

/**
 * Opens `device` for capture and starts queueing frames immediately.
 * Synchronous so that a caller can drop privileges right after it returns.
 * Throws LiveCaptureError (DNSAE_ERR_LIVE_DEVICE, _PERMISSION, _FILTER,
 * _UNAVAILABLE) or UsageError for impossible sizes.
 */
export function openLive(opts: LiveOptions, deps: LiveDeps = {}): LiveSource {
  return new LiveSource(deps.cap ?? loadCap(), opts);
}

/** Names of the devices libpcap can open, for `--list-interfaces` and messages. */
export function listLiveDevices(deps: LiveDeps = {}): string[] {
  return (deps.cap ?? loadCap()).Cap.deviceList().map((d) => d.name);
}
