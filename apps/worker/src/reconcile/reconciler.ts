import { Inject, Injectable, Logger } from '@nestjs/common';
import { emptyLedger, type Ledger, record, type WorkflowRegistry } from '@app/engine';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { WORKFLOW_REGISTRY } from '@app/runtime';
import { EngineMetrics, JOBS_CONFIG, type JobsConfig } from '@app/runtime/jobs';
import { type EnsureOutcome, JobScheduler } from '../dispatch/job-scheduler';

export interface ReconcileReport {
  /** Events read from the log in this round. */
  eventsRead: number;
  /** Cases with open books (pending effects, armed timers or incidents) after the round. */
  openCases: number;
  effects: Record<EnsureOutcome, number>;
  timers: Record<EnsureOutcome, number>;
  tookMs: number;
}

/**
 * Finds work the store owes that has no live job, and enqueues it: effects
 * still pending (no EFFECT_SUCCEEDED, no final EFFECT_FAILED) and timers still
 * armed. Runs when a process becomes the dispatcher, then every
 * `RECONCILE_INTERVAL_MS`. This is what makes a flushed (or lost) Redis lose
 * nothing.
 *
 * How it finds the cases: it reads the log (`readAll`, filtered to the
 * registered processes' categories) and keeps each case's books with the
 * engine's own `record` — the same bookkeeping `fold` does, without replaying
 * the machine. The first round reads the whole log; later rounds read only what
 * was appended since, and cases whose books are empty are dropped from memory.
 * Cost: one pass over the log per leadership term, memory in proportion to the
 * cases with open work, and one job look-up per pending effect and armed timer
 * per round. Every candidate goes through `JobScheduler.ensure*`, which reads
 * the case again before adding a job, so a stale book never runs work twice.
 */
@Injectable()
export class Reconciler {
  private readonly logger = new Logger('Reconciler');
  private books = new Map<string, Ledger>();
  private scannedTo = 0n;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<ReconcileReport | undefined> | undefined;
  private active = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WORKFLOW_REGISTRY) private readonly registry: WorkflowRegistry,
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly scheduler: JobScheduler,
    private readonly metrics: EngineMetrics,
  ) {}

  /** Runs a round now, then every interval, until {@link stop}. A new term starts from a full scan. */
  start(): void {
    this.active = true;
    void this.runLogged(true);
  }

  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round (rounds never overlap). `fresh`: forget the books and read the whole log again. */
  async reconcile(fresh = false): Promise<ReconcileReport> {
    while (this.round) await this.round;
    if (fresh) {
      this.books = new Map();
      this.scannedTo = 0n;
    }
    const round = this.doReconcile();
    this.round = round;
    try {
      return await round;
    } finally {
      this.round = undefined;
    }
  }

  private async runLogged(fresh = false): Promise<void> {
    try {
      const report = await this.reconcile(fresh);
      const enqueued = report.effects.enqueued + report.timers.enqueued;
      const message = `read ${report.eventsRead} events in ${report.tookMs} ms; ${report.openCases} cases with open work; enqueued ${report.effects.enqueued} effects and ${report.timers.enqueued} timers`;
      if (enqueued > 0) this.logger.log(message);
      else this.logger.debug(message);
    } catch (error) {
      this.logger.warn(`round failed: ${(error as Error).message}`);
    } finally {
      if (this.active && this.config.RECONCILE_INTERVAL_MS > 0) {
        this.timer = setTimeout(() => void this.runLogged(), this.config.RECONCILE_INTERVAL_MS);
        this.timer.unref();
      }
    }
  }

  private async doReconcile(): Promise<ReconcileReport> {
    const started = Date.now();
    const eventsRead = await this.scan();
    const effects = counts();
    const timers = counts();
    const work: Array<() => Promise<void>> = [];
    for (const [caseId, ledger] of this.books) {
      for (const pending of Object.values(ledger.pendingEffects)) {
        work.push(async () => {
          const outcome = await this.scheduler.ensureEffect(
            caseId,
            this.scheduler.effectJob(caseId, pending, Date.now()),
          );
          effects[outcome]++;
        });
      }
      for (const timer of Object.values(ledger.armedTimers)) {
        work.push(async () => {
          const outcome = await this.scheduler.ensureTimer(this.scheduler.timerJob(caseId, timer, timer.correlationId));
          timers[outcome]++;
        });
      }
    }
    await runBounded(work, 32);
    if (effects.enqueued > 0) this.metrics.reconciled.inc({ what: 'effect' }, effects.enqueued);
    if (timers.enqueued > 0) this.metrics.reconciled.inc({ what: 'timer' }, timers.enqueued);
    return { eventsRead, openCases: this.books.size, effects, timers, tookMs: Date.now() - started };
  }

  /** Brings the books up to the head of the log; returns how many events were read. */
  private async scan(): Promise<number> {
    const categories = this.registry.processes();
    if (categories.length === 0) return 0;
    let read = 0;
    const touched = new Set<string>();
    for await (const event of this.store.readAll({
      fromPosition: this.scannedTo === 0n ? 'start' : this.scannedTo + 1n,
      filter: { streamCategories: categories },
    })) {
      read++;
      this.scannedTo = event.position;
      let ledger = this.books.get(event.streamId);
      if (!ledger) {
        ledger = emptyLedger();
        this.books.set(event.streamId, ledger);
      }
      record(ledger, event);
      touched.add(event.streamId);
    }
    for (const caseId of touched) {
      const ledger = this.books.get(caseId)!;
      // Incidents stay: an operator's retry must find the incident to make the effect pending again.
      if (isEmpty(ledger.pendingEffects) && isEmpty(ledger.armedTimers) && isEmpty(ledger.incidents)) {
        this.books.delete(caseId);
      }
    }
    return read;
  }
}

function isEmpty(books: Readonly<Record<string, unknown>>): boolean {
  for (const _ in books) return false;
  return true;
}

function counts(): Record<EnsureOutcome, number> {
  return { live: 0, settled: 0, enqueued: 0, locked: 0 };
}

async function runBounded(work: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < work.length) {
      const task = work[next++];
      try {
        await task();
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, work.length) }, lane));
  if (failure !== undefined) throw failure;
}
