import type { Redis } from 'ioredis';
import type { EventStore } from '@app/event-store';
import type { EngineKeys } from './redis-keys';

export interface DispatcherStatus {
  /** Head of the global log. */
  head: bigint;
  /** Last position dispatched; null when none is stored (the dispatcher has not run, or Redis was flushed). */
  checkpoint: bigint | null;
  /** Events behind the head (the whole log when there is no checkpoint). */
  lag: bigint;
  /** Who holds the dispatcher lock (`host-pid-…`), or null when no dispatcher runs. */
  leader: string | null;
}

/** Reads the dispatcher's progress (for `/health`, `/metrics` and tests). */
export class EngineStatus {
  constructor(
    private readonly redis: Redis,
    private readonly keys: EngineKeys,
    private readonly store: EventStore,
  ) {}

  async checkpoint(): Promise<bigint | null> {
    const raw = await this.redis.get(this.keys.dispatcherCheckpoint);
    return raw === null ? null : BigInt(raw);
  }

  async dispatcher(): Promise<DispatcherStatus> {
    const [head, [checkpoint, leader]] = await Promise.all([
      this.store.headPosition(),
      Promise.all([this.checkpoint(), this.redis.get(this.keys.leaderLock)]),
    ]);
    const done = checkpoint ?? 0n;
    return { head, checkpoint, lag: head > done ? head - done : 0n, leader };
  }
}
