import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { type StartCaseParams, SYSTEM_ACTORS } from '@app/engine';
import { CaseService, caseStreamId } from '@app/runtime';
import { deriveUuid, type EffectJobData } from '@app/runtime/jobs';
import { asUnrecoverable, type EffectHandler } from './effect-handler';

/** The child case's uuid: derived from the effect id, so every attempt targets the same stream. */
export function childCaseUuid(effectId: string): string {
  return deriveUuid(`startCase/${effectId}`);
}

/**
 * `startCase`: opens the linked case as `system:effects`. Its id derives from
 * the effect id and the start appends with `no_stream`, so a second attempt
 * finds the case open and returns it. The link back is in the child's
 * metadata (correlation id = the parent's; causation id = the parent event)
 * and in this effect's outcome (`result.caseId`).
 */
@Injectable()
export class StartCaseEffect implements EffectHandler {
  readonly kind = 'startCase' as const;

  constructor(private readonly cases: CaseService) {}

  async execute(job: EffectJobData): Promise<{ caseId: string; opened: boolean }> {
    const params = job.params as unknown as StartCaseParams;
    if (typeof params.process !== 'string') throw new UnrecoverableError('startCase: params need `process`');
    const uuid = childCaseUuid(job.effectId);
    try {
      const { event } = await this.cases.start(params.process, params.input ?? {}, SYSTEM_ACTORS.effects, {
        caseId: uuid,
        eventId: deriveUuid(`startCase-event/${job.effectId}`),
        correlationId: job.correlationId,
        causationId: job.eventId,
      });
      return { caseId: caseStreamId(params.process, uuid), opened: event !== null };
    } catch (error) {
      throw asUnrecoverable(error);
    }
  }
}
