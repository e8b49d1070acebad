import 'reflect-metadata';
import { type INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadProjectionsConfig, type ProjectionsConfig } from '@app/projections';
import { WorkerAppModule } from './worker-app.module';

/**
 * The worker process: BullMQ workers, and the dispatcher, reconciler and
 * projector when it holds the lock. Run as many as you like. With
 * `WORKER_HTTP_PORT` set it also serves `/health` and `/metrics` there.
 * SIGTERM/SIGINT: running jobs finish, the lock is released, connections close.
 */
export async function bootstrapWorker(): Promise<INestApplicationContext> {
  const projections = workerProjections(process.env);
  const port = process.env.WORKER_HTTP_PORT ? Number(process.env.WORKER_HTTP_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`WORKER_HTTP_PORT must be a port number, got ${process.env.WORKER_HTTP_PORT}`);
  }
  if (port === undefined) {
    const app = await NestFactory.createApplicationContext(WorkerAppModule.forRoot({ projections }));
    app.enableShutdownHooks();
    return app;
  }
  const app = await NestFactory.create(WorkerAppModule.forRoot({ http: true, projections }));
  app.enableShutdownHooks();
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  return app;
}

/**
 * `WORKER_PROJECTIONS=true` (default): this worker keeps the read models too,
 * with the API's `PROJECTIONS_*` settings; several processes on one host share
 * the file and apply each event once. `false`: it leaves them to the API.
 */
function workerProjections(env: NodeJS.ProcessEnv): ProjectionsConfig | false {
  const value = env.WORKER_PROJECTIONS ?? 'true';
  if (value !== 'true' && value !== 'false') {
    throw new Error(`WORKER_PROJECTIONS must be true or false, got ${value}`);
  }
  return value === 'true' ? loadProjectionsConfig(env) : false;
}

if (require.main === module) {
  bootstrapWorker()
    .then(() => new Logger('Worker').log('worker started'))
    .catch((error: unknown) => {
      new Logger('Worker').error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    });
}
