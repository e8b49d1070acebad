import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { isEngineError } from '@app/engine';
import { CaseService } from '@app/runtime';
import { EngineMetrics, type TimerJobData, type TimerJobResult } from '@app/runtime/jobs';

/**
 * Fires a durable timer: the engine records the timer's event (an `after`
 * transition, or `DEADLINE_MISSED` with its escalation) as `system:timer`, or
 * records nothing when the case has left the state or the timer already fired.
 * A job that runs before the timer is due (clocks apart) goes back to sleep
 * until it is.
 */
@Injectable()
export class TimerProcessor {
  private readonly logger = new Logger('TimerProcessor');

  constructor(
    private readonly cases: CaseService,
    private readonly metrics: EngineMetrics,
  ) {}

  async process(job: Job<TimerJobData, TimerJobResult>, token?: string): Promise<TimerJobResult> {
    const { caseId, timerId } = job.data;
    const startedAt = Date.now();
    let outcome = 'failed';
    try {
      const { event } = await this.cases.fireTimer(caseId, timerId, { correlationId: job.data.correlationId });
      if (!event) {
        outcome = 'ignored';
        this.logger.log(
          `timer ${timerId} of ${caseId} ignored: cancelled (the case left ${job.data.state}) or already fired`,
        );
        return { timerId, outcome: 'ignored' };
      }
      outcome = 'fired';
      return { timerId, outcome: 'fired', eventType: event.type };
    } catch (error) {
      if (isEngineError(error, 'CASE.TIMER_NOT_DUE')) {
        outcome = 'redelayed';
        await job.moveToDelayed(Date.parse(job.data.dueAt) + 5, token);
        throw new DelayedError();
      }
      if (isEngineError(error)) {
        throw new UnrecoverableError(`${error.code}: ${error.message}`);
      }
      throw error;
    } finally {
      this.metrics.timerFirings.inc({ outcome });
      this.metrics.jobDuration.observe({ queue: job.queueName, outcome }, (Date.now() - startedAt) / 1000);
    }
  }
}
