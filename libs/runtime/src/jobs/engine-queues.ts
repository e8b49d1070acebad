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
    connections: RedisConnections,
  ) {
    for (const name of ALL_QUEUES) {
      const queue = new Queue(name, {
        connection: connections.producer,
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: name === TIMER_QUEUE ? this.timerJobOptions() : this.effectJobOptions(),
      });
      // Errors surface on the calls that fail; the connection logs its own.
      queue.on('error', () => {});
      this.queues.set(name, queue);
    }
  }

  get prefix(): string {
    return this.config.QUEUE_PREFIX;
  }

  effects(kind: EffectKind): Queue {
    return this.byName(EFFECT_QUEUES[kind]);
  }

  timers(): Queue {
    return this.byName(TIMER_QUEUE);
  }

  byName(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue ${name}`);
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
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
    await Promise.all(this.all().map((queue) => queue.close().catch(() => undefined)));
  }
}
