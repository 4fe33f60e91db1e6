import { describe, expect, it } from 'vitest';
import { flowKeyEquals, flowKeyFromPacket, newFlowKey, type FlowKey } from '../../src/flow/flow-key.js';
import { FlowTable, LANE_TCP, LANE_UDP, RECORD_USER, RECORD_USER_WORDS, RECORD_WORDS, type Lane, type RemoveReason } from '../../src/flow/flow-table.js';
import { buildPacket } from './build-packet.js';

function keyFor(sport: number, proto: 'udp' | 'tcp' = 'udp', src = '10.1.1.1', dst = '10.1.1.53'): FlowKey {
  const k = newFlowKey();
  flowKeyFromPacket(buildPacket({ src, dst, sport, dport: 53, proto }), k);
  return k;
}

/**
 * A table whose flows carry names (kept by the test, by record number, as
 * the flow assembler keeps its state), with a log of removals by name.
 */
function setup(maxFlows: number, idle: [number, number] = [60, 300], hold: (ref: number) => boolean = () => false) {
  const removed: [string, RemoveReason][] = [];
  const names = new Map<number, string>();
  const table = new FlowTable(
    { maxFlows, idleSec: idle },
    {
      onRemove: (ref, r) => {
        removed.push([names.get(ref)!, r]);
        return hold(ref);
      },
    },
  );
  const insert = (name: string, key: FlowKey, lane: Lane = LANE_UDP): number => {
    const ref = table.insert(key, lane);
    names.set(ref, name);
    return ref;
  };
  const nameOf = (key: FlowKey): string | null => {
    const ref = table.lookup(key);
    return ref < 0 ? null : names.get(ref)!;
  };
  return { table, removed, insert, nameOf };
}

