import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { EngineMetrics } from './engine-metrics';
import { EngineQueues } from './engine-queues';
import { EngineStatus } from './engine-status';
import { IncidentIndex, InboxReadModel } from './effects-read-models';
import { JobsConfig, loadJobsConfig } from './jobs.config';
import { RedisConnections } from './redis-connections';
import { type EngineKeys, engineKeys } from './redis-keys';

/** The validated {@link JobsConfig}. */
export const JOBS_CONFIG = Symbol('JOBS_CONFIG');
/** The engine's Redis key names ({@link EngineKeys}). */
export const ENGINE_KEYS = Symbol('ENGINE_KEYS');
/** The prom-client registry `/metrics` serves; register other metrics in it. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

@Injectable()
class JobsLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly queues: EngineQueues,
    private readonly connections: RedisConnections,
  ) {}

  // Workers stop in beforeApplicationShutdown (WorkerModule); the connections go last.
  async onApplicationShutdown(): Promise<void> {
    await this.queues.close();
    await this.connections.close();
  }
}

/**
 * Redis, the queues (producer side), the effects read models and the metrics
 * registry, for the whole app (global). Import once per app, next to
 * `EventStoreModule`; the API, the worker and the ops endpoints use it.
 */
@Global()
@Module({})
export class JobsModule {
  static forRoot(config: JobsConfig = loadJobsConfig()): DynamicModule {
    return {
      module: JobsModule,
      providers: [
        { provide: JOBS_CONFIG, useValue: config },
        { provide: ENGINE_KEYS, useValue: engineKeys(config.QUEUE_PREFIX) },
        { provide: RedisConnections, useFactory: () => new RedisConnections(config.REDIS_URL) },
        {
          provide: EngineQueues,
          useFactory: (connections: RedisConnections) => new EngineQueues(config, connections),
          inject: [RedisConnections],
        },
        {
          provide: METRICS_REGISTRY,
          useFactory: () => {
            const registry = new Registry();
            collectDefaultMetrics({ register: registry });
            return registry;
          },
        },
        { provide: EngineMetrics, useFactory: (r: Registry) => new EngineMetrics(r), inject: [METRICS_REGISTRY] },
        {
          provide: InboxReadModel,
          useFactory: (c: RedisConnections, k: EngineKeys) => new InboxReadModel(c.client, k),
          inject: [RedisConnections, ENGINE_KEYS],
        },
        {
          provide: IncidentIndex,
          useFactory: (c: RedisConnections, k: EngineKeys) => new IncidentIndex(c.client, k),
          inject: [RedisConnections, ENGINE_KEYS],
        },
        {
          provide: EngineStatus,
          useFactory: (c: RedisConnections, k: EngineKeys, store: EventStore) => new EngineStatus(c.client, k, store),
          inject: [RedisConnections, ENGINE_KEYS, EVENT_STORE],
        },
        JobsLifecycle,
      ],
      exports: [
        JOBS_CONFIG,
        ENGINE_KEYS,
        RedisConnections,
        EngineQueues,
        METRICS_REGISTRY,
        EngineMetrics,
        InboxReadModel,
        IncidentIndex,
        EngineStatus,
      ],
    };
  }
}

/** For constructor parameters: `@Inject(JOBS_CONFIG) config: JobsConfig`. */
export const InjectJobsConfig = () => Inject(JOBS_CONFIG);
