import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { isEngineError, type SendEventParams, SYSTEM_ACTORS } from '@app/engine';
import { EventStoreValidationError } from '@app/event-store';
import { CaseService, caseStreamId } from '@app/runtime';
import { deriveUuid, type EffectJobData } from '@app/runtime/jobs';
import { asUnrecoverable, type EffectHandler } from './effect-handler';

const PUBLIC_CASE_ID = /^[a-z][A-Za-z0-9]*-[0-9a-f]{8}-/;

/**
 * `sendEvent`: delivers an event to another case as `system:effects`, with an
 * event id derived from the effect id. If an earlier attempt's append landed
 * but its answer was lost, the retry finds that event id in the target stream
 * and counts it as delivered instead of sending again.
 */
@Injectable()
export class SendEventEffect implements EffectHandler {
  readonly kind = 'sendEvent' as const;

  constructor(private readonly cases: CaseService) {}

  async execute(job: EffectJobData): Promise<{ caseId: string; eventId: string; delivered: 'now' | 'before' }> {
    const params = job.params as unknown as SendEventParams;
    if (typeof params.caseId !== 'string' || typeof params.type !== 'string') {
      throw new UnrecoverableError('sendEvent: params need `caseId` and `type`');
    }
    const target = PUBLIC_CASE_ID.test(params.caseId) ? params.caseId : caseStreamId(params.process, params.caseId);
    const eventId = deriveUuid(`sendEvent/${job.effectId}`);
    try {
      await this.cases.send(target, params.type, params.data ?? {}, SYSTEM_ACTORS.effects, {
        eventId,
        correlationId: job.correlationId,
        causationId: job.eventId,
      });
      return { caseId: target, eventId, delivered: 'now' };
    } catch (error) {
      const maybeDelivered = isEngineError(error) || error instanceof EventStoreValidationError;
      if (maybeDelivered && (await this.delivered(target, eventId)))
        return { caseId: target, eventId, delivered: 'before' };
      throw asUnrecoverable(error);
    }
  }

  private async delivered(caseId: string, eventId: string): Promise<boolean> {
    try {
      return (await this.cases.history(caseId)).some((event) => event.id === eventId);
    } catch {
      return false;
    }
  }
}