describe('FlowTable', () => {
  it('finds flows by key and resolves hash collisions by comparing the key words', () => {
    const { table, insert, nameOf } = setup(10);
    const k1 = keyFor(1000);
    const k2 = keyFor(1001);
    // Force a slot collision: the table must still tell the flows apart.
    k2.hash = k1.hash;
    table.advance(0);
    const one = insert('one', k1);
    insert('two', k2);
    expect(nameOf(k1)).toBe('one');
    expect(nameOf(k2)).toBe('two');
    table.remove(one, 'closed');
    expect(nameOf(k1)).toBeNull();
    expect(nameOf(k2)).toBe('two');
    expect(table.size).toBe(1);
    expect(table.closed).toBe(1);
  });

  it('tells apart IPv6 flows that differ only in address words the IPv4 check does not read', () => {
    const { table, insert, nameOf } = setup(10);
    const a = keyFor(1000, 'udp', '2001:db8::1', '2001:db8::53');
    const b = keyFor(1000, 'udp', '2001:db8:0:0:1::1', '2001:db8::53');
    expect(a.a0).toBe(b.a0);
    b.hash = a.hash;
    table.advance(0);
    insert('a', a);
    expect(nameOf(b)).toBeNull();
    insert('b', b);
    expect(nameOf(a)).toBe('a');
    expect(nameOf(b)).toBe('b');
    // An IPv4 key whose words equal the IPv6 key's first words is another flow.
    const v4 = keyFor(1000);
    v4.a0 = a.a0;
    v4.b0 = a.b0;
    v4.hash = a.hash;
    expect(nameOf(v4)).toBeNull();
  });

  it('gives back the key it stored, for both address families and with VLANs', () => {
    const { table, insert } = setup(10);
    table.advance(0);
    for (const k of [keyFor(4000, 'tcp'), keyFor(5353, 'udp', '2001:db8::9', 'fe80::1'), keyFor(65535)]) {
      k.vlan0 = 4095;
      k.vlan1 = 17;
      k.hash = (k.hash ^ 1) & 0x3fffffff;
      const ref = insert('x', k);
      const back = newFlowKey();
      table.readKey(ref, back);
      back.srcIsA = k.srcIsA;
      expect(flowKeyEquals(back, k)).toBe(true);
      expect(back.hash).toBe(k.hash);
      expect(table.laneOf(ref)).toBe(LANE_UDP);
    }
  });

  it('leaves the user words of a record to the user and keeps them while the flow lives', () => {
    const { table, insert } = setup(4);
    table.advance(0);
    const refs = [1, 2, 3].map((p) => insert(`f${p}`, keyFor(p)));
    refs.forEach((r, i) => {
      for (let k = 0; k < RECORD_USER_WORDS; k++) table.words[r * RECORD_WORDS + RECORD_USER + k] = 100 * i + k;
    });
    table.touch(refs[0]!);
    table.remove(refs[1]!, 'closed');
    insert('f4', keyFor(4));
    for (const i of [0, 2]) {
      for (let k = 0; k < RECORD_USER_WORDS; k++) expect(table.words[refs[i]! * RECORD_WORDS + RECORD_USER + k]).toBe(100 * i + k);
    }
  });

  it('expires idle flows per transport on packet time', () => {
    const { table, removed, insert } = setup(10, [60, 300]);
    table.advance(1000);
    insert('udp', keyFor(1, 'udp'), LANE_UDP);
    insert('tcp', keyFor(1, 'tcp'), LANE_TCP);
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
    const { table, removed, insert } = setup(10, [60, 60]);
    table.advance(1000);
    const a = insert('a', keyFor(1));
    table.advance(500);
    expect(table.clock).toBe(1000);
    table.touch(a);
    table.advance(1061);
    expect(removed).toEqual([['a', 'expired']]);
  });

  it('evicts the least recently used flow across both lanes when full', () => {
    const { table, removed, insert } = setup(3);
    table.advance(1);
    const a = insert('a', keyFor(1, 'udp'), LANE_UDP);
    table.advance(2);
    insert('b', keyFor(2, 'tcp'), LANE_TCP);
    table.advance(3);
    insert('c', keyFor(3, 'udp'), LANE_UDP);
    table.advance(4);
    table.touch(a); // b is now the oldest
    insert('d', keyFor(4));
    expect(removed).toEqual([['b', 'evicted']]);
    insert('e', keyFor(5));
    expect(removed).toEqual([
      ['b', 'evicted'],
      ['c', 'evicted'],
    ]);
    expect(table.size).toBe(3);
    expect(table.evicted).toBe(2);
    expect(table.created).toBe(5);
  });

  it('keeps LRU order when a lane empties and fills again, and when its first or last flow is removed', () => {
    const { table, removed, insert } = setup(4);
    /** Inserts one flow per name at times from..., the lane from the name's first letter. */
    const at = (from: number, ...names: string[]): number[] =>
      names.map((name, i) => {
        const tcp = name.startsWith('t');
        table.advance(from + i);
        return insert(name, keyFor(from + i, tcp ? 'tcp' : 'udp'), tcp ? LANE_TCP : LANE_UDP);
      });
    const [t1, , t2] = at(1, 't1', 'u1', 't2');
    // The TCP lane's last flow, then its first: the lane is empty.
    table.remove(t2!, 'closed');
    table.remove(t1!, 'closed');
    expect(table.size).toBe(1);
    at(4, 'u2', 't3', 'u3');
    // Full (4): each insert evicts the oldest flow of either lane.
    at(7, 'u4', 'u5', 'u6');
    expect(removed).toEqual([
      ['t2', 'closed'],
      ['t1', 'closed'],
      ['u1', 'evicted'],
      ['u2', 'evicted'],
      ['t3', 'evicted'],
    ]);
    // Idle expiry walks each lane from its oldest flow; the TCP lane is empty again.
    table.advance(9 + 61);
    expect(removed.slice(5)).toEqual([
      ['u3', 'expired'],
      ['u4', 'expired'],
      ['u5', 'expired'],
      ['u6', 'expired'],
    ]);
    expect(table.size).toBe(0);
  });

  it('has() is false for numbers no flow was given', () => {
    const { table, insert } = setup(4);
    table.advance(0);
    const a = insert('a', keyFor(1));
    expect(table.has(a)).toBe(true);
    for (const ref of [-1, 0, 1, a + 1, 1000]) if (ref !== a) expect(table.has(ref)).toBe(false);
  });

  it('removes everything oldest first and then forgets the clock', () => {
    const { table, removed, insert } = setup(10);
    table.advance(5);
    insert('x', keyFor(1, 'tcp'), LANE_TCP);
    table.advance(6);
    insert('y', keyFor(1, 'udp'), LANE_UDP);
    table.removeAll('flushed');
    expect(removed).toEqual([
      ['x', 'flushed'],
      ['y', 'flushed'],
    ]);
    table.resetClock();
    expect(table.clock).toBe(-Infinity);
    expect(table.flushed).toBe(2);
  });

  it('does not reuse a held record number, nor overwrite its key, until releaseHeld', () => {
    const held = new Set<number>();
    const { table, insert } = setup(2, [60, 300], (ref) => held.has(ref));
    table.advance(0);
    const k = keyFor(7);
    const a = insert('a', k);
    held.add(a);
    table.remove(a, 'closed');
    expect(table.has(a)).toBe(false);
    const others = [8, 9, 10, 11].map((p) => insert(`o${p}`, keyFor(p)));
    expect(others).not.toContain(a);
    const back = newFlowKey();
    table.readKey(a, back);
    back.srcIsA = k.srcIsA;
    expect(flowKeyEquals(back, k)).toBe(true);
    table.removeAll('flushed');
    // Freed numbers are reused last freed first: a, released after the others, comes back first.
    table.releaseHeld();
    expect(insert('n', keyFor(20))).toBe(a);
  });
});

