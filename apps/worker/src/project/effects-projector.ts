import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EFFECT_FAILED,
  EFFECT_RETRY_REQUESTED,
  EFFECT_SUCCEEDED,
  type EffectFailedData,
  type EffectSucceededData,
  type EventMetadata,
} from '@app/engine';
import { type AllSubscription, EVENT_STORE, type EventStore, type RecordedEvent } from '@app/event-store';
import type { ChainableCommander } from 'ioredis';
import {
  ENGINE_KEYS,
  type EngineKeys,
  type InboxItem,
  IncidentIndex,
  type IncidentEntry,
  InboxReadModel,
  isNotifyResult,
  RedisConnections,
} from '@app/runtime/jobs';
import { Batcher } from '../dispatch/batches';

/**
 * Projects the log into the effects read models in Redis: each delivered
 * notification into its recipients' inboxes (`GET /inbox`), and the incident
 * index (`GET /incidents`). Data and checkpoint are written in one MULTI, so
 * they are lost together (FLUSHALL) and the projector then rebuilds from the
 * start of the log. Every write is idempotent, so a batch projected twice is
 * harmless. Runs in the dispatcher's process (the leader).
 */
@Injectable()
export class EffectsProjector {
  private readonly logger = new Logger('EffectsProjector');
  private subscription: AllSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private lastPosition: bigint | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ENGINE_KEYS) private readonly keys: EngineKeys,
    private readonly connections: RedisConnections,
  ) {}

  get position(): bigint | undefined {
    return this.lastPosition;
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    await this.running;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.follow();
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        const wait = Math.min(100 * 2 ** Math.min(failures, 6), 5000);
        this.logger.warn(`projection stopped (${(error as Error).message}); resuming in ${wait} ms`);
        await sleep(wait);
      } finally {
        await this.subscription?.close();
        this.subscription = undefined;
      }
    }
  }

  /** Deletes the inbox, the incident index and the checkpoint (everything here is derived from the log). */
  private async clear(): Promise<void> {
    const redis = this.connections.client;
    const keys = [this.keys.inboxItems, this.keys.incidents, this.keys.projectorCheckpoint];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', this.keys.inboxOf('*'), 'COUNT', 500);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  }

  private async follow(): Promise<void> {
    const redis = this.connections.client;
    const raw = await redis.get(this.keys.projectorCheckpoint);
    let from: bigint | 'start' = raw === null ? 'start' : BigInt(raw);
    if (from !== 'start') {
      const head = await this.store.headPosition();
      if (from > head) {
        // Only an event the log holds can be a checkpoint: the inbox is another store's (a new data
        // directory with the same Redis and prefix). Its items name cases this log has never had.
        this.logger.warn(`checkpoint ${from} is past the head of the log (${head}): rebuilding the inbox`);
        await this.clear();
        from = 'start';
      }
    }
    if (from === 'start')
      this.logger.log('no checkpoint: building the inbox and the incident index from the start of the log');
    const subscription = this.store.subscribeToAll({ fromPosition: from === 0n ? 'start' : from });
    this.subscription = subscription;
    const batches = new Batcher(subscription[Symbol.asyncIterator](), 1000);
    for (;;) {
      const messages = await batches.next();
      if (!messages || this.stopping) return;
      const events = messages.flatMap((m) => (m.kind === 'event' ? [m.event] : []));
      if (events.length === 0) continue;
      const tx = redis.multi();
      const writes = new ProjectedWrites();
      for (const event of events) writes.project(event);
      writes.apply(tx, this.keys);
      const last = events[events.length - 1].position;
      tx.set(this.keys.projectorCheckpoint, last.toString());
      await tx.exec();
      this.lastPosition = last;
    }
  }
}

/**
 * One batch's writes, merged so the MULTI carries a few commands per batch
 * instead of several per event: inbox items go in one HSET and one ZADD per
 * recipient, incidents in one HSET and one HDEL. For an incident only the
 * batch's last word on the effect counts (added, then removed by a success or
 * a retry, or the other way round), which is what applying the events one by
 * one would leave.
 */
export class ProjectedWrites {
  private readonly inbox: InboxItem[] = [];
  /** effect id → the incident entry to store, or null to remove it. */
  private readonly incidents = new Map<string, IncidentEntry | null>();

  project(event: RecordedEvent): void {
    if (event.type === EFFECT_SUCCEEDED) {
      const data = event.data as EffectSucceededData;
      this.incidents.set(data.effectId, null);
      if (isNotifyResult(data.result)) {
        const metadata = event.metadata as EventMetadata;
        this.inbox.push({
          id: data.effectId,
          caseId: event.streamId,
          process: metadata.process,
          template: data.result.template,
          data: data.result.data ?? {},
          recipients: data.result.recipients,
          deliveredAt: metadata.occurredAt,
        });
      }
    } else if (event.type === EFFECT_FAILED) {
      const data = event.data as EffectFailedData;
      if (!data.final) return;
      this.incidents.set(data.effectId, {
        effectId: data.effectId,
        caseId: event.streamId,
        attempt: data.attempt,
        error: data.error,
        failedAt: (event.metadata as EventMetadata).occurredAt,
      });
    } else if (event.type === EFFECT_RETRY_REQUESTED) {
      this.incidents.set((event.data as { effectId: string }).effectId, null);
    }
  }

  apply(tx: ChainableCommander, keys: EngineKeys): void {
    InboxReadModel.writeAll(tx, keys, this.inbox);
    const added: IncidentEntry[] = [];
    const removed: string[] = [];
    for (const [effectId, entry] of this.incidents) {
      if (entry) added.push(entry);
      else removed.push(effectId);
    }
    IncidentIndex.addAll(tx, keys, added);
    IncidentIndex.removeAll(tx, keys, removed);
  }
}
