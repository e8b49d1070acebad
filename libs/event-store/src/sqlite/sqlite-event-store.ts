import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { EventStoreValidationError, ExpectedRevisionConflict, StreamNotFound } from '../event-store.errors';
import type {
  AllFilter,
  AllSubscription,
  AppendOptions,
  AppendResult,
  EventData,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamPosition,
  SubscribeToAllOptions,
  SubscriptionMessage,
} from '../event-store.port';
import {
  assertFilter,
  assertStreamName,
  type SerialisedEvent,
  streamCategory,
  validateAppend,
} from '../event-validation';
import { EVENT_COLUMNS, type EventRow, migrateSchema } from './sqlite-schema';

/**
 * `FULL`: every acknowledged append is on disk (fsync of the WAL per commit);
 * nothing acknowledged is lost on power loss. `NORMAL`: the WAL is synced only
 * at checkpoints; a power loss may drop the latest commits (never corrupts).
 * `EXTRA`: as FULL, and also syncs the directory where SQLite deletes files.
 */
export type SqliteSynchronous = 'FULL' | 'NORMAL' | 'EXTRA';

export const DEFAULT_SQLITE_PATH = './data/events.db';

export interface SqliteEventStoreOptions {
  /** Database file; its directory is created when missing. Default {@link DEFAULT_SQLITE_PATH}. */
  path?: string;
  /** Durability of a commit. Default 'FULL' (no acknowledged event lost on power loss). */
  synchronous?: SqliteSynchronous;
  /** How long a write waits for another process's write lock before giving up. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** How often live subscriptions look for appends made by other connections or processes. Default 50 ms. */
  pollIntervalMs?: number;
  /** Rows fetched per query by reads and subscriptions. Default 512. */
  readPageSize?: number;
  /** Most events written in one group-commit transaction. Default 5000. */
  maxBatchEvents?: number;
  /**
   * Bytes of the file SQLite reads through a memory map instead of read()
   * calls; makes $all scans and catch-up faster. 0 turns it off (e.g. on a
   * network file system). Default 256 MiB.
   */
  mmapSizeBytes?: number;
  /** Page cache of this connection in KiB. Default 32768 (32 MiB). */
  cacheSizeKib?: number;
}

/** Counters for the write path; `transactions < appends` shows group commit at work. */
export interface SqliteEventStoreStats {
  /** Write transactions committed; one per group commit. */
  transactions: number;
  /** Appends acknowledged (including idempotent retries). */
  appends: number;
  /** Events written. */
  events: number;
  /** Most appends that shared one transaction. */
  largestBatch: number;
}

/** Connection settings as SQLite reports them back. */
export interface SqliteConnectionSettings {
  journalMode: string;
  synchronous: SqliteSynchronous | 'OFF';
  busyTimeoutMs: number;
}

interface PendingAppend {
  stream: string;
  category: string;
  events: SerialisedEvent[];
  expected: ExpectedRevision;
  attempts: number;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; result: AppendResult; written: number } | { ok: false; error: Error };

/** Largest revision / position a read can start from; beyond any real value. */
const END = Number.MAX_SAFE_INTEGER;
const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
const BUSY_RETRIES = 5;

/**
 * The embedded event store: one SQLite file in WAL mode, EventStoreDB semantics.
 *
 * Writes are group-committed: appends that arrive while the event loop is busy
 * (the same tick, or while the previous commit was syncing) are written in one
 * `BEGIN IMMEDIATE` transaction, each append's expected revision checked on its
 * own, so a conflict fails only that append and many writers share one fsync.
 *
 * Several processes may open the same file. SQLite admits one writer at a time
 * and `BEGIN IMMEDIATE` takes the write lock before anything is read, so the
 * revision check and the insert see the latest commit of every process.
 */
