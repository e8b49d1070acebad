import type { WorkflowRegistry } from '@app/engine';
import type { AllSubscription, EventStore } from '@app/event-store';
import { CaseFolder } from './case-folder';
import type { Projection, ProjectionWriter, ProjectedEvent } from './projection';
import type { ProjectionDatabase, ProjectionError } from './projection-database';

/** Where log lines go (Nest's `Logger` fits). */
export interface RunnerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface ProjectionRunnerOptions {
  /** Events per transaction while catching up. Default 500. */
  batchSize?: number;
  /** Cases whose folded state is kept (LRU). Default 10,000. */
  cacheSize?: number;
  logger?: RunnerLogger;
}

/** What `status()` reports (for /health and the CLI). */
export interface ProjectionStatus {
  following: boolean;
  /** Has delivered the whole log once since it started following. */
  caughtUp: boolean;
  /** Global position every read model has applied (see `currentPosition`). */
  position: string;
  checkpoints: Record<string, string | null>;
  lastError: string | null;
  /** Events recorded as not projectable (newest first). */
  errors: ProjectionError[];
}

export interface RebuildResult {
  events: number;
  position: string;
  durationMs: number;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** How often a waiter looks at the file when another process may be the one writing it. */
const WAIT_POLL_MS = 25;

/**
 * Follows the global log and keeps the read models. Each batch of events is
 * applied in one transaction that also moves every projection's checkpoint,
 * so after a crash the runner resumes exactly where the file says it was
 * (exactly once per database file). Framework-free: the Nest module starts
 * and stops it; the CLI calls `rebuild`.
 */
export class ProjectionRunner {
  private readonly folder: CaseFolder;
  private readonly batchSize: number;
  private readonly logger: RunnerLogger | undefined;
  private writers = new Map<string, ProjectionWriter>();
  private loop: Promise<void> | undefined;
  private subscription: AllSubscription | undefined;
  private stopping = false;
  private wakeSleep: (() => void) | undefined;
  private caughtUp = false;
  private lastError: string | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly store: EventStore,
    registry: WorkflowRegistry,
    private readonly db: ProjectionDatabase,
    private readonly projections: readonly Projection[],
    options: ProjectionRunnerOptions = {},
  ) {
    this.folder = new CaseFolder(store, registry, options.cacheSize ?? 10_000);
    this.batchSize = options.batchSize ?? 500;
    this.logger = options.logger;
    const names = new Set(projections.map((p) => p.name));
    if (names.size !== projections.length) throw new Error('ProjectionRunner: projection names must be unique');
    const reset = db.install(projections);
    if (reset.length > 0)
      this.logger?.warn(`projections ${reset.join(', ')} changed version: replaying the log for them`);
    this.bindWriters();
  }

  /** Starts following the log from the stored checkpoints (idempotent; returns at once). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.caughtUp = false;
    this.loop = this.follow().finally(() => {
      this.loop = undefined;
    });
  }

  /** Stops following; resolves once the current batch is committed and the subscription closed. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.wakeSleep?.();
    await this.subscription?.close();
    await this.loop;
  }

  get following(): boolean {
    return this.loop !== undefined;
  }

  /**
   * The global position up to which every read model is up to date: the
   * lowest projection checkpoint as committed in the file (0n before any).
   * A read made after `currentPosition() >= p` sees every event up to `p`.
   */
  currentPosition(): bigint {
    const committed = this.db.committedCheckpoints();
    let lowest: bigint | undefined;
    for (const [name] of this.writers) {
      const position = committed.get(name) ?? null;
      if (position === null) return 0n;
      if (lowest === undefined || position < lowest) lowest = position;
    }
    return lowest ?? 0n;
  }

