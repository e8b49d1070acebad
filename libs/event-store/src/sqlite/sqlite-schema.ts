import type Database from 'better-sqlite3';

/** Bumped (with a migration step below) whenever the table layout changes. */
export const SQLITE_SCHEMA_VERSION = 1;

/**
 * One table holds the log. `position` is the global ($all) position; it is an
 * AUTOINCREMENT rowid so a position is never reused, even if rows were ever
 * removed by hand, which would otherwise rewind subscribers' checkpoints.
 *
 * A stream's current revision is the top of the `UNIQUE (stream_id, revision)`
 * index (one b-tree seek), so no separate streams table has to be kept in step.
 * `category` is stored so that filtered $all reads and subscriptions walk an
 * index instead of scanning the whole log.
 */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id TEXT    NOT NULL,
  revision  INTEGER NOT NULL,
  event_id  TEXT    NOT NULL UNIQUE,
  type      TEXT    NOT NULL,
  data      TEXT    NOT NULL,
  metadata  TEXT    NOT NULL,
  created   INTEGER NOT NULL,
  category  TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
`;

/**
 * Creates or upgrades the schema. Runs under BEGIN IMMEDIATE so two processes
 * opening a fresh file at once do not race.
 */
export function migrateSchema(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new Error(
        `Event store schema version ${version} is newer than this build understands (${SQLITE_SCHEMA_VERSION})`,
      );
    }
    if (version < 1) {
      db.exec(SCHEMA_V1);
      db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
    }
  }).immediate();
}

/** Columns every read selects, in this order (statements run in raw/array mode). */
export const EVENT_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, created';

/** A row selected with {@link EVENT_COLUMNS} in raw mode. */
export type EventRow = [
  position: number,
  streamId: string,
  revision: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  created: number,
];
