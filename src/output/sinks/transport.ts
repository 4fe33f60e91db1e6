/**
 * One way of carrying records to a peer (a socket, a syslog server, Redis).
 * A transport knows framing and connection; buffering, reconnection and
 * counting live in NetworkSink, the same for every transport.
 */
export interface Transport {
  /** What logs and the summary call it, e.g. `redis://127.0.0.1:6379/0`. */
  readonly name: string;
  /**
   * Connects. Resolves once records can be sent; rejects if the peer cannot
   * be reached. `onLost` is called at most once, when the connection fails
   * later on its own.
   */
  connect(onLost: (err: Error) => void): Promise<void>;
  /**
   * Sends records (no newline at their end) in order. Resolves, once the
   * peer or the kernel has taken them, with how many of them were refused
   * for good (too large for a datagram, a Redis error reply): those are
   * counted as dropped and not sent again. Rejects when the connection
   * failed: then none of them count as sent and all are sent again after
   * reconnection.
   */
  send(records: readonly Buffer[]): Promise<number>;
  /** Closes the connection; connect() may follow. */
  close(): Promise<void>;
  /** Frees what outlives connections (a helper process); called once, when the sink closes. */
  dispose?(): Promise<void>;
}

/**
 * A send that failed part-way: the first `taken` records got through (a
 * datagram transport knows this exactly) and are not sent again.
 */
export class PartialSendError extends Error {
  override name = 'PartialSendError' as const;
  constructor(
    message: string,
    readonly taken: number,
    readonly refused: number,
  ) {
    super(message);
  }
}
