import type { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@app/event-store';
import {
  CaseService,
  EventStoreModule,
  loadRuntimeConfig,
  RuntimeModule,
  loadStoreConfig,
  WORKFLOW_REGISTRY,
} from '@app/runtime';
import { type JobsConfig, JobsModule } from '@app/runtime/jobs';
import { WorkerDirectoryModule } from '../worker-directory.module';
import { WorkerModule } from '../worker.module';
import { createProbeRegistry } from './probe-workflow';

export interface TestAppOptions {
  sqlite: string;
  jobs: JobsConfig;
  /** Run the worker (processors, dispatcher, reconciler, projector) in this app. Default true. */
  worker?: boolean;
  /** More modules (HTTP modules, AuthModule) for e2e tests. */
  imports?: Array<Type<unknown> | DynamicModule>;
  /** Use the directory from these modules instead of `WorkerDirectoryModule`. */
  ownDirectory?: boolean;
}

/** A Nest app with the real store, runtime, Redis and (optionally) worker, and the probe workflow. */
export async function createTestApp(options: TestAppOptions): Promise<TestingModule> {
  const store = loadStoreConfig({ SQLITE_PATH: options.sqlite, SQLITE_SYNCHRONOUS: 'NORMAL', SQLITE_POLL_MS: '10' });
  return Test.createTestingModule({
    imports: [
      EventStoreModule.forRoot(store),
      RuntimeModule.forRoot(loadRuntimeConfig({})),
      JobsModule.forRoot(options.jobs),
      ...(options.ownDirectory ? [] : [WorkerDirectoryModule]),
      ...(options.worker === false ? [] : [WorkerModule.forRoot()]),
      ...(options.imports ?? []),
    ],
  })
    .overrideProvider(WORKFLOW_REGISTRY)
    .useValue(createProbeRegistry())
    .compile();
}

/** Every event of the log, oldest first. */
export async function allEvents(app: INestApplicationContext): Promise<RecordedEvent[]> {
  const store = app.get<EventStore>(EVENT_STORE);
  const events: RecordedEvent[] = [];
  for await (const event of store.readAll()) events.push(event);
  return events;
}

export function casesOf(app: INestApplicationContext): CaseService {
  return app.get(CaseService);
}
