import { describe, expect, it } from 'vitest';
import { ClientFanOut } from '../../../src/features/question/client-fan-out.js';

describe('ClientFanOut', () => {
  it('counts each client\'s windows within a period and starts again in the next', () => {
    const f = new ClientFanOut(60);
    for (let i = 1; i <= 150; i++) expect(f.opened(0x0a000001, 0, 0, 0, 1000 + i * 0.1)).toBe(i);
    expect(f.peek(0x0a000001, 0, 0, 0, 1019)).toBe(150);
    // 1020 s is the next 60-s period.
    expect(f.peek(0x0a000001, 0, 0, 0, 1020)).toBe(0);
    expect(f.opened(0x0a000001, 0, 0, 0, 1020)).toBe(1);
  });

  it('keeps clients apart: the smaller of two cells is taken, so a shared cell alone never adds', () => {
    const f = new ClientFanOut(60);
    const clients = Array.from({ length: 5000 }, (_, i) => 0x0a000000 + i);
    for (const c of clients) f.opened(c, 0, 0, 0, 10);
    for (let k = 0; k < 3; k++) f.opened(clients[7]!, 0, 0, 0, 11);
    expect(f.peek(clients[7]!, 0, 0, 0, 12)).toBe(4);
    // 5,000 clients in 2 x 65,536 cells: a client shares both of its cells with others about
    // 5000 x (5000 / 65536)^2 = 29 times; every other one reads back its own count, and none less.
    const exact = clients.filter((c, i) => f.peek(c, 0, 0, 0, 12) === (i === 7 ? 4 : 1)).length;
    expect(clients.every((c) => f.peek(c, 0, 0, 0, 12) >= 1)).toBe(true);
    expect(exact).toBeGreaterThan(4950);
  });

  it('tells IPv6 clients that differ in any word apart', () => {
    const f = new ClientFanOut(60);
    f.opened(0x20010db8, 0, 0, 1, 5);
    f.opened(0x20010db8, 0, 0, 1, 5);
    expect(f.opened(0x20010db8, 0, 1, 1, 5)).toBe(1);
    expect(f.peek(0x20010db8, 0, 0, 1, 5)).toBe(2);
  });
});
