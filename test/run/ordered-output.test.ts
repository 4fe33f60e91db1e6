import { describe, expect, it } from 'vitest';
import type { WorkerMessage } from '../../src/run/job-protocol.js';
import { OrderedStreams, StreamQueue } from '../../src/run/ordered-output.js';

const mark = (file: number, share: number): WorkerMessage => ({ t: 'mark', file, share });

describe('StreamQueue', () => {
  it('gives messages in the order pushed, whether they came before or after the wait', async () => {
    const q = new StreamQueue();
    q.push({ m: mark(0, 0), from: 1 });
    q.push({ m: mark(0, 1), from: 2 });
    expect((await q.next()).from).toBe(1);
    expect((await q.next()).from).toBe(2);
    // Nothing queued: the next message pushed resolves the wait, and later ones queue behind it.
    const later = q.next();
    q.push({ m: mark(0, 2), from: 3 });
    q.push({ m: mark(0, 3), from: 4 });
    expect((await later).from).toBe(3);
    expect((await q.next()).from).toBe(4);
  });
});

describe('OrderedStreams', () => {
  it('one queue per (input, share), the same one each time until done', () => {
    const s = new OrderedStreams();
    const q = s.queue(1, 0);
    expect(s.queue(1, 0)).toBe(q);
    expect(s.queue(1, 1)).not.toBe(q);
    expect(s.queue(0, 0)).not.toBe(q);
    s.done(1, 2);
    expect(s.queue(1, 0)).not.toBe(q);
  });
});
