import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Gauge, type Registry } from 'prom-client';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { EngineQueues } from '../engine-queues';
import { EngineStatus } from '../engine-status';
import { IncidentIndex } from '../effects-read-models';
import { JOBS_CONFIG, METRICS_REGISTRY } from '../jobs.module';
import type { JobsConfig } from '../jobs.config';
import { RedisConnections } from '../redis-connections';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

/**
 * What `/health` checks and `/metrics` reads on every scrape: the store, Redis,
 * the dispatcher's lag behind the log, open incidents and the queues.
 */
@Injectable()
export class OpsHealthService {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly connections: RedisConnections,
    private readonly status: EngineStatus,
    private readonly incidents: IncidentIndex,
    private readonly queues: EngineQueues,
  ) {
    this.registerGauges(registry);
  }

  async storeHealth() {
    const check = this.indicators.check('store');
    try {
      const head = await this.store.headPosition();
      return check.up({ headPosition: head.toString() });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  async redisHealth() {
    const check = this.indicators.check('redis');
    const started = Date.now();
    try {
      await withTimeout(this.connections.client.ping(), 2000);
      return check.up({ pingMs: Date.now() - started });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  /** Down when no process holds the dispatcher lock, or it is more than HEALTH_MAX_LAG events behind. */
  async dispatcherHealth() {
    const check = this.indicators.check('dispatcher');
    try {
      const s = await withTimeout(this.status.dispatcher(), 2000);
      const data = {
        lag: Number(s.lag),
        checkpoint: s.checkpoint?.toString() ?? null,
        head: s.head.toString(),
        leader: s.leader,
      };
      if (!s.leader) return check.down({ ...data, message: 'no dispatcher is running' });
      if (s.lag > BigInt(this.config.HEALTH_MAX_LAG))
        return check.down({ ...data, message: 'the dispatcher is behind' });
      return check.up(data);
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  /** Up whatever the count: an incident is work for an operator, not an outage. */
  async incidentsHealth() {
    const check = this.indicators.check('incidents');
    try {
      return check.up({ open: await withTimeout(this.incidents.count(), 2000) });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  private registerGauges(registry: Registry): void {
    const status = this.status;
    const store = this.store;
    new Gauge({
      name: 'workflow_event_store_head_position',
      help: 'Global position of the newest event in the log',
      registers: [registry],
      async collect() {
        this.set(Number(await store.headPosition().catch(() => 0n)));
      },
    });
    new Gauge({
      name: 'workflow_dispatcher_lag_events',
      help: 'Events in the log the dispatcher has not enqueued yet (-1: unknown)',
      registers: [registry],
      async collect() {
        try {
          this.set(Number((await withTimeout(status.dispatcher(), 2000)).lag));
        } catch {
          this.set(-1);
        }
      },
    });
    new Gauge({
      name: 'workflow_dispatcher_leader',
      help: '1 when some process holds the dispatcher lock',
      registers: [registry],
      async collect() {
        try {
          this.set((await withTimeout(status.dispatcher(), 2000)).leader ? 1 : 0);
        } catch {
          this.set(0);
        }
      },
    });
    const incidents = this.incidents;
    new Gauge({
      name: 'workflow_incidents_open',
      help: 'Effects that exhausted their retries and wait for an operator (-1: unknown)',
      registers: [registry],
      async collect() {
        this.set(await withTimeout(incidents.count(), 2000).catch(() => -1));
      },
    });
    const redis = this.connections.client;
    new Gauge({
      name: 'workflow_redis_up',
      help: '1 when Redis answers a PING',
      registers: [registry],
      async collect() {
        this.set(
          await withTimeout(redis.ping(), 2000).then(
            () => 1,
            () => 0,
          ),
        );
      },
    });
    const queues = this.queues;
    new Gauge({
      name: 'workflow_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        await Promise.all(
          queues.all().map(async (queue) => {
            try {
              const counts = await withTimeout(queue.getJobCounts(...JOB_STATES), 2000);
              for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
            } catch {
              // Redis down: no figures for this scrape (workflow_redis_up says why).
            }
          }),
        );
      },
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
