import type { ChainableCommander, Redis } from 'ioredis';
import type { EngineKeys } from './redis-keys';

/**
 * One delivered notification. The inbox is a projection of the log: the
 * notify worker records the people it resolved in `EFFECT_SUCCEEDED.result`,
 * and the projector turns that event into an item in each person's inbox.
 * Redis holds it; losing Redis loses nothing, the projector rebuilds it.
 */
export interface InboxItem {
  /** The notify effect's id. */
  id: string;
  caseId: string;
  process: string;
  template: string;
  data: Record<string, unknown>;
  recipients: string[];
  /** When the delivery was recorded (the EFFECT_SUCCEEDED's `occurredAt`). */
  deliveredAt: string;
}

/** `EFFECT_SUCCEEDED.result` of a notify effect: what was delivered to whom. */
export interface NotifyResult {
  kind: 'notify';
  recipients: string[];
  template: string;
  data: Record<string, unknown>;
  /** Symbolic recipients that named nobody in the directory. */
  unresolved?: unknown[];
  webhook?: { status: number };
}

export function isNotifyResult(value: unknown): value is NotifyResult {
  const r = value as NotifyResult | undefined;
  return r?.kind === 'notify' && Array.isArray(r.recipients) && typeof r.template === 'string';
}

export interface InboxPage {
  items: InboxItem[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextBefore?: number;
}

/** The inbox read model: each person's items newest first. */
export class InboxReadModel {
  constructor(
    private readonly redis: Redis,
    private readonly keys: EngineKeys,
  ) {}

  async list(personId: string, options: { limit?: number; before?: number } = {}): Promise<InboxPage> {
    const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
    const max = options.before === undefined ? '+inf' : `(${options.before}`;
    const raw = await this.redis.zrevrangebyscore(
      this.keys.inboxOf(personId),
      max,
      '-inf',
      'WITHSCORES',
      'LIMIT',
      0,
      limit,
    );
    const ids: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      ids.push(raw[i]);
      scores.push(Number(raw[i + 1]));
    }
    if (ids.length === 0) return { items: [] };
    const bodies = await this.redis.hmget(this.keys.inboxItems, ...ids);
    const items = bodies.filter((b): b is string => b !== null).map((b) => JSON.parse(b) as InboxItem);
    return ids.length === limit ? { items, nextBefore: scores[scores.length - 1] } : { items };
  }

  /**
   * Adds items to their recipients' inboxes (idempotent: an item's id is its
   * effect id): one HSET for the bodies and one ZADD per person, however many
   * items, so a projected batch costs a few commands.
   */
  static writeAll(tx: ChainableCommander, keys: EngineKeys, items: readonly InboxItem[]): void {
    if (items.length === 0) return;
    const bodies: string[] = [];
    const byPerson = new Map<string, Array<number | string>>();
    for (const item of items) {
      bodies.push(item.id, JSON.stringify(item));
      const score = Date.parse(item.deliveredAt);
      for (const person of item.recipients) {
        let entries = byPerson.get(person);
        if (!entries) {
          entries = [];
          byPerson.set(person, entries);
        }
        entries.push(score, item.id);
      }
    }
    tx.hset(keys.inboxItems, ...bodies);
    for (const [person, entries] of byPerson) tx.zadd(keys.inboxOf(person), ...entries);
  }
}

/** An entry of the incident index; the case (`GET /cases/:id`) holds the full incident. */
export interface IncidentEntry {
  /** The effect id; also the incident's id in `POST /incidents/:id/retry`. */
  effectId: string;
  caseId: string;
  attempt: number;
  error: string;
  failedAt: string;
}

/**
 * Where the incidents are, across cases: EFFECT_FAILED with `final` adds one,
 * EFFECT_SUCCEEDED or EFFECT_RETRY_REQUESTED removes it. Kept by the projector,
 * rebuilt from the log when lost.
 */
export class IncidentIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: EngineKeys,
  ) {}

  async list(): Promise<IncidentEntry[]> {
    const all = await this.redis.hgetall(this.keys.incidents);
    return Object.values(all)
      .map((v) => JSON.parse(v) as IncidentEntry)
      .sort((a, b) => (a.failedAt < b.failedAt ? 1 : a.failedAt > b.failedAt ? -1 : 0));
  }

  async get(effectId: string): Promise<IncidentEntry | undefined> {
    const raw = await this.redis.hget(this.keys.incidents, effectId);
    return raw === null ? undefined : (JSON.parse(raw) as IncidentEntry);
  }

  count(): Promise<number> {
    return this.redis.hlen(this.keys.incidents);
  }

  /** Adds (or replaces) entries, in one command. */
  static addAll(tx: ChainableCommander, keys: EngineKeys, entries: readonly IncidentEntry[]): void {
    if (entries.length === 0) return;
    tx.hset(keys.incidents, ...entries.flatMap((entry) => [entry.effectId, JSON.stringify(entry)]));
  }

  /** Removes the entries of these effects (absent ones are no error), in one command. */
  static removeAll(tx: ChainableCommander, keys: EngineKeys, effectIds: readonly string[]): void {
    if (effectIds.length === 0) return;
    tx.hdel(keys.incidents, ...effectIds);
  }
}