// Few flows for the slots: each flow leaves its slot; many: the index is emptied and rebuilt whole.
describe.each([
  ['flow by flow', 100, true],
  ['index rebuilt whole', 6, false],
] as const)('FlowTable.removeAll, %s', (_name, maxFlows, sparse) => {
  it('removes oldest first across lanes and leaves an empty, usable table', () => {
    const { table, removed, insert, nameOf } = setup(maxFlows);
    const keys = [keyFor(2000), keyFor(2001, 'tcp'), keyFor(2002), keyFor(2003, 'tcp')];
    keys.forEach((k, i) => {
      table.advance(i);
      insert(`f${i}`, k, i % 2 === 0 ? LANE_UDP : LANE_TCP);
    });
    expect(table.sparse).toBe(sparse);
    table.removeAll('flushed');
    expect(removed).toEqual(['f0', 'f1', 'f2', 'f3'].map((n) => [n, 'flushed']));
    expect(table.size).toBe(0);
    for (const k of keys) expect(table.lookup(k)).toBe(-1);
    insert('again', keys[2]!);
    expect(nameOf(keys[2]!)).toBe('again');
  });

  it('keeps the flows it did not reach findable when a hook throws, and removes them on the next call', () => {
    const removed: string[] = [];
    const names = new Map<number, string>();
    let calls = 0;
    const table = new FlowTable(
      { maxFlows, idleSec: [60, 300] },
      {
        onRemove: (ref) => {
          removed.push(names.get(ref)!);
          if (++calls === 3) throw new Error('consumer failed');
          return false;
        },
      },
    );
    const keys = Array.from({ length: 6 }, (_, i) => keyFor(3000 + i));
    // Two keys share a slot, so a probe run spans removed and kept flows.
    keys[4]!.hash = keys[1]!.hash;
    keys.forEach((k, i) => {
      table.advance(i);
      names.set(table.insert(k, LANE_UDP), `f${i}`);
    });
    expect(table.sparse).toBe(sparse);
    expect(() => table.removeAll('flushed')).toThrow('consumer failed');
    expect(removed).toEqual(['f0', 'f1', 'f2']);
    expect(table.size).toBe(3);
    for (let i = 0; i < 6; i++) {
      const ref = table.lookup(keys[i]!);
      expect(ref < 0 ? null : names.get(ref)).toBe(i < 3 ? null : `f${i}`);
    }
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
    return k;
  }

  it('keeps every flow findable when flows are removed from the middle of colliding probe runs', () => {
    const { table, insert, nameOf } = setup(64);
    table.advance(0);
    // Three homes next to each other, so their probe runs interleave and wrap into one another.
    const keys = Array.from({ length: 40 }, (_, i) => syntheticKey(i, 7 + (i % 3)));
    const refs = keys.map((k, i) => insert(`f${i}`, k));
    const gone = new Set([0, 3, 4, 10, 17, 18, 19, 25, 39]);
    for (const i of gone) table.remove(refs[i]!, 'closed');
    keys.forEach((k, i) => expect(nameOf(k)).toBe(gone.has(i) ? null : `f${i}`));
    expect(table.size).toBe(40 - gone.size);
    // Removed flows come back as new flows and are found alongside the others.
    for (const i of gone) insert(`again${i}`, keys[i]!);
    keys.forEach((k, i) => expect(nameOf(k)).toBe(gone.has(i) ? `again${i}` : `f${i}`));
  });

  it('finds every flow after the slot and record arrays have grown, and tells apart keys that differ only past the hash', () => {
    const n = 140_000;
    const { table, insert, nameOf } = setup(200_000);
    table.advance(0);
    const keys: FlowKey[] = [];
    for (let i = 0; i < n; i++) {
      keys.push(syntheticKey(i, Math.imul(i, 0x2545f491)));
      insert(`f${i}`, keys[i]!);
    }
    expect(table.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(nameOf(keys[i]!)).toBe(`f${i}`);
    const other = syntheticKey(5, Math.imul(5, 0x2545f491));
    other.vlan1 = 7;
    expect(table.lookup(other)).toBe(-1);
    table.removeAll('flushed');
    expect(table.size).toBe(0);
    expect(table.lookup(keys[5]!)).toBe(-1);
  });
});
