import type { CaseState, EventMetadata, WorkflowDefinition } from '@app/engine';
import type { RecordedEvent } from '@app/event-store';
import type Database from 'better-sqlite3';

/** One case event with the case as it was just before it and just after it (folded by the engine). */
export interface CaseChange {
  event: RecordedEvent;
  metadata: EventMetadata;
  /** The version of the process the case runs on. */
  def: WorkflowDefinition;
  /** `undefined` for CASE_STARTED. */
  before: CaseState | undefined;
  after: CaseState;
}

/**
 * An event of the global log as the runner hands it to the projections:
 * a case event with its change, or any other event (only its position
 * matters), or a case event the engine could not fold (recorded and skipped).
 */
export interface ProjectedEvent {
  event: RecordedEvent;
  change?: CaseChange;
  /** Why the engine could not fold it (a history it cannot replay). */
  error?: string;
}

/** Applies changes to the tables of one read model, on the writer connection, inside the runner's transaction. */
export interface ProjectionWriter {
  apply(change: CaseChange): void;
}

/**
 * A read model: tables in the projections database, kept from case events.
 * `apply` runs inside the transaction that also moves the projection's
 * checkpoint, so every event is applied exactly once per database file.
 */
export interface Projection {
  /** Stable name: the key of its checkpoint. */
  readonly name: string;
  /**
   * Bump when its tables or what goes in them change: on start-up a stored
   * version that differs drops the tables and replays the log for this
   * projection alone.
   */
  readonly version: number;
  /** Creates its tables and indexes if missing. */
  create(db: Database.Database): void;
  /** Drops its tables. */
  drop(db: Database.Database): void;
  /** Prepares its statements on the writer connection (after `create`). */
  writer(db: Database.Database): ProjectionWriter;
}
