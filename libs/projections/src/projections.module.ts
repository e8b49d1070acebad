import type { WorkflowRegistry } from '@app/engine';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { WORKFLOW_REGISTRY } from '@app/runtime';
import {
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type Provider,
} from '@nestjs/common';
import { CaseIndexHttpController } from './cases/case-index.http.controller';
import { CaseIndexQuery, CaseLinksQuery } from './cases/case-index.query';
import { CaseSummaryReader } from './cases/case-summary.reader';
import { ReadPositionGate } from './http/read-position';
import { InactionHttpController } from './inaction/inaction.http.controller';
import { InactionLedgerQuery } from './inaction/inaction-ledger.query';
import { MovementRegisterQuery } from './movements/movement-register.query';
import { MovementsHttpController } from './movements/movements.http.controller';
import { createProjections } from './projections';
import { loadProjectionsConfig, type ProjectionsConfig } from './projections.config';
import { PROJECTIONS_CONFIG } from './projections.tokens';
import { ProjectionDatabase } from './runner/projection-database';
import { ProjectionRunner } from './runner/projection-runner';

export interface ProjectionsModuleOptions {
  /** Serve the read-model endpoints (default true); off for a process that only keeps the file. */
  http?: boolean;
}

/** Starts following the log when the app has started; stops before the store closes. */
@Injectable()
class ProjectionsLifecycle implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly db: ProjectionDatabase,
    @Inject(PROJECTIONS_CONFIG) private readonly config: ProjectionsConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.PROJECTIONS_FOLLOW === 'true') this.runner.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
  }

  onApplicationShutdown(): void {
    this.db.close();
  }
}

/**
 * The read models (case index, links, register of movements, inaction
 * ledger) in their own SQLite file, kept by a runner that follows the global
 * log in this process, and their HTTP endpoints. Global: exports
 * `ProjectionRunner` (`waitForPosition`, `currentPosition`, `rebuild`,
 * `status`), `CaseSummaryReader` and the queries.
 *
 * Needs, in the same app: `EventStoreModule` (EVENT_STORE), `RuntimeModule`
 * (WORKFLOW_REGISTRY, Clock) and `AuthModule` (DirectoryService, the guard
 * that sets the actor).
 */
@Module({})
export class ProjectionsModule {
  static forRoot(
    config: ProjectionsConfig = loadProjectionsConfig(),
    options: ProjectionsModuleOptions = {},
  ): DynamicModule {
    const providers: Provider[] = [
      { provide: PROJECTIONS_CONFIG, useValue: config },
      {
        provide: ProjectionDatabase,
        inject: [PROJECTIONS_CONFIG],
        useFactory: (cfg: ProjectionsConfig) =>
          new ProjectionDatabase({ path: cfg.PROJECTIONS_PATH, synchronous: cfg.PROJECTIONS_SYNCHRONOUS }),
      },
      {
        provide: ProjectionRunner,
        inject: [EVENT_STORE, WORKFLOW_REGISTRY, ProjectionDatabase, PROJECTIONS_CONFIG],
        useFactory: (store: EventStore, registry: WorkflowRegistry, db: ProjectionDatabase, cfg: ProjectionsConfig) =>
          new ProjectionRunner(store, registry, db, createProjections(), {
            batchSize: cfg.PROJECTIONS_BATCH_SIZE,
            cacheSize: cfg.PROJECTIONS_CACHE_SIZE,
            logger: new Logger('Projections'),
          }),
      },
      ProjectionsLifecycle,
      ReadPositionGate,
      CaseSummaryReader,
      CaseIndexQuery,
      CaseLinksQuery,
      MovementRegisterQuery,
      InactionLedgerQuery,
    ];
    return {
      module: ProjectionsModule,
      global: true,
      providers,
      controllers:
        options.http === false ? [] : [CaseIndexHttpController, MovementsHttpController, InactionHttpController],
      exports: [
        PROJECTIONS_CONFIG,
        ProjectionDatabase,
        ProjectionRunner,
        ReadPositionGate,
        CaseSummaryReader,
        CaseIndexQuery,
        CaseLinksQuery,
        MovementRegisterQuery,
        InactionLedgerQuery,
      ],
    };
  }
}
