import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Projection, ProjectionWriter, ProjectedEvent } from './projection';

export interface ProjectionDatabaseOptions {
  path: string;
  synchronous?: 'OFF' | 'NORMAL' | 'FULL';
  busyTimeoutMs?: number;
}

/** A case event the engine could not fold, or a projection failed to apply: recorded, then skipped. */
export interface ProjectionError {
  position: string;
  projection: string | null;
  streamId: string;
  eventId: string;
  eventType: string;
  message: string;
  recordedAt: string;
}

/** Where each projection stands: the global position of the last event it has applied (`null`: none yet). */
export type Checkpoints = ReadonlyMap<string, bigint | null>;

const CHECKPOINTS_DDL = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  position INTEGER,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS projection_errors (
  position INTEGER NOT NULL,
  projection TEXT,
  stream_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  message TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);`;

/**
 * The read-model database: one SQLite file with every projection's tables
 * and checkpoints. Two connections: the runner writes on one; queries read
 * on the other, so a reader only ever sees committed transactions (WAL), and
 * never a rebuild half done.
 */
export class ProjectionDatabase {
  readonly path: string;
  /** The runner's connection. */
  readonly writer: Database.Database;
  /** The queries' connection (read-only). */
  readonly reader: Database.Database;
  private readonly selectCheckpoints: Database.Statement;
  private readonly readCheckpoints: Database.Statement;
  private readonly upsertCheckpoint: Database.Statement;
  private readonly insertError: Database.Statement;
  private readonly applyOne: (writer: ProjectionWriter, item: ProjectedEvent) => void;
  private closed = false;

  constructor(options: ProjectionDatabaseOptions) {
    if (options.path === ':memory:' || options.path.startsWith('file:')) {
      throw new Error('ProjectionDatabase: PROJECTIONS_PATH must be a file path (queries read on a second connection)');
    }
    this.path = resolve(options.path);
    mkdirSync(dirname(this.path), { recursive: true });
    const timeout = options.busyTimeoutMs ?? 5_000;
    this.writer = new Database(this.path, { timeout });
    try {
      this.writer.pragma('journal_mode = WAL');
      this.writer.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      this.writer.exec(CHECKPOINTS_DDL);
      this.reader = new Database(this.path, { timeout, readonly: true });
    } catch (error) {
      this.writer.close();
      throw error;
    }
    this.selectCheckpoints = this.writer
      .prepare('SELECT name, version, position FROM projection_checkpoints')
      .safeIntegers(true);
    this.readCheckpoints = this.reader.prepare('SELECT name, position FROM projection_checkpoints').safeIntegers(true);
    this.upsertCheckpoint = this.writer.prepare(
      `INSERT INTO projection_checkpoints (name, version, position, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET version = excluded.version, position = excluded.position, updated_at = excluded.updated_at`,
    );
    this.insertError = this.writer.prepare(
      'INSERT INTO projection_errors (position, projection, stream_id, event_id, event_type, message, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // Nested in applyBatch's transaction this is a savepoint: a failing event is undone alone.
    this.applyOne = this.writer.transaction((writer: ProjectionWriter, item: ProjectedEvent) =>
      writer.apply(item.change!),
    );
  }

  /**
   * Creates missing tables; a projection whose stored version differs from
   * its code is dropped and starts again from the beginning of the log.
   * Returns the names of the projections that start over.
   */
  install(projections: readonly Projection[]): string[] {
    const reset: string[] = [];
    this.writer
      .transaction(() => {
        const stored = new Map<string, bigint>();
        for (const row of this.selectCheckpoints.all() as Array<{ name: string; version: bigint }>) {
          stored.set(row.name, row.version);
        }
        for (const projection of projections) {
          const version = stored.get(projection.name);
          if (version !== undefined && version !== BigInt(projection.version)) {
            projection.drop(this.writer);
            reset.push(projection.name);
          }
          projection.create(this.writer);
          if (version === undefined || version !== BigInt(projection.version)) {
            this.upsertCheckpoint.run(projection.name, projection.version, null, new Date().toISOString());
          }
        }
      })
      .immediate();
    return reset;
  }

  /** Drops and re-creates every projection's tables with empty checkpoints. Call inside a writer transaction. */
  reset(projections: readonly Projection[]): void {
    for (const projection of projections) {
      projection.drop(this.writer);
      projection.create(this.writer);
      this.upsertCheckpoint.run(projection.name, projection.version, null, new Date().toISOString());
    }
    this.writer.exec('DELETE FROM projection_errors');
  }

  /** Checkpoints as committed (reader connection): what queries can rely on. */
  committedCheckpoints(): Checkpoints {
    const rows = this.readCheckpoints.all() as Array<{ name: string; position: bigint | null }>;
    return new Map(rows.map((row) => [row.name, row.position]));
  }

  /**
   * Applies a batch in one IMMEDIATE transaction: each projection gets the
   * events after its own checkpoint (read under the write lock, so two
   * processes sharing the file never both apply one), and its checkpoint
   * moves to the batch's last position in the same transaction. A projection
   * that throws on one event has that event undone (savepoint), recorded in
   * `projection_errors`, and skipped: one bad event must not stop the read models.
   */
  applyBatch(batch: readonly ProjectedEvent[], writers: ReadonlyMap<string, ProjectionWriter>, upTo?: bigint): void {
    if (batch.length === 0 && upTo === undefined) return;
    const last = batch.length > 0 ? batch[batch.length - 1].event.position : upTo!;
    const end = upTo !== undefined && upTo > last ? upTo : last;
    this.writer
      .transaction(() => {
        const now = new Date().toISOString();
        const checkpoints = new Map<string, { version: bigint; position: bigint | null }>();
        for (const row of this.selectCheckpoints.all() as Array<{
          name: string;
          version: bigint;
          position: bigint | null;
        }>) {
          checkpoints.set(row.name, { version: row.version, position: row.position });
        }
        const behind = (name: string, position: bigint): boolean => {
          const checkpoint = checkpoints.get(name)?.position;
          return checkpoint === null || checkpoint === undefined || position > checkpoint;
        };
        for (const item of batch) {
          const position = item.event.position;
          if (item.error !== undefined) {
            if ([...writers.keys()].some((name) => behind(name, position)))
              this.recordError(item, null, item.error, now);
            continue;
          }
          if (!item.change) continue;
          for (const [name, writer] of writers) {
            if (!behind(name, position)) continue;
            try {
              this.applyOne(writer, item);
            } catch (error) {
              this.recordError(item, name, error instanceof Error ? error.message : String(error), now);
            }
          }
        }
        for (const [name] of writers) {
          const stored = checkpoints.get(name);
          if (!stored || behind(name, end)) this.upsertCheckpoint.run(name, stored?.version ?? 0n, end, now);
        }
      })
      .immediate();
  }

  /** The most recent errors, newest first. */
  errors(limit = 100): ProjectionError[] {
    return (
      this.reader
        .prepare(
          'SELECT position, projection, stream_id, event_id, event_type, message, recorded_at FROM projection_errors ORDER BY position DESC LIMIT ?',
        )
        .safeIntegers(true)
        .all(limit) as Array<Record<string, unknown>>
    ).map((row) => ({
      position: String(row.position),
      projection: (row.projection as string | null) ?? null,
      streamId: row.stream_id as string,
      eventId: row.event_id as string,
      eventType: row.event_type as string,
      message: row.message as string,
      recordedAt: row.recorded_at as string,
    }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
    this.writer.close();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private recordError(item: ProjectedEvent, projection: string | null, message: string, now: string): void {
    this.insertError.run(
      item.event.position,
      projection,
      item.event.streamId,
      item.event.id,
      item.event.type,
      message.slice(0, 4000),
      now,
    );
  }
}
