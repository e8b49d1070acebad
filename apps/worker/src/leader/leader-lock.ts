import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const FENCED_SET = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[2], ARGV[2]) return 1 else return 0 end`;

/**
 * A Redis lock with a time to live (SET NX PX), renewed by its holder. If the
 * holder dies, the key expires and another process takes it. Writes the holder
 * makes "as the holder" go through {@link fencedSet}, so a holder that lost
 * the lock without noticing (a long pause) cannot overwrite its successor's
 * checkpoint.
 */
export class LeaderLock {
  /** Unique per process and lock: `host-pid-random`. */
  readonly token = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /** False when the lock is no longer ours (it expired, someone else holds it, or Redis was flushed). */
  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }

  /** Sets `key` to `value` only while this process holds the lock. */
  async fencedSet(key: string, value: string): Promise<boolean> {
    return (await this.redis.eval(FENCED_SET, 2, this.key, key, this.token, value)) === 1;
  }
}