export class SqliteEventStore implements EventStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly pageSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBatchEvents: number;

  private queue: PendingAppend[] = [];
  private flushPending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counters: SqliteEventStoreStats = { transactions: 0, appends: 0, events: 0, largestBatch: 0 };

  /** Bumped on every change seen (own commit or another connection's); subscriptions wait on it. */
  private changeSeq = 0;
  private readonly subscriptions = new Set<SqliteAllSubscription>();
  private pollTimer: NodeJS.Timeout | undefined;
  private lastDataVersion = 0;

  private readonly stmt: ReturnType<SqliteEventStore['prepareStatements']>;
  private readonly writeBatch: (batch: PendingAppend[], now: number) => Outcome[];
  private readonly insertEvents: (append: PendingAppend, firstRevision: number, now: number) => number;
  private readonly readAfterWithHead: (after: number, limit: number, categories: string[]) => [EventRow[], number];

  constructor(options: SqliteEventStoreOptions = {}) {
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL' && synchronous !== 'EXTRA') {
      throw new Error(`SqliteEventStore: synchronous must be 'FULL', 'NORMAL' or 'EXTRA', got ${String(synchronous)}`);
    }
    const busyTimeoutMs = positiveInt(options.busyTimeoutMs, 5000, 'busyTimeoutMs');
    this.pollIntervalMs = positiveInt(options.pollIntervalMs, 50, 'pollIntervalMs');
    this.pageSize = positiveInt(options.readPageSize, 512, 'readPageSize');
    this.maxBatchEvents = positiveInt(options.maxBatchEvents, 5000, 'maxBatchEvents');
    const mmapSizeBytes =
      options.mmapSizeBytes === 0 ? 0 : positiveInt(options.mmapSizeBytes, 256 * 1024 * 1024, 'mmapSizeBytes');
    const cacheSizeKib = positiveInt(options.cacheSizeKib, 32 * 1024, 'cacheSizeKib');

    const file = options.path ?? DEFAULT_SQLITE_PATH;
    this.path = file === ':memory:' ? file : resolve(file);
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });

    this.db = new Database(this.path, { timeout: busyTimeoutMs });
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${synchronous}`);
      this.db.pragma(`mmap_size = ${mmapSizeBytes}`);
      this.db.pragma(`cache_size = -${cacheSizeKib}`);
      migrateSchema(this.db);
      this.stmt = this.prepareStatements();
      this.lastDataVersion = this.stmt.dataVersion.get() as number;
    } catch (error) {
      this.db.close();
      throw error;
    }

    this.writeBatch = this.db.transaction((batch: PendingAppend[], now: number) =>
      batch.map((append) => this.applyAppend(append, now)),
    ).immediate;
    // Nested in writeBatch this runs as a SAVEPOINT: a multi-event append that
    // fails half-way is undone alone, the rest of the batch still commits.
    this.insertEvents = this.db.transaction((append: PendingAppend, firstRevision: number, now: number) =>
      this.insertRows(append, firstRevision, now),
    );
    // One snapshot for the page and the head, so "nothing after the page up to
    // head" is true and a filtered subscription can skip to head.
    this.readAfterWithHead = this.db.transaction((after: number, limit: number, categories: string[]) => {
      const rows = this.pageAll(after + 1, true, limit, categories);
      const head = rows.length < limit ? (this.stmt.head.get() as number) : 0;
      return [rows, head] as [EventRow[], number];
    }).deferred;
  }

  private prepareStatements() {
    const db = this.db;
    const raw = (sql: string) => db.prepare(sql).raw(true);
    return {
      streamHead: db.prepare('SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1').pluck(),
      eventById: raw('SELECT stream_id, revision FROM events WHERE event_id = ?'),
      streamSlice: raw(
        'SELECT revision, event_id, position FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      insert: db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, created, category) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      streamExists: db.prepare('SELECT 1 FROM events WHERE stream_id = ? LIMIT 1').pluck(),
      streamForwards: raw(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      streamBackwards: raw(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ),
      // The same with the page size written into the SQL: a bound LIMIT costs SQLite ~10 µs more per
      // query (measured), and every command's case and register lookups are such small reads.
      streamForwardsPage: raw(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ${this.pageSize}`,
      ),
      streamBackwardsPage: raw(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ${this.pageSize}`,
      ),
      allForwards: raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
      allBackwards: raw(`SELECT ${EVENT_COLUMNS} FROM events WHERE position <= ? ORDER BY position DESC LIMIT ?`),
      categoryForwards: raw(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE category = ? AND position >= ? ORDER BY position LIMIT ?`,
      ),
      categoryBackwards: raw(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE category = ? AND position <= ? ORDER BY position DESC LIMIT ?`,
      ),
      head: db.prepare('SELECT COALESCE(MAX(position), 0) FROM events').pluck(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
    };
  }

  // ---------------------------------------------------------------- appends

  appendToStream(stream: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    let serialised: SerialisedEvent[];
    try {
      if (this.closed) throw new Error('SqliteEventStore is closed');
      serialised = validateAppend(stream, events, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({
        stream,
        category: streamCategory(stream),
        events: serialised,
        expected: options?.expectedRevision ?? 'any',
        attempts: 0,
        resolve,
        reject,
      });
      this.scheduleFlush();
    });
  }

  /** Write-path counters (group commit is visible as transactions < appends). */
  stats(): SqliteEventStoreStats {
    return { ...this.counters };
  }

  /** The connection's settings as SQLite reports them (to check the durability actually applied). */
  connectionSettings(): SqliteConnectionSettings {
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })).toUpperCase(),
      synchronous: SYNCHRONOUS_NAMES[level] ?? 'FULL',
      busyTimeoutMs: this.db.pragma('busy_timeout', { simple: true }) as number,
    };
  }

  /**
   * better-sqlite3 is synchronous, so batching happens in front of it: the
   * first append of a tick schedules one flush with setImmediate, which runs
   * after every microtask and I/O callback of the current loop turn, so all
   * appends issued meanwhile (HTTP requests parsed in the same poll phase,
   * writers resumed by the previous commit's resolutions) join one transaction.
   */
  private scheduleFlush(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushPending = false;
    this.retryTimer = undefined;
    while (this.queue.length > 0) {
      let count = 0;
      let events = 0;
      while (
        count < this.queue.length &&
        (count === 0 || events + this.queue[count].events.length <= this.maxBatchEvents)
      ) {
        events += this.queue[count].events.length;
        count++;
      }
      const batch = count === this.queue.length ? this.queue : this.queue.slice(0, count);
      this.queue = count === this.queue.length ? [] : this.queue.slice(count);
      if (!this.commitBatch(batch)) return;
    }
  }

  /** Returns false when the batch was put back to wait for another process's lock. */
  private commitBatch(batch: PendingAppend[]): boolean {
    let outcomes: Outcome[];
    try {
      outcomes = this.writeBatch(batch, Date.now());
    } catch (error) {
      if (isBusy(error) && !this.closed && batch[0].attempts < BUSY_RETRIES) {
        // Another process held the write lock for the whole busy timeout. Wait
        // off the event loop, then retry in the original order.
        for (const append of batch) append.attempts++;
        this.queue = batch.concat(this.queue);
        this.flushPending = true;
        this.retryTimer = setTimeout(() => this.flush(), 10 * batch[0].attempts);
        return false;
      }
      for (const append of batch) append.reject(error);
      return true;
    }
    this.counters.transactions++;
    this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
    let written = 0;
    for (let i = 0; i < batch.length; i++) {
      const outcome = outcomes[i];
      if (outcome.ok) {
        this.counters.appends++;
        written += outcome.written;
        batch[i].resolve(outcome.result);
      } else {
        batch[i].reject(outcome.error);
      }
    }
    if (written > 0) {
      this.counters.events += written;
      this.notifyChange();
    }
    return true;
  }

  /**
   * One append inside the batch transaction, with EventStoreDB's rules: the
   * write happens when the expectation holds; otherwise, if the same event ids
   * already sit right after the expected revision, the append was done before
   * and its original result is returned (idempotent retry); otherwise conflict.
   * For 'any'/'stream_exists' the ids are looked up wherever they are in the
   * stream (EventStoreDB does this from a cache of recent ids; an index is exact).
   */
  private applyAppend(append: PendingAppend, now: number): Outcome {
    const { stream, events, expected } = append;
    const head = this.stmt.streamHead.get(stream) as number | undefined;
    const current = head ?? -1;
    const actual = head === undefined ? 'no_stream' : BigInt(head);
    if (expected === 'any' || expected === 'stream_exists') {
      if (expected === 'stream_exists' && head === undefined) {
        return conflict(stream, expected, actual);
      }
      const found = this.stmt.eventById.get(events[0].id) as [string, number] | undefined;
      if (found && found[0] === stream) {
        return this.previousResult(append, found[1]) ?? conflict(stream, expected, actual);
      }
    } else {
      const wanted = expected === 'no_stream' ? -1 : Number(expected);
      if (wanted !== current) {
        const previous = wanted < current ? this.previousResult(append, wanted + 1) : undefined;
        return previous ?? conflict(stream, expected, actual);
      }
    }
    try {
      const position =
        events.length === 1 ? this.insertRows(append, current + 1, now) : this.insertEvents(append, current + 1, now);
      return {
        ok: true,
        result: { nextExpectedRevision: BigInt(current + events.length), position: BigInt(position) },
        written: events.length,
      };
    } catch (error) {
      if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') {
        // Revisions cannot collide under the write lock, so this is an event id
        // stored elsewhere; the statement (or savepoint) left nothing behind.
        return { ok: false, error: this.duplicateIdError(append) };
      }
      throw error;
    }
  }

  private insertRows(append: PendingAppend, firstRevision: number, now: number): number {
    let position = 0;
    for (let i = 0; i < append.events.length; i++) {
      const event = append.events[i];
      position = this.stmt.insert.run(
        append.stream,
        firstRevision + i,
        event.id,
        event.type,
        event.data,
        event.metadata,
        now,
        append.category,
      ).lastInsertRowid as number;
    }
    return position;
  }

  /** The original result if this append's ids are stored from `fromRevision` on, in order. */
  private previousResult(append: PendingAppend, fromRevision: number): Outcome | undefined {
    const n = append.events.length;
    const rows = this.stmt.streamSlice.all(append.stream, fromRevision, n) as [number, string, number][];
    if (rows.length !== n) return undefined;
    for (let i = 0; i < n; i++) {
      if (rows[i][0] !== fromRevision + i || rows[i][1] !== append.events[i].id) return undefined;
    }
    const last = rows[n - 1];
    return { ok: true, result: { nextExpectedRevision: BigInt(last[0]), position: BigInt(last[2]) }, written: 0 };
  }

  private duplicateIdError(append: PendingAppend): EventStoreValidationError {
    for (const event of append.events) {
      const found = this.stmt.eventById.get(event.id) as [string, number] | undefined;
      if (found) {
        return new EventStoreValidationError(
          `Event id ${event.id} is already stored in ${found[0]} at revision ${found[1]}`,
          { id: event.id, stream: found[0], revision: found[1] },
        );
      }
    }
    return new EventStoreValidationError('Event id already stored', { stream: append.stream });
  }

  // ------------------------------------------------------------------ reads

  readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    return pagedEvents(() => {
      assertStreamName(stream);
      const forwards = direction(options.direction);
      const statement = forwards ? this.stmt.streamForwards : this.stmt.streamBackwards;
      const fullPage = forwards ? this.stmt.streamForwardsPage : this.stmt.streamBackwardsPage;
      let remaining = maxCount(options.maxCount);
      let from = startOf(options.fromRevision, forwards, 'fromRevision');
      let first = true;
      return () => {
        if (remaining <= 0 && !first) return undefined;
        this.assertOpen();
        const limit = Math.min(this.pageSize, remaining);
        const rows = (
          limit === this.pageSize ? fullPage.all(stream, from) : limit > 0 ? statement.all(stream, from, limit) : []
        ) as EventRow[];
        if (first && rows.length === 0 && this.stmt.streamExists.get(stream) === undefined) {
          throw new StreamNotFound(stream);
        }
        first = false;
        remaining = rows.length < limit ? 0 : remaining - rows.length;
        if (rows.length > 0) from = rows[rows.length - 1][2] + (forwards ? 1 : -1);
        return rows;
      };
    });
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    return pagedEvents(() => {
      const categories = categoriesOf(options.filter);
      const forwards = direction(options.direction);
      let remaining = maxCount(options.maxCount);
      let from = startOf(options.fromPosition, forwards, 'fromPosition');
      return () => {
        if (remaining <= 0) return undefined;
        this.assertOpen();
        const limit = Math.min(this.pageSize, remaining);
        const rows = this.pageAll(from, forwards, limit, categories);
        remaining = rows.length < limit ? 0 : remaining - rows.length;
        if (rows.length > 0) from = rows[rows.length - 1][0] + (forwards ? 1 : -1);
        return rows;
      };
    });
  }

  /**
   * A page of $all from `from` (inclusive). With several categories, each
   * category's index is read for a page and the results merged: the first
   * `limit` rows of the union are exactly the next `limit` matching rows.
   */
  private pageAll(from: number, forwards: boolean, limit: number, categories: string[]): EventRow[] {
    if (categories.length === 0) {
      return (forwards ? this.stmt.allForwards : this.stmt.allBackwards).all(from, limit) as EventRow[];
    }
    const statement = forwards ? this.stmt.categoryForwards : this.stmt.categoryBackwards;
    if (categories.length === 1) return statement.all(categories[0], from, limit) as EventRow[];
    const merged = categories.flatMap((category) => statement.all(category, from, limit) as EventRow[]);
    merged.sort(forwards ? (a, b) => a[0] - b[0] : (a, b) => b[0] - a[0]);
    return merged.length > limit ? merged.slice(0, limit) : merged;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    const categories = categoriesOf(options.filter);
    const from = options.fromPosition ?? 'start';
    let after: number;
    if (from === 'start') after = 0;
    else if (from === 'end') after = this.stmt.head.get() as number;
    else if (typeof from === 'bigint' && from >= 0n) after = Number(from);
    else throw new EventStoreValidationError(`Invalid fromPosition ${String(from)}`, {});
    const subscription = new SqliteAllSubscription(this.subscriptionHost, after, categories, this.pageSize);
    this.subscriptions.add(subscription);
    this.startPolling();
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return BigInt(this.stmt.head.get() as number);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // From here new appends are refused and a busy lock is not waited for again.
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // Appends already accepted are written (or rejected) before the file closes.
    this.flush();
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.stopPolling();
    this.db.close();
  }

  // ---------------------------------------------------------- live delivery

  private readonly subscriptionHost: SubscriptionHost = {
    changeSeq: () => this.changeSeq,
    /**
     * Events after `after`, and how far the log is known to hold nothing more
     * for this filter. Why a reader never skips an event committed later with
     * a lower position: SQLite has a single writer, every append takes the
     * write lock (BEGIN IMMEDIATE) before choosing positions, and AUTOINCREMENT
     * picks, under that lock, a position above every one used before; so
     * positions are handed out in commit order (a rolled-back batch frees its
     * positions for the next writer, which has not committed yet either), and
     * once a snapshot shows position p every position below p is either
     * committed in it or never will be. (EventStoreDB's own positions
     * have the same property.) That makes "position > last seen" a safe cursor
     * across processes, and "nothing matching up to head" a safe skip.
     */
    readAfter: (after: number, limit: number, categories: string[]): [EventRow[], number] => {
      this.assertOpen();
      if (categories.length === 0) {
        const rows = this.pageAll(after + 1, true, limit, categories);
        return [rows, rows.length > 0 ? rows[rows.length - 1][0] : after];
      }
      return this.readAfterWithHead(after, limit, categories);
    },
    removed: (subscription) => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) this.stopPolling();
    },
  };

  private notifyChange(): void {
    this.changeSeq++;
    for (const subscription of this.subscriptions) subscription.wake();
  }

  /**
   * Appends through this store wake subscriptions directly; appends by other
   * connections (another process, or another store on the same file) are
   * noticed by PRAGMA data_version, which changes only when someone else
   * committed, so an idle poll costs one tiny statement.
   */
  private startPolling(): void {
    if (this.pollTimer || this.closed) return;
    this.lastDataVersion = this.stmt.dataVersion.get() as number;
    this.pollTimer = setInterval(() => {
      if (this.closed) return;
      const version = this.stmt.dataVersion.get() as number;
      if (version !== this.lastDataVersion) {
        this.lastDataVersion = version;
        this.notifyChange();
      }
    }, this.pollIntervalMs);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('SqliteEventStore is closed');
  }
}

interface SubscriptionHost {
  changeSeq(): number;
  readAfter(after: number, limit: number, categories: string[]): [EventRow[], number];
  removed(subscription: SqliteAllSubscription): void;
}

/**
 * Catch-up subscription: pages through $all after the checkpoint, says
 * caughtUp once it finds nothing more, then waits for a change signal and
 * reads again. Pull-based: a slow consumer only slows its own reads.
 */
class SqliteAllSubscription implements AllSubscription {
  private closed = false;
  private waiter: (() => void) | undefined;
  private iterator: AsyncGenerator<SubscriptionMessage> | undefined;

  constructor(
    private readonly host: SubscriptionHost,
    private after: number,
    private readonly categories: string[],
    private readonly pageSize: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    this.iterator ??= this.run();
    return this.iterator;
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.host.removed(this);
    this.wake();
  }

  private async *run(): AsyncGenerator<SubscriptionMessage> {
    let caughtUp = false;
    try {
      while (!this.closed) {
        const seq = this.host.changeSeq();
        const [rows, scannedTo] = this.host.readAfter(this.after, this.pageSize, this.categories);
        for (let i = 0; i < rows.length; i++) {
          if (this.closed) return;
          this.after = rows[i][0];
          yield { kind: 'event', event: toRecordedEvent(rows[i]) };
        }
        if (rows.length < this.pageSize) {
          if (scannedTo > this.after) this.after = scannedTo;
          if (!caughtUp) {
            caughtUp = true;
            if (this.closed) return;
            yield { kind: 'caughtUp', position: BigInt(this.after) };
          }
          // Waits only if nothing changed since the read above: a change that
          // landed while the consumer was busy is not missed.
          if (this.host.changeSeq() === seq && !this.closed) {
            await new Promise<void>((resolve) => {
              this.waiter = resolve;
            });
          }
        }
      }
    } finally {
      await this.close();
    }
  }
}

// ------------------------------------------------------------------ helpers

const DONE: Promise<IteratorResult<RecordedEvent>> = Promise.resolve({ done: true, value: undefined });

/**
 * An async iterable over pages of rows. `open` runs on the first `next()` (so
 * bad options and StreamNotFound surface on first iteration, as the port says)
 * and returns a function giving the next page, or undefined when finished.
 * A hand-written iterator rather than an async generator: reading $all is
 * dominated by per-event overhead, and a generator's yield costs a few extra
 * promise turns per event. Each iteration starts a fresh read.
 */
function pagedEvents(open: () => () => EventRow[] | undefined): AsyncIterable<RecordedEvent> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
      let nextPage: (() => EventRow[] | undefined) | undefined;
      let rows: EventRow[] = [];
      let index = 0;
      let finished = false;
      return {
        next(): Promise<IteratorResult<RecordedEvent>> {
          try {
            while (index >= rows.length) {
              if (finished) return DONE;
              nextPage ??= open();
              const page = nextPage();
              if (page === undefined) {
                finished = true;
                rows = [];
                return DONE;
              }
              rows = page;
              index = 0;
            }
            return Promise.resolve({ done: false, value: toRecordedEvent(rows[index++]) });
          } catch (error) {
            finished = true;
            rows = [];
            return Promise.reject(error);
          }
        },
        return(): Promise<IteratorResult<RecordedEvent>> {
          finished = true;
          rows = [];
          return DONE;
        },
      };
    },
  };
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row[3],
    type: row[4],
    streamId: row[1],
    revision: BigInt(row[2]),
    position: BigInt(row[0]),
    data: JSON.parse(row[5]),
    metadata: JSON.parse(row[6]),
    created: new Date(row[7]),
  };
}

function conflict(stream: string, expected: ExpectedRevision, actual: bigint | 'no_stream'): Outcome {
  return { ok: false, error: new ExpectedRevisionConflict(stream, expected, actual) };
}

function isBusy(error: unknown): boolean {
  return sqliteCode(error)?.startsWith('SQLITE_BUSY') ?? false;
}

function direction(value: unknown): boolean {
  if (value === undefined || value === 'forwards') return true;
  if (value === 'backwards') return false;
  throw new EventStoreValidationError(`Invalid direction ${String(value)}`, {});
}

function maxCount(value: unknown): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new EventStoreValidationError(`maxCount must be a number >= 0, got ${String(value)}`, {});
  }
  return Math.floor(value);
}

/** Inclusive start of a read, as a number SQLite can compare with. */
function startOf(value: StreamPosition | undefined, forwards: boolean, what: string): number {
  if (value === undefined) return forwards ? 0 : END;
  if (value === 'start') return 0;
  if (value === 'end') return END;
  if (typeof value === 'bigint' && value >= 0n) return value > BigInt(END) ? END : Number(value);
  throw new EventStoreValidationError(`Invalid ${what} ${String(value)}`, {});
}

function categoriesOf(filter: AllFilter | undefined): string[] {
  assertFilter(filter);
  return [...new Set(filter?.streamCategories ?? [])];
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`SqliteEventStore: ${name} must be a positive integer`);
  return value;
}

/**
 * The SQLite result code of an error from better-sqlite3, read from its
 * `code` with no `instanceof` at all: the native addon keeps the error class
 * of the first copy of the module loaded in the process, and that class may
 * even extend another realm's `Error` (jest runs each test file in its own
 * context), so both `instanceof SqliteError` and `instanceof Error` can be
 * false for a real SQLite error.
 */
function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}
