import type { WorkflowRegistry } from '@app/engine';
import type { EventStore } from '@app/event-store';
import { CaseIndexProjection } from './cases/case-index.projection';
import { InactionLedgerProjection } from './inaction/inaction-ledger.projection';
import { MovementRegisterProjection } from './movements/movement-register.projection';
import type { ProjectionsConfig } from './projections.config';
import type { Projection } from './runner/projection';
import { ProjectionDatabase } from './runner/projection-database';
import { ProjectionRunner, type RunnerLogger } from './runner/projection-runner';

/** Every read model this deployment keeps. */
export function createProjections(): Projection[] {
  return [new CaseIndexProjection(), new MovementRegisterProjection(), new InactionLedgerProjection()];
}

/**
 * A runner over the configured file without Nest (the CLI's `projections
 * rebuild`): `await runner.rebuild()`, then `close()`.
 */
export function openProjections(
  store: EventStore,
  registry: WorkflowRegistry,
  config: Pick<
    ProjectionsConfig,
    'PROJECTIONS_PATH' | 'PROJECTIONS_SYNCHRONOUS' | 'PROJECTIONS_BATCH_SIZE' | 'PROJECTIONS_CACHE_SIZE'
  >,
  logger?: RunnerLogger,
): { runner: ProjectionRunner; db: ProjectionDatabase; close(): Promise<void> } {
  const db = new ProjectionDatabase({ path: config.PROJECTIONS_PATH, synchronous: config.PROJECTIONS_SYNCHRONOUS });
  const runner = new ProjectionRunner(store, registry, db, createProjections(), {
    batchSize: config.PROJECTIONS_BATCH_SIZE,
    cacheSize: config.PROJECTIONS_CACHE_SIZE,
    logger,
  });
  return {
    runner,
    db,
    async close() {
      await runner.stop();
      db.close();
    },
  };
}
