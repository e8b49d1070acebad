import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WORKFLOW_REGISTRY } from '@app/runtime';
import { WorkerAppModule } from '../worker-app.module';
import { createProbeRegistry } from './probe-workflow';

/**
 * The real worker process with the test-only probe workflow registered
 * instead of the deployment's: what the fault tests spawn (and kill).
 * Settings come from the environment, as in `main.ts`.
 */
async function main(): Promise<void> {
  const moduleRef = await Test.createTestingModule({ imports: [WorkerAppModule.forRoot()] })
    .overrideProvider(WORKFLOW_REGISTRY)
    .useValue(createProbeRegistry())
    .setLogger(new ConsoleLogger({ colors: false }))
    .compile();
  moduleRef.enableShutdownHooks();
  await moduleRef.init();
  new Logger('ProbeWorker').log(`probe worker ${process.pid} started`);
}

main().catch((error: unknown) => {
  new Logger('ProbeWorker').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
