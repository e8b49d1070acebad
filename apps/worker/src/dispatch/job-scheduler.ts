import { Injectable, Logger } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import {
  EFFECT_RETRY_REQUESTED,
  type EffectRecord,
  type EventMetadata,
  isEngineError,
  type PendingEffect,
  type TimerRecord,
} from '@app/engine';
import type { RecordedEvent } from '@app/event-store';
import { CaseService } from '@app/runtime';
import {
  EFFECT_QUEUES,
  type EffectJobData,
  EngineMetrics,
  EngineQueues,
  jobIdOf,
  LIVE_JOB_STATES,
  type TimerJobData,
} from '@app/runtime/jobs';

/** What {@link JobScheduler.ensureEffect} / {@link JobScheduler.ensureTimer} found or did. */
export type EnsureOutcome =
  /** A job that will still run exists. */
  | 'live'
  /** No job was needed: the store says the effect is done or the timer is no longer armed. */
  | 'settled'
  | 'enqueued'
  /** A finished job could not be replaced (a worker holds it right now); the next round sees it again. */
  | 'locked';

interface Batch {
  effects: Map<Queue, Array<{ name: string; data: EffectJobData; opts: JobsOptions }>>;
  timers: Array<{ name: string; data: TimerJobData; opts: JobsOptions }>;
  cancelled: string[];
  retries: Array<{ caseId: string; effectId: string }>;
}

/**
 * Turns what the store says into BullMQ jobs. Every job id is the effect's or
 * timer's own id, so adding the same work twice adds one job.
 *
 * Two ways in:
 * - {@link dispatch} with `checked: false` (the live tail of the log): the events
 *   were just committed, so their work cannot be done yet; jobs are added in bulk.
 * - `checked: true` (catching up after a restart) and the reconciler's
 *   {@link ensureEffect}/{@link ensureTimer}: the job is looked up first, and
 *   only when none will run is the case read again and, if the store still
 *   says the work is owed, a job added. A finished job of work the store still
 *   owes (an operator retried an incident; a job that failed before its outcome
 *   could be recorded) is replaced.
 */
@Injectable()
export class JobScheduler {
  private readonly logger = new Logger('JobScheduler');

  constructor(
    private readonly queues: EngineQueues,
    private readonly cases: CaseService,
    private readonly metrics: EngineMetrics,
  ) {}

  /** Enqueues the effects and timers of a run of events, removes cancelled timers, re-enqueues retried incidents. */
  async dispatch(events: readonly RecordedEvent[], checked: boolean): Promise<void> {
    const batch: Batch = { effects: new Map(), timers: [], cancelled: [], retries: [] };
    const now = Date.now();
    for (const event of events) this.collect(event, batch, now);

    if (checked) {
      await this.each([...batch.effects.values()].flat(), (job) => this.ensureEffect(job.data.caseId, job.data));
      await this.each(batch.timers, (job) => this.ensureTimer(job.data));
    } else {
      await Promise.all(
        [...batch.effects].map(async ([queue, jobs]) => {
          await queue.addBulk(jobs);
          this.metrics.enqueuedJobs.inc({ queue: queue.name }, jobs.length);
        }),
      );
      if (batch.timers.length > 0) {
        await this.queues.timers().addBulk(batch.timers);
        this.metrics.enqueuedJobs.inc({ queue: this.queues.timers().name }, batch.timers.length);
      }
    }
    // After the adds: a batch may arm a timer and cancel it again.
    await this.each(batch.cancelled, (timerId) => this.cancelTimer(timerId));
    await this.each(batch.retries, async ({ caseId, effectId }) => {
      const state = await this.cases.get(caseId);
      const pending = state.pendingEffects[effectId];
      if (pending) await this.ensureEffect(caseId, this.effectJob(caseId, pending, Date.now()));
    });
    this.metrics.dispatchedEvents.inc(events.length);
  }

  /**
   * Makes sure the effect will run if the store still owes it (see the class doc).
   * `data` describes the effect; the case is read again before any job is added.
   */
  async ensureEffect(caseId: string, data: EffectJobData): Promise<EnsureOutcome> {
    const queue = this.queues.effects(data.kind);
    const id = jobIdOf(data.effectId);
    const state = await queue.getJobState(id);
    if (LIVE_JOB_STATES.has(state)) return 'live';
    if (state === 'completed' || state === 'failed') {
      if ((await queue.remove(id)) === 0) return 'locked';
    }
    const pending = await this.pendingEffect(caseId, data.effectId);
    if (!pending) return 'settled';
    await queue.add(data.kind, { ...data, params: pending.params, priorAttempts: pending.attempts }, { jobId: id });
    this.metrics.enqueuedJobs.inc({ queue: queue.name });
    return 'enqueued';
  }

