import { Queue, type JobsOptions } from 'bullmq';
import type { EffectKind } from '@app/engine';
import type { JobsConfig } from './jobs.config';
import { ALL_QUEUES, EFFECT_QUEUES, TIMER_QUEUE } from './jobs.contract';
import type { RedisConnections } from './redis-connections';

/**
 * The producer side of every queue (add, remove, look up, count). One
 * instance per process; the dispatcher, the reconciler, the dashboard and the
 * metrics share it.
 */
export class EngineQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    readonly config: JobsConfig,
    private readonly connections: RedisConnections,
  ) {}

  get prefix(): string {
    return this.config.QUEUE_PREFIX;
  }

  effects(kind: EffectKind): Queue {
    return this.byName(EFFECT_QUEUES[kind]);
  }

  timers(): Queue {
    return this.byName(TIMER_QUEUE);
  }

  /** The queue, opened on first use: a process that never enqueues opens no connection for it. */
  byName(name: string): Queue {
    let queue = this.queues.get(name);
    if (queue) return queue;
    if (!ALL_QUEUES.includes(name)) throw new Error(`no queue ${name}`);
    queue = new Queue(name, {
      connection: this.connections.bullmq('producer'),
      prefix: this.config.QUEUE_PREFIX,
      defaultJobOptions: name === TIMER_QUEUE ? this.timerJobOptions() : this.effectJobOptions(),
    });
    // Errors surface on the calls that fail; the connection logs its own.
    queue.on('error', () => {});
    this.queues.set(name, queue);
    return queue;
  }

  all(): Queue[] {
    return ALL_QUEUES.map((name) => this.byName(name));
  }

  /** Retries with exponential backoff; completed jobs kept so their ids still deduplicate. */
  effectJobOptions(): JobsOptions {
    return {
      attempts: this.config.EFFECT_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.EFFECT_BACKOFF_MS },
      removeOnComplete: { age: this.config.JOBS_KEEP_COMPLETED_S },
      removeOnFail: { age: this.config.JOBS_KEEP_FAILED_S },
    };
  }

  timerJobOptions(): JobsOptions {
    return {
      attempts: this.config.TIMER_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: this.config.JOBS_KEEP_COMPLETED_S },
      removeOnFail: { age: this.config.JOBS_KEEP_FAILED_S },
    };
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.queues.values()].map(async (queue) => {
        // Closing a connection BullMQ is still setting up makes it emit an error nobody can catch.
        await settledWithin(queue.waitUntilReady(), 2000);
        await queue.close().catch(() => undefined);
      }),
    );
    this.queues.clear();
  }
}

/** Waits for `promise` (ignoring its outcome) at most `ms`. */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
