/**
 * The records a network sink holds while its peer is away or slow: a FIFO
 * bounded both in records and in bytes. A record that does not fit is
 * refused and counted; the ones already held are kept, so what reaches the
 * peer after an outage is the oldest part of it, in order, with one gap at
 * the end that the drop counter measures exactly.
 */
export class RecordQueue {
  private items: Buffer[] = [];
  private head = 0;
  private heldBytes = 0;
  /** Records refused because the queue was full. */
  refused = 0;

  constructor(
    readonly maxRecords: number,
    readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** Whether one more record of up to `bytes` would be taken. */
  hasRoom(bytes: number): boolean {
    return this.length < this.maxRecords && this.heldBytes + bytes <= this.maxBytes;
  }

  push(record: Buffer): boolean {
    if (this.length >= this.maxRecords || this.heldBytes + record.length > this.maxBytes) {
      this.refused++;
      return false;
    }
    this.items.push(record);
    this.heldBytes += record.length;
    return true;
  }

  /** Up to `n` records from the front, left in the queue. */
  peek(n: number): Buffer[] {
    return this.items.slice(this.head, this.head + n);
  }

  /** Removes `n` records from the front (they were sent or given up). */
  shift(n: number): void {
    const end = Math.min(this.head + n, this.items.length);
    for (let i = this.head; i < end; i++) this.heldBytes -= this.items[i]!.length;
    this.head = end;
    // Compacting only once the dead prefix is most of the array keeps shift amortised O(1).
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }
}
