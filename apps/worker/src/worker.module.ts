import { type DynamicModule, Module } from '@nestjs/common';
import { Dispatcher } from './dispatch/dispatcher';
import { JobScheduler } from './dispatch/job-scheduler';
import { EffectProcessor } from './effects/effect-processor';
import { NotifyEffect } from './effects/notify.effect';
import { ReportUpwardEffect } from './effects/report-upward.effect';
import { SendEventEffect } from './effects/send-event.effect';
import { StartCaseEffect } from './effects/start-case.effect';
import { LeaderElection } from './leader/leader-election';
import { EffectsProjector } from './project/effects-projector';
import { Reconciler } from './reconcile/reconciler';
import { TimerProcessor } from './timers/timer-processor';
import { WorkerRunner } from './worker-runner';

/**
 * The worker: BullMQ workers for every effect kind and for timers, and — in
 * whichever process holds the Redis lock — the dispatcher, the reconciler and
 * the effects projector.
 *
 * Needs, from the app that imports it: `EventStoreModule`, `RuntimeModule`
 * (CaseService, WORKFLOW_REGISTRY), `JobsModule` (Redis, queues) and a
 * `DirectoryService` (AuthModule, or `WorkerDirectoryModule` in a worker-only
 * process). Import it into the API app to run both in one process.
 */
@Module({})
export class WorkerModule {
  static forRoot(): DynamicModule {
    return {
      module: WorkerModule,
      providers: [
        JobScheduler,
        Dispatcher,
        Reconciler,
        EffectsProjector,
        LeaderElection,
        NotifyEffect,
        StartCaseEffect,
        SendEventEffect,
        ReportUpwardEffect,
        EffectProcessor,
        TimerProcessor,
        WorkerRunner,
      ],
      exports: [LeaderElection, Dispatcher, Reconciler, EffectsProjector, JobScheduler],
    };
  }
}
