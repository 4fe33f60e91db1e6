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

  it('keeps the order over a long run in which it never empties', async () => {
    const q = new StreamQueue();
    // Always ten ahead of the reader, so the queue is never empty between takes.
    for (let k = 0; k < 10; k++) q.push({ m: mark(0, 0), from: k });
    for (let k = 10; k < 5000; k++) {
      q.push({ m: mark(0, 0), from: k });
      expect((await q.next()).from).toBe(k - 10);
    }
    for (let k = 4990; k < 5000; k++) expect((await q.next()).from).toBe(k);
  });

  it('fail rejects the waiting take and every later one', async () => {
    const q = new StreamQueue();
    const waiting = q.next();
    q.fail(new Error('worker 1 fault'));
    await expect(waiting).rejects.toThrow('worker 1 fault');
    q.push({ m: mark(0, 0), from: 1 });
    await expect(q.next()).rejects.toThrow('worker 1 fault');
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

  it('fail reaches the queues there are and the ones made after it', async () => {
    const s = new OrderedStreams();
    const before = s.queue(0, 0).next();
    s.fail(new Error('fatal'));
    await expect(before).rejects.toThrow('fatal');
    await expect(s.queue(3, 1).next()).rejects.toThrow('fatal');
  });
});
