/**
 * The engine's own Redis keys (besides BullMQ's), all under the queue prefix
 * so one prefix is one deployment (and one test) and deleting `<prefix>:*`
 * removes everything.
 *
 * Everything here is derived from the event store: losing it (FLUSHALL) costs
 * a rebuild, never a fact.
 */
export interface EngineKeys {
  /** The dispatcher's leadership lock (value: the holder's token). */
  leaderLock: string;
  /** Global position of the last event whose jobs were enqueued. */
  dispatcherCheckpoint: string;
  /** Global position of the last event projected into the inbox and the incident index. */
  projectorCheckpoint: string;
  /** HASH effectId → JSON inbox item. */
  inboxItems: string;
  /** ZSET of one person's inbox item ids, scored by time. */
  inboxOf(personId: string): string;
  /** HASH effectId → JSON incident entry (the index; the case stream is the truth). */
  incidents: string;
}

export function engineKeys(prefix: string): EngineKeys {
  const base = `${prefix}:engine`;
  return {
    leaderLock: `${base}:leader`,
    dispatcherCheckpoint: `${base}:dispatcher:checkpoint`,
    projectorCheckpoint: `${base}:projector:checkpoint`,
    inboxItems: `${base}:inbox:items`,
    inboxOf: (personId) => `${base}:inbox:person:${personId}`,
    incidents: `${base}:incidents`,
  };
}
