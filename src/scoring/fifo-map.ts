/**
 * A Map bounded to `capacity` keys that drops the oldest inserted key when a
 * new one arrives at the limit. The insertion order lives in a ring of keys:
 * `map.keys().next()` as "oldest" costs time proportional to the deleted
 * entries V8 still keeps at the front of the table, which made a flood of
 * alerting flows quadratic (docs/robustness.md).
 */
export class FifoMap<K, V> {
  private readonly map = new Map<K, V>();
  private readonly ring: K[];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`FifoMap capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<K>(capacity);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /**
   * Inserts or updates `key`. A new key at capacity first evicts the oldest
   * one; returns true when that happened.
   */
  set(key: K, value: V): boolean {
    const map = this.map;
    if (map.has(key)) {
      map.set(key, value);
      return false;
    }
    const cap = this.capacity;
    if (map.size < cap) {
      this.ring[(this.head + map.size) % cap] = key;
      map.set(key, value);
      return false;
    }
    // Full: the oldest key's slot becomes the newest key's, and the next slot is now the oldest.
    map.delete(this.ring[this.head]!);
    this.ring[this.head] = key;
    this.head = (this.head + 1) % cap;
    map.set(key, value);
    return true;
  }

  clear(): void {
    this.map.clear();
    this.head = 0;
  }
}
