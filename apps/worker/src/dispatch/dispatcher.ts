import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AllSubscription, EVENT_STORE, type EventStore, type RecordedEvent } from '@app/event-store';
import { RISK_LEVEL_SET, RiskChangePropagator } from '@app/runtime';
import { ENGINE_KEYS, type EngineKeys, EngineStatus, JOBS_CONFIG, type JobsConfig } from '@app/runtime/jobs';
import type { LeaderLock } from '../leader/leader-lock';
import { Batcher } from './batches';
import { JobScheduler } from './job-scheduler';

/**
 * Follows the global log from its checkpoint and enqueues each event's effects
 * and timers (removing cancelled timers). Runs only in the process holding the
 * leader lock. The checkpoint is saved after the batch's jobs are in Redis, so
 * a crash re-dispatches at most one batch, which the job ids make harmless.
 *
 * Until the subscription has caught up with the head of the log, events are
 * dispatched "checked" (each job looked up, the case read again before adding);
 * once live, in bulk. No checkpoint at all (a new Redis, or one that was
 * flushed), or one past the head of the log (another store's), means: start
 * from the head of the log; the reconciler's start-up scan enqueues
 * everything older that the store still owes.
 */
@Injectable()
export class Dispatcher {
  private readonly logger = new Logger('Dispatcher');
  private subscription: AllSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private lastPosition: bigint | undefined;
  private positioned: (() => void) | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    @Inject(ENGINE_KEYS) private readonly keys: EngineKeys,
    private readonly status: EngineStatus,
    private readonly scheduler: JobScheduler,
    private readonly riskChanges: RiskChangePropagator,
  ) {}

  /** Position of the last event dispatched in this term (tests, logs). */
  get position(): bigint | undefined {
    return this.lastPosition;
  }

  /**
   * Starts following the log. Resolves once the starting position is fixed
   * (the checkpoint read, or the head of the log saved as the checkpoint), or
   * the first attempt failed: the reconciler's scan must begin after that, so
   * no event falls between the scan and the subscription.
   */
  start(lock: LeaderLock): Promise<void> {
    if (this.running) return Promise.resolve();
    this.stopping = false;
    const positioned = new Promise<void>((resolve) => {
      this.positioned = resolve;
    });
    this.running = this.loop(lock).finally(() => {
      this.running = undefined;
      this.markPositioned();
    });
    return positioned;
  }

  private markPositioned(): void {
    const resolve = this.positioned;
    this.positioned = undefined;
    resolve?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    await this.running;
  }

  private async loop(lock: LeaderLock): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.follow(lock);
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures++;
        this.markPositioned();
        const wait = Math.min(100 * 2 ** Math.min(failures, 6), 5000);
        this.logger.warn(
          `dispatching stopped (${(error as Error).message}); resuming from the checkpoint in ${wait} ms`,
        );
        await sleep(wait);
      } finally {
        await this.subscription?.close();
        this.subscription = undefined;
      }
    }
  }

  private async follow(lock: LeaderLock): Promise<void> {
    let checkpoint = await this.status.checkpoint();
    const head = checkpoint === null ? undefined : await this.store.headPosition();
    if (checkpoint !== null && head !== undefined && checkpoint > head) {
      // Only an event the log holds can be a checkpoint: this one is another store's (a new data
      // directory with the same Redis and prefix). Trusting it would skip this log's events up to it.
      this.logger.warn(
        `checkpoint ${checkpoint} is past the head of the log (${head}): it belongs to another store; ignored`,
      );
      checkpoint = null;
    }
    if (checkpoint === null) {
      checkpoint = head ?? (await this.store.headPosition());
      await this.saveCheckpoint(lock, checkpoint);
      this.logger.log(
        `no checkpoint in Redis: dispatching from the head of the log (${checkpoint}); the reconciler covers older work`,
      );
    } else {
      this.logger.log(`dispatching from checkpoint ${checkpoint}`);
    }
    const subscription = this.store.subscribeToAll({ fromPosition: checkpoint === 0n ? 'start' : checkpoint });
    this.subscription = subscription;
    this.markPositioned();
    const batches = new Batcher(subscription[Symbol.asyncIterator](), this.config.DISPATCH_BATCH);
    let live = false;
    for (;;) {
      const messages = await batches.next();
      if (!messages || this.stopping) return;
      const events: RecordedEvent[] = [];
      let caughtUp = false;
      for (const message of messages) {
        if (message.kind === 'event') events.push(message.event);
        else caughtUp = true;
      }
      if (events.length > 0) {
        await this.scheduler.dispatch(events, !live);
        // A register change reaches the open trips to that place before the checkpoint moves past it;
        // a failure re-runs the batch (the propagator leaves cases that already know the level alone).
        for (const event of events) if (event.type === RISK_LEVEL_SET) await this.riskChanges.propagate(event);
        const last = events[events.length - 1].position;
        if (!(await this.saveCheckpoint(lock, last))) throw new Error('the leader lock was lost');
        this.lastPosition = last;
      }
      if (caughtUp && !live) {
        live = true;
        this.logger.log('caught up with the log; dispatching live');
      }
    }
  }

  private saveCheckpoint(lock: LeaderLock, position: bigint): Promise<boolean> {
    return lock.fencedSet(this.keys.dispatcherCheckpoint, position.toString());
  }
}
