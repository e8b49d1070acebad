import { DynamicModule, Global, Module } from '@nestjs/common';
import { createWorkflowRegistry } from '@app/workflows/registry';
import { CASE_SNAPSHOT_OPTIONS, CaseSnapshots } from './cases/case-snapshots';
import { CASE_RUNTIME_OPTIONS, CaseService, WORKFLOW_REGISTRY } from './cases/case.service';
import { Clock, SystemClock } from './cases/clock';
import { StartFactsProvider } from './cases/start-facts.provider';
import { loadDeadlineOverrides } from './deadlines-file';
import { RiskAreaRegister } from './risk-areas/risk-area-register.service';
import { RiskChangePropagator } from './risk-areas/risk-change.propagator';
import { type RuntimeConfig, loadRuntimeConfig } from './runtime.config';

/**
 * The case runtime: the workflow registry with this deployment's deadlines,
 * the case service (load → decide → append) and the risk-area register.
 * Needs the EventStoreModule (EVENT_STORE) in the same app.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(config: RuntimeConfig = loadRuntimeConfig()): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        {
          provide: WORKFLOW_REGISTRY,
          useFactory: () => createWorkflowRegistry(loadDeadlineOverrides(config.DEADLINES_FILE)),
        },
        {
          provide: CASE_RUNTIME_OPTIONS,
          useValue: { cacheSize: config.CASE_CACHE_SIZE, maxRetries: config.CASE_MAX_RETRIES },
        },
        { provide: CASE_SNAPSHOT_OPTIONS, useValue: { every: config.CASE_SNAPSHOT_EVERY } },
        CaseSnapshots,
        { provide: Clock, useClass: SystemClock },
        RiskAreaRegister,
        RiskChangePropagator,
        StartFactsProvider,
        CaseService,
      ],
      exports: [WORKFLOW_REGISTRY, CaseService, CaseSnapshots, RiskAreaRegister, RiskChangePropagator, Clock],
    };
  }
}
