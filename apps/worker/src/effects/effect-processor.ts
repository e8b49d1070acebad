import { Injectable, Logger } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { EFFECT_FAILED, EFFECT_SUCCEEDED, type EffectKind, isEngineError } from '@app/engine';
import { CaseService } from '@app/runtime';
import { type EffectJobData, type EffectJobResult, EngineMetrics } from '@app/runtime/jobs';
import type { EffectHandler } from './effect-handler';
import { NotifyEffect } from './notify.effect';
import { ReportUpwardEffect } from './report-upward.effect';
import { SendEventEffect } from './send-event.effect';
import { StartCaseEffect } from './start-case.effect';

const MAX_ERROR_LENGTH = 2000;

/**
 * Runs one effect job: checks the store still owes the effect, carries it out,
 * and records the outcome on its case (`EFFECT_SUCCEEDED` with the handler's
 * result, or `EFFECT_FAILED` with attempt, error and `final`). A final failure
 * (retries exhausted, or an {@link UnrecoverableError}) is an incident.
 *
 * At least once, recorded once: a job that runs again after its worker died
 * between doing the work and recording it does the work again (webhooks carry
 * the effect id so receivers drop the duplicate), but the engine records a
 * second success as nothing, so the case shows one.
 */
@Injectable()
export class EffectProcessor {
  private readonly logger = new Logger('EffectProcessor');
  private readonly handlers: Map<EffectKind, EffectHandler>;

  constructor(
    private readonly cases: CaseService,
    private readonly metrics: EngineMetrics,
    notify: NotifyEffect,
    startCase: StartCaseEffect,
    sendEvent: SendEventEffect,
    reportUpward: ReportUpwardEffect,
  ) {
    this.handlers = new Map<EffectKind, EffectHandler>(
      [notify, startCase, sendEvent, reportUpward].map((h) => [h.kind, h]),
    );
  }

  async process(job: Job<EffectJobData, EffectJobResult>): Promise<EffectJobResult> {
    const data = job.data;
    const startedAt = Date.now();
    if (job.attemptsMade === 0 && data.committedAt !== undefined) {
      this.metrics.dispatchLag.observe(Math.max(0, startedAt - data.committedAt) / 1000);
    }
    const attempt = data.priorAttempts + job.attemptsMade + 1;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    let outcome = 'succeeded';
    try {
      if (isRerun(job) && !(await this.stillOwed(data))) {
        outcome = 'skipped';
        return { effectId: data.effectId, recorded: false };
      }
      const handler = this.handlers.get(data.kind);
      if (!handler) throw new UnrecoverableError(`no handler for effect kind ${data.kind}`);
      let result: unknown;
      try {
        result = await handler.execute(data);
      } catch (error) {
        const final = error instanceof UnrecoverableError || lastAttempt;
        outcome = final ? 'incident' : 'failed';
        await this.recordFailure(data, attempt, error, final);
        throw error;
      }
      const recorded = await this.cases.recordEffectOutcome(
        data.caseId,
        {
          type: EFFECT_SUCCEEDED,
          data: { effectId: data.effectId, attempt, ...(result === undefined ? {} : { result }) },
        },
        { correlationId: data.correlationId, causationId: data.eventId },
      );
      return { effectId: data.effectId, recorded: recorded.event !== null, result };
    } catch (error) {
      if (outcome === 'succeeded') outcome = 'failed';
      throw error;
    } finally {
      this.metrics.effectOutcomes.inc({ kind: data.kind, outcome });
      this.metrics.jobDuration.observe({ queue: job.queueName, outcome }, (Date.now() - startedAt) / 1000);
    }
  }

  /**
   * Skips work the store no longer owes: a job run again after its worker died
   * may have recorded its outcome already. A first run needs no look: its job
   * was added from a fresh event, or after the store was read (JobScheduler).
   */
  private async stillOwed(data: EffectJobData): Promise<boolean> {
    try {
      const state = await this.cases.get(data.caseId);
      return state.pendingEffects[data.effectId] !== undefined;
    } catch (error) {
      if (isEngineError(error, 'CASE.NOT_FOUND')) throw new UnrecoverableError(`case ${data.caseId} not found`);
      throw error;
    }
  }

  private async recordFailure(data: EffectJobData, attempt: number, error: unknown, final: boolean): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
    if (final)
      this.logger.warn(`effect ${data.effectId} (${data.kind}) failed for good after attempt ${attempt}: ${message}`);
    try {
      await this.cases.recordEffectOutcome(
        data.caseId,
        { type: EFFECT_FAILED, data: { effectId: data.effectId, attempt, error: message || 'error', final } },
        { correlationId: data.correlationId, causationId: data.eventId },
      );
    } catch (recordError) {
      // The store is the truth: unrecorded, the effect stays pending and is retried (by BullMQ, or the reconciler).
      this.logger.warn(`effect ${data.effectId}: could not record the failure: ${(recordError as Error).message}`);
    }
  }
}

/** A job that ran before (retried, or taken back from a dead worker). */
function isRerun(job: Job): boolean {
  return job.attemptsMade > 0 || (job.attemptsStarted ?? 0) > 1;
}
