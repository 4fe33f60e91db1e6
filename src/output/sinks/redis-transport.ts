import type { Redis } from 'ioredis';
import type { Transport } from './transport.js';

/**
 * Suricata's redis modes: `list` is LPUSH (Suricata's default and alias),
 * `rpush` appends, `channel` is PUBLISH, `stream` is XADD with the record
 * in field `eve` (as Suricata 8 writes it).
 */
export const REDIS_MODES = ['list', 'lpush', 'rpush', 'channel', 'publish', 'stream', 'xadd'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly mode: RedisMode;
  readonly key: string;
  /** Stream mode: XADD MAXLEN ~ this (approximate trimming, Suricata's stream-trim-exact: false); 0 keeps everything. */
  readonly streamMaxlen: number;
}

/** Suricata's stream-maxlen default. */
export const REDIS_STREAM_MAXLEN_DEFAULT = 100_000;

/**
 * Redis through ioredis, one pipeline per batch. ioredis's own retrying and
 * offline queue are off: NetworkSink holds the records and reconnects, so
 * there is one buffer with one bound and one count, and a command is sent
 * again only when its batch got no reply.
 */
export class RedisTransport implements Transport {
  private client: Redis | undefined;
  readonly name: string;

  constructor(private readonly t: RedisTarget) {
    this.name = `redis://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}/${t.db}`;
  }

  async connect(onLost: (err: Error) => void): Promise<void> {
    // Imported on use: ioredis would otherwise load with every extract and score run.
    const { Redis } = await import('./redis-client.js');
    const client = new Redis({
      host: this.t.host,
      port: this.t.port,
      db: this.t.db,
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 5000,
    });
    // Without a listener ioredis prints each connection error; the sink logs once per outage instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw err;
    }
    client.once('end', () => {
      if (this.client === client) {
        this.client = undefined;
        onLost(new Error('redis connection closed'));
      }
    });
    this.client = client;
  }

  async send(records: readonly Buffer[]): Promise<number> {
    const c = this.client;
    if (c === undefined) throw new Error('not connected');
    const p = c.pipeline();
    const { mode, key, streamMaxlen } = this.t;
    for (const r of records) {
      switch (mode) {
        case 'list':
        case 'lpush':
          p.lpush(key, r);
          break;
        case 'rpush':
          p.rpush(key, r);
          break;
        case 'channel':
        case 'publish':
          p.publish(key, r);
          break;
        case 'stream':
        case 'xadd':
          if (streamMaxlen > 0) p.xadd(key, 'MAXLEN', '~', streamMaxlen, '*', 'eve', r);
          else p.xadd(key, '*', 'eve', r);
          break;
      }
    }
    const replies = await p.exec();
    if (replies === null) throw new Error('redis pipeline not executed');
    let refused = 0;
    for (const [err] of replies) {
      if (err === null) continue;
      // A reply error (WRONGTYPE, OOM) means Redis saw the command: sending it again would not help.
      // No reply at all (connection lost) means it may not have been seen: the batch goes again.
      if (isReplyError(err)) refused++;
      else throw err;
    }
    return refused;
  }

  close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c === undefined) return Promise.resolve();
    return c.quit().then(
      () => undefined,
      () => c.disconnect(),
    );
  }
}

function isReplyError(err: Error): boolean {
  return err.name === 'ReplyError';
}