  /**
   * Makes sure an armed timer has a delayed job. A completed timer job is left
   * alone: its firing was recorded, or the engine ignored it.
   */
  async ensureTimer(data: TimerJobData): Promise<EnsureOutcome> {
    const queue = this.queues.timers();
    const id = jobIdOf(data.timerId);
    const state = await queue.getJobState(id);
    if (LIVE_JOB_STATES.has(state) || state === 'completed') return state === 'completed' ? 'settled' : 'live';
    if (state === 'failed' && (await queue.remove(id)) === 0) return 'locked';
    let armed = false;
    try {
      const caseState = await this.cases.get(data.caseId);
      armed = caseState.status === 'active' && caseState.armedTimers[data.timerId] !== undefined;
    } catch (error) {
      if (!isEngineError(error, 'CASE.NOT_FOUND')) throw error;
    }
    if (!armed) return 'settled';
    await queue.add(data.timerKind, data, { jobId: id, delay: delayUntil(data.dueAt) });
    this.metrics.enqueuedJobs.inc({ queue: queue.name });
    return 'enqueued';
  }

  /** A cancelled timer's delayed job goes; if it is firing right now the engine ignores it. */
  async cancelTimer(timerId: string): Promise<void> {
    await this.queues.timers().remove(jobIdOf(timerId));
  }

  /** The job that carries out a pending effect. */
  effectJob(
    caseId: string,
    effect: PendingEffect | (EffectRecord & { eventId: string; correlationId: string | null }),
    now: number,
  ): EffectJobData {
    return {
      effectId: effect.id,
      kind: effect.kind,
      caseId,
      params: effect.params,
      eventId: effect.eventId,
      correlationId: effect.correlationId,
      priorAttempts: 'attempts' in effect ? effect.attempts : 0,
      enqueuedAt: now,
    };
  }

  timerJob(caseId: string, timer: TimerRecord, correlationId: string | null): TimerJobData {
    return {
      timerId: timer.id,
      timerKind: timer.kind,
      caseId,
      state: timer.state,
      dueAt: timer.dueAt,
      correlationId,
    };
  }

  timerJobOptions(data: TimerJobData): JobsOptions {
    return { jobId: jobIdOf(data.timerId), delay: delayUntil(data.dueAt) };
  }

  private collect(event: RecordedEvent, batch: Batch, now: number): void {
    const metadata = event.metadata as Partial<EventMetadata>;
    if (!metadata || typeof metadata.caseId !== 'string') return;
    const caseId = event.streamId;
    const correlationId = metadata.correlationId ?? null;
    for (const effect of metadata.effects ?? []) {
      if (!Object.hasOwn(EFFECT_QUEUES, effect.kind)) {
        // Not one the engine emits; skipping keeps one bad event from stopping the dispatcher.
        this.logger.error(
          `event ${event.id}: effect ${effect.id} has unknown kind ${String(effect.kind)}; not enqueued`,
        );
        continue;
      }
      const queue = this.queues.effects(effect.kind);
      const data = this.effectJob(caseId, { ...effect, eventId: event.id, correlationId }, now);
      data.committedAt = event.created.getTime();
      let jobs = batch.effects.get(queue);
      if (!jobs) {
        jobs = [];
        batch.effects.set(queue, jobs);
      }
      jobs.push({ name: effect.kind, data, opts: { jobId: jobIdOf(effect.id) } });
    }
    for (const timer of metadata.timers ?? []) {
      const data = this.timerJob(caseId, timer, correlationId);
      batch.timers.push({ name: timer.kind, data, opts: this.timerJobOptions(data) });
    }
    for (const timerId of metadata.cancelledTimers ?? []) batch.cancelled.push(timerId);
    if (event.type === EFFECT_RETRY_REQUESTED) {
      const effectId = (event.data as { effectId?: unknown })?.effectId;
      if (typeof effectId === 'string') batch.retries.push({ caseId, effectId });
    }
  }

  private async pendingEffect(caseId: string, effectId: string): Promise<PendingEffect | undefined> {
    try {
      return (await this.cases.get(caseId)).pendingEffects[effectId];
    } catch (error) {
      if (isEngineError(error, 'CASE.NOT_FOUND')) {
        this.logger.warn(`effect ${effectId}: case ${caseId} not found; nothing to enqueue`);
        return undefined;
      }
      throw error;
    }
  }

  /** Runs `fn` over `items`, a bounded number at a time; the first error is thrown after all settle. */
  private async each<T>(items: readonly T[], fn: (item: T) => Promise<unknown>, width = 32): Promise<void> {
    let next = 0;
    let failure: unknown;
    const lane = async () => {
      while (next < items.length) {
        const item = items[next++];
        try {
          await fn(item);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
    if (failure !== undefined) throw failure;
  }
}

/** Delay of a job due at `dueAt`; a time already past gives 0 (it runs at once). */
export function delayUntil(dueAt: string): number {
  return Math.max(0, Date.parse(dueAt) - Date.now());
}
