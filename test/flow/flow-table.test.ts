import { describe, expect, it } from 'vitest';
import { flowKeyFromPacket, newFlowKey, type FlowKey } from '../../src/flow/flow-key.js';
import { FlowEntry, FlowTable, LANE_TCP, LANE_UDP, type RemoveReason } from '../../src/flow/flow-table.js';
import { buildPacket } from './build-packet.js';

class E extends FlowEntry {
  constructor(readonly name: string) {
    super();
  }
}

function keyFor(sport: number, proto: 'udp' | 'tcp' = 'udp'): FlowKey {
  const k = newFlowKey();
  flowKeyFromPacket(buildPacket({ src: '10.1.1.1', dst: '10.1.1.53', sport, dport: 53, proto }), k);
  return k;
}

function setup(maxFlows: number, idle: [number, number] = [60, 300]) {
  const removed: [string, RemoveReason][] = [];
  const table = new FlowTable<E>({ maxFlows, idleSec: idle }, { onRemove: (e, r) => removed.push([e.name, r]) });
  return { table, removed };
}

describe('FlowTable', () => {
  it('finds entries by key and resolves hash collisions by comparing bytes', () => {
    const { table } = setup(10);
    const k1 = keyFor(1000);
    const k2 = keyFor(1001);
    // Force a bucket collision: the table must still tell the flows apart.
    k2.hash = k1.hash;
    k2.hash2 = k1.hash2;
    table.advance(0);
    const e1 = new E('one');
    const e2 = new E('two');
    table.insert(e1, k1, LANE_UDP);
    table.insert(e2, k2, LANE_UDP);
    expect(table.lookup(k1)).toBe(e1);
    expect(table.lookup(k2)).toBe(e2);
    table.remove(e1, 'closed');
    expect(table.lookup(k1)).toBeNull();
    expect(table.lookup(k2)).toBe(e2);
    expect(table.size).toBe(1);
    expect(table.closed).toBe(1);
  });

  it('expires idle flows per transport on packet time', () => {
    const { table, removed } = setup(10, [60, 300]);
    table.advance(1000);
    table.insert(new E('udp'), keyFor(1, 'udp'), LANE_UDP);
    table.insert(new E('tcp'), keyFor(1, 'tcp'), LANE_TCP);
    table.advance(1060); // exactly the UDP idle time: not yet expired
    expect(removed).toEqual([]);
    table.advance(1060.5);
    expect(removed).toEqual([['udp', 'expired']]);
    table.advance(1300.5);
    expect(removed).toEqual([
      ['udp', 'expired'],
      ['tcp', 'expired'],
    ]);
    expect(table.expired).toBe(2);
    expect(table.size).toBe(0);
  });

  it('does not go back in time when packet timestamps step backwards', () => {
    const { table, removed } = setup(10, [60, 60]);
    table.advance(1000);
    const a = new E('a');
    table.insert(a, keyFor(1), LANE_UDP);
    table.advance(500);
    expect(table.clock).toBe(1000);
    table.touch(a);
    table.advance(1061);
    expect(removed).toEqual([['a', 'expired']]);
  });

  it('evicts the least recently used flow across both lanes when full', () => {
    const { table, removed } = setup(3);
    const a = new E('a');
    const b = new E('b');
    const c = new E('c');
    table.advance(1);
    table.insert(a, keyFor(1, 'udp'), LANE_UDP);
    table.advance(2);
    table.insert(b, keyFor(2, 'tcp'), LANE_TCP);
    table.advance(3);
    table.insert(c, keyFor(3, 'udp'), LANE_UDP);
    table.advance(4);
    table.touch(a); // b is now the oldest
    table.insert(new E('d'), keyFor(4), LANE_UDP);
    expect(removed).toEqual([['b', 'evicted']]);
    table.insert(new E('e'), keyFor(5), LANE_UDP);
    expect(removed).toEqual([
      ['b', 'evicted'],
      ['c', 'evicted'],
    ]);
    expect(table.size).toBe(3);
    expect(table.evicted).toBe(2);
    expect(table.created).toBe(5);
  });

  it('removes everything oldest first and then forgets the clock', () => {
    const { table, removed } = setup(10);
    table.advance(5);
    table.insert(new E('x'), keyFor(1, 'tcp'), LANE_TCP);
    table.advance(6);
    table.insert(new E('y'), keyFor(1, 'udp'), LANE_UDP);
    table.removeAll('flushed');
    expect(removed).toEqual([
      ['x', 'flushed'],
      ['y', 'flushed'],
    ]);
    table.resetClock();
    expect(table.clock).toBe(-Infinity);
    expect(table.flushed).toBe(2);
  });
});