  /**
   * Waits until the read models include the event at `position` (e.g. the
   * position of an append the request just made), at most `timeoutMs`.
   * Resolves `true` when they do, `false` on timeout (the caller answers
   * with what there is, or says it is stale).
   */
  async waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.currentPosition() < position) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        // Another process sharing the file may be the one applying: look again soon even without a signal.
        const timer = setTimeout(done, Math.min(left, WAIT_POLL_MS));
        this.waiters.add(done);
      });
    }
    return true;
  }

  status(): ProjectionStatus {
    const committed = this.db.committedCheckpoints();
    return {
      following: this.following,
      caughtUp: this.caughtUp,
      position: this.currentPosition().toString(),
      checkpoints: Object.fromEntries(this.projections.map((p) => [p.name, committed.get(p.name)?.toString() ?? null])),
      lastError: this.lastError,
      errors: this.db.errors(20),
    };
  }

  /**
   * Drops every read model and replays the whole log into it, in one write
   * transaction: readers (here or in another process) see the old rows until
   * it commits, then the new ones; a process sharing the file waits, then
   * finds its checkpoint already passed. Following stops meanwhile and
   * resumes afterwards if it was on.
   */
  async rebuild(): Promise<RebuildResult> {
    const started = Date.now();
    const wasFollowing = this.following;
    await this.stop();
    this.folder.clear();
    const writer = this.db.writer;
    let events = 0;
    let last: bigint | undefined;
    writer.exec('BEGIN IMMEDIATE');
    try {
      this.db.reset(this.projections);
      this.bindWriters();
      let batch: ProjectedEvent[] = [];
      for await (const event of this.store.readAll({ fromPosition: 'start' })) {
        batch.push(await this.folder.prepare(event));
        events++;
        last = event.position;
        if (batch.length >= this.batchSize) {
          this.db.applyBatch(batch, this.writers);
          batch = [];
        }
      }
      this.db.applyBatch(batch, this.writers);
      writer.exec('COMMIT');
    } catch (error) {
      if (writer.inTransaction) writer.exec('ROLLBACK');
      this.bindWriters();
      throw error;
    } finally {
      this.notifyWaiters();
      if (wasFollowing) this.start();
    }
    this.logger?.log(`rebuilt the read models from ${events} events in ${Date.now() - started} ms`);
    return { events, position: (last ?? 0n).toString(), durationMs: Date.now() - started };
  }

  private bindWriters(): void {
    this.writers = new Map(this.projections.map((p) => [p.name, p.writer(this.db.writer)]));
  }

  private async follow(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.stopping) {
      try {
        await this.followOnce();
        if (!this.stopping) throw new Error('the subscription ended');
      } catch (error) {
        if (this.stopping || !this.db.isOpen) break;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.logger?.error(`projections: ${this.lastError}; resuming from the checkpoint in ${backoff} ms`);
        this.folder.clear();
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async followOnce(): Promise<void> {
    const from = this.startPosition();
    const subscription = this.store.subscribeToAll({ fromPosition: from ?? 'start' });
    this.subscription = subscription;
    let batch: ProjectedEvent[] = [];
    try {
      for await (const message of subscription) {
        if (message.kind === 'caughtUp') {
          // Everything up to the reported position has been delivered, so the checkpoints may move there.
          this.flush(batch, message.position);
          batch = [];
          if (!this.caughtUp) this.logger?.log(`projections caught up at position ${message.position}`);
          this.caughtUp = true;
          this.lastError = null;
          continue;
        }
        batch.push(await this.folder.prepare(message.event));
        if (this.caughtUp || batch.length >= this.batchSize) {
          this.flush(batch);
          batch = [];
        }
        if (this.stopping) break;
      }
      this.flush(batch);
    } finally {
      this.subscription = undefined;
      await subscription.close();
    }
  }

  /** The lowest checkpoint: where the subscription starts (null: the beginning). */
  private startPosition(): bigint | null {
    let lowest: bigint | null | undefined;
    const committed = this.db.committedCheckpoints();
    for (const [name] of this.writers) {
      const position = committed.get(name) ?? null;
      if (position === null) return null;
      if (lowest === undefined || lowest === null || position < lowest) lowest = position;
    }
    return lowest ?? null;
  }

  private flush(batch: ProjectedEvent[], upTo?: bigint): void {
    if (batch.length === 0 && upTo === undefined) return;
    this.db.applyBatch(batch, this.writers, upTo);
    this.notifyWaiters();
  }

  private notifyWaiters(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }
}
