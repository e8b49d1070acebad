/**
 * Failed logins per account. After `maxFailures` failures within `lockMs` the
 * account is locked for `lockMs`; a success clears the count. Unknown usernames
 * are counted too, so a lock does not reveal whether an account exists.
 *
 * In memory, per process: several API instances each count on their own, which
 * at worst multiplies the allowance by the number of instances.
 */
export class LoginAttempts {
  private readonly entries = new Map<string, { failures: number[]; lockedUntil?: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly lockMs: number,
    private readonly now: () => number = Date.now,
    /** Bounds memory under a flood of invented usernames. */
    private readonly maxEntries = 10_000,
  ) {}

  /** When the account is locked now, the time it unlocks; otherwise undefined. */
  lockedUntil(username: string): Date | undefined {
    const entry = this.entries.get(key(username));
    if (entry?.lockedUntil !== undefined && entry.lockedUntil > this.now()) return new Date(entry.lockedUntil);
    return undefined;
  }

  /** Records a failure; returns the unlock time when this failure locks the account. */
  recordFailure(username: string): Date | undefined {
    const now = this.now();
    const k = key(username);
    const entry = this.entries.get(k) ?? { failures: [] };
    entry.failures = entry.failures.filter((t) => t > now - this.lockMs);
    entry.failures.push(now);
    if (entry.failures.length >= this.maxFailures) {
      entry.lockedUntil = now + this.lockMs;
      entry.failures = [];
    }
    this.entries.delete(k);
    this.entries.set(k, entry);
    this.prune(now);
    return entry.lockedUntil !== undefined && entry.lockedUntil > now ? new Date(entry.lockedUntil) : undefined;
  }

  recordSuccess(username: string): void {
    this.entries.delete(key(username));
  }

  private prune(now: number): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [k, e] of this.entries) {
      const live = (e.lockedUntil ?? 0) > now || e.failures.some((t) => t > now - this.lockMs);
      if (!live) this.entries.delete(k);
    }
    // Still too many: drop the oldest failure counts (Map keeps insertion order), never a lock.
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      if ((e.lockedUntil ?? 0) <= now) this.entries.delete(k);
    }
  }
}

function key(username: string): string {
  return username.trim().toLowerCase();
}