describe('FlowTable.removeAll', () => {
  it('removes oldest first across lanes and leaves an empty, usable table', () => {
    const { table, removed } = setup(100);
    const keys = [keyFor(2000), keyFor(2001, 'tcp'), keyFor(2002), keyFor(2003, 'tcp')];
    keys.forEach((k, i) => {
      table.advance(i);
      table.insert(new E(`f${i}`), k, i % 2 === 0 ? LANE_UDP : LANE_TCP);
    });
    table.removeAll('flushed');
    expect(removed).toEqual(['f0', 'f1', 'f2', 'f3'].map((n) => [n, 'flushed']));
    expect(table.size).toBe(0);
    for (const k of keys) expect(table.lookup(k)).toBeNull();
    const again = new E('again');
    table.insert(again, keys[2]!, LANE_UDP);
    expect(table.lookup(keys[2]!)).toBe(again);
  });

  it('keeps the flows it did not reach findable when a hook throws, and removes them on the next call', () => {
    const removed: string[] = [];
    let calls = 0;
    const table = new FlowTable<E>(
      { maxFlows: 100, idleSec: [60, 300] },
      {
        onRemove: (e) => {
          removed.push(e.name);
          if (++calls === 3) throw new Error('consumer failed');
        },
      },
    );
    const keys = Array.from({ length: 6 }, (_, i) => keyFor(3000 + i));
    // Two keys share a bucket, so a chain spans removed and kept flows.
    keys[4]!.hash = keys[1]!.hash;
    keys.forEach((k, i) => {
      table.advance(i);
      table.insert(new E(`f${i}`), k, LANE_UDP);
    });
    expect(() => table.removeAll('flushed')).toThrow('consumer failed');
    expect(removed).toEqual(['f0', 'f1', 'f2']);
    expect(table.size).toBe(3);
    for (let i = 0; i < 6; i++) expect(table.lookup(keys[i]!)?.name ?? null).toBe(i < 3 ? null : `f${i}`);
    table.removeAll('flushed');
    expect(removed).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
    expect(table.size).toBe(0);
  });
});

describe('FlowTable slots', () => {
  /** A key with a chosen hash, distinct by `n` in its address and port words. */
  function syntheticKey(n: number, hash: number): FlowKey {
    const k = newFlowKey();
    k.a0 = 0x0a000000 | (n >>> 16);
    k.b0 = 0x0a000035;
    k.portA = n & 0xffff;
    k.portB = 53;
    k.proto = 17;
    k.hash = hash & 0x3fffffff;
    k.hash2 = Math.imul(n, 0x9e3779b1) >>> 0;
    return k;
  }

  it('keeps every flow findable when flows are removed from the middle of colliding probe runs', () => {
    const { table } = setup(64);
    table.advance(0);
    // Three homes next to each other, so their probe runs interleave and wrap into one another.
    const keys = Array.from({ length: 40 }, (_, i) => syntheticKey(i, 7 + (i % 3)));
    const entries = keys.map((k, i) => {
      const e = new E(`f${i}`);
      table.insert(e, k, LANE_UDP);
      return e;
    });
    const gone = new Set([0, 3, 4, 10, 17, 18, 19, 25, 39]);
    for (const i of gone) table.remove(entries[i]!, 'closed');
    keys.forEach((k, i) => expect(table.lookup(k)).toBe(gone.has(i) ? null : entries[i]));
    expect(table.size).toBe(40 - gone.size);
    // Removed flows come back as new entries and are found alongside the others.
    const back = new Map<number, E>();
    for (const i of gone) {
      const e = new E(`again${i}`);
      table.insert(e, keys[i]!, LANE_UDP);
      back.set(i, e);
    }
    keys.forEach((k, i) => expect(table.lookup(k)).toBe(back.get(i) ?? entries[i]));
  });

  it('finds every flow after the slot array has doubled, and tells apart keys that differ only past the hash', () => {
    const n = 140_000;
    const { table } = setup(200_000);
    table.advance(0);
    const keys: FlowKey[] = [];
    for (let i = 0; i < n; i++) {
      keys.push(syntheticKey(i, Math.imul(i, 0x2545f491)));
      table.insert(new E(`f${i}`), keys[i]!, LANE_UDP);
    }
    expect(table.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(table.lookup(keys[i]!)?.name).toBe(`f${i}`);
    const other = syntheticKey(5, Math.imul(5, 0x2545f491));
    other.vlan1 = 7;
    expect(table.lookup(other)).toBeNull();
    table.removeAll('flushed');
    expect(table.size).toBe(0);
    expect(table.lookup(keys[5]!)).toBeNull();
  });
});
