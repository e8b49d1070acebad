import { type DynamicModule, Module } from '@nestjs/common';
import { type ProjectionsConfig, ProjectionsModule } from '@app/projections';
import { EventStoreModule, type RuntimeConfig, RuntimeModule, type StoreConfig } from '@app/runtime';
import { type JobsConfig, JobsModule, OpsHealthModule } from '@app/runtime/jobs';
import { WorkerDirectoryModule } from './worker-directory.module';
import { WorkerModule } from './worker.module';

export interface WorkerAppOptions {
  store?: StoreConfig;
  runtime?: RuntimeConfig;
  jobs?: JobsConfig;
  /** Serve `/health` and `/metrics` (when the process listens on a port). */
  http?: boolean;
  /**
   * Keep the read models (case index, movements, inaction ledger) in this
   * process, so API processes can run with `PROJECTIONS_FOLLOW=false` and spend
   * their event loop on requests. Settings as the API's (`PROJECTIONS_*`).
   */
  projections?: ProjectionsConfig | false;
}

/**
 * The worker-only process: store, runtime, Redis, directory, workers (and
 * `/health`, `/metrics` when listening; the read models when asked).
 */
@Module({})
export class WorkerAppModule {
  static forRoot(options: WorkerAppOptions = {}): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [
        EventStoreModule.forRoot(options.store),
        RuntimeModule.forRoot(options.runtime),
        JobsModule.forRoot(options.jobs),
        WorkerDirectoryModule,
        WorkerModule.forRoot(),
        ...(options.http ? [OpsHealthModule] : []),
        ...(options.projections ? [ProjectionsModule.forRoot(options.projections, { http: false })] : []),
      ],
    };
  }
}
