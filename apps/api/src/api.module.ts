import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { type ProjectionsConfig, ProjectionsModule } from '@app/projections';
import { EventStoreModule, RuntimeModule, type RuntimeConfig, type StoreConfig } from '@app/runtime';
import {
  EffectsApiModule,
  type JobsConfig,
  JobsModule,
  OpsHealthModule,
  QueueDashboardModule,
} from '@app/runtime/jobs';
import { WorkerModule } from '../../worker/src/worker.module';
import { CaseAccess } from './cases/case-access.service';
import { CasesHttpController } from './cases/cases.http.controller';
import { HealthHttpController } from './health/health.http.controller';
import { MeHttpController } from './me/me.http.controller';
import { ProcessesHttpController } from './processes/processes.http.controller';
import { RiskAreasHttpController } from './risk-areas/risk-areas.http.controller';

/** What the tests can set instead of the environment. */
export interface ApiModuleOptions {
  store?: StoreConfig;
  runtime?: RuntimeConfig;
  projections?: ProjectionsConfig;
  jobs?: JobsConfig;
  /** Run the dispatcher and workers in this process too (`npm start`); `API_WITH_WORKER=false` turns it off. */
  withWorker?: boolean;
}

/** The HTTP API: cases, processes, the risk-area register, health; auth on every route but login and health. */
@Module({})
export class ApiModule {
  static forRoot(options: ApiModuleOptions = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        EventStoreModule.forRoot(options.store),
        RuntimeModule.forRoot(options.runtime),
        AuthModule.forRootFromEnv({ meEndpoint: false }),
        ProjectionsModule.forRoot(options.projections),
        JobsModule.forRoot(options.jobs),
        EffectsApiModule,
        OpsHealthModule,
        QueueDashboardModule,
        ...((options.withWorker ?? process.env.API_WITH_WORKER !== 'false') ? [WorkerModule.forRoot()] : []),
      ],
      controllers: [
        MeHttpController,
        CasesHttpController,
        ProcessesHttpController,
        RiskAreasHttpController,
        HealthHttpController,
      ],
      providers: [CaseAccess],
    };
  }
}
