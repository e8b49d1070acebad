import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { type Actor, SYSTEM_ACTORS } from './actor';
import { EFFECT_FAILED, EFFECT_RETRY_REQUESTED, EFFECT_SUCCEEDED } from './case-event';
import type { CaseState } from './case-state';
import { assertSameVersion } from './decide';
import { buildBookkeeping, type CommandEnvelope, type Decision } from './event-builder';
import { EngineError } from './engine-error';
import { validatePayload } from './payload-validation';
import type { WorkflowDefinition } from './workflow-definition';

/** EFFECT_SUCCEEDED data. */
export class EffectSucceededData {
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  effectId: string;

  /** 1-based attempt that succeeded. */
  @IsInt()
  @Min(1)
  attempt: number;

  /** What the worker reports back (e.g. the opened case's id); plain JSON. */
  @IsOptional()
  result?: unknown;
}

/** EFFECT_FAILED data. */
export class EffectFailedData {
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  effectId: string;

  @IsInt()
  @Min(1)
  attempt: number;

  @IsString()
  @MaxLength(4000)
  error: string;

  /** No retry is left (or the failure is unrecoverable): the effect becomes an incident. */
  @IsBoolean()
  final: boolean;
}

/** EFFECT_RETRY_REQUESTED data. */
export class EffectRetryRequestedData {
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  effectId: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

/** A worker's report on one attempt at an effect. The actor defaults to `system:effects`. */
export type EffectOutcomeCommand = Omit<CommandEnvelope, 'actor'> & { actor?: Actor } & (
    | { type: typeof EFFECT_SUCCEEDED; data: EffectSucceededData }
    | { type: typeof EFFECT_FAILED; data: EffectFailedData }
  );

/**
 * Builds EFFECT_SUCCEEDED / EFFECT_FAILED, accepted in any state (the
 * machine does not see them), chained like every other event. Only
 * `system:effects` may record them.
 *
 * Returns `null` when there is nothing to record: the effect is not pending
 * (already succeeded, or failed for good; an at-least-once worker may report
 * twice). A SUCCEEDED for an incident (an operator retried it) clears the incident.
 *
 * @throws EngineError `CASE.INVALID_PAYLOAD`, `CASE.FORBIDDEN`.
 */
export function recordEffectOutcome(
  def: WorkflowDefinition,
  caseState: CaseState,
  cmd: EffectOutcomeCommand,
): Decision | null {
  assertSameVersion(def, caseState);
  const actor = cmd.actor ?? SYSTEM_ACTORS.effects;
  if (actor.kind !== 'system' || actor.id !== SYSTEM_ACTORS.effects.id) {
    throw new EngineError('CASE.FORBIDDEN', `Only ${SYSTEM_ACTORS.effects.id} records effect outcomes`);
  }
  const cls =
    cmd.type === EFFECT_SUCCEEDED ? EffectSucceededData : cmd.type === EFFECT_FAILED ? EffectFailedData : null;
  if (!cls)
    throw new EngineError(
      'CASE.UNKNOWN_EVENT_TYPE',
      `${String((cmd as { type: unknown }).type)} is not an effect outcome`,
    );
  const data = validatePayload<{ effectId: string }>(cls, cmd.data, `${cmd.type} payload`);
  const pending = caseState.pendingEffects[data.effectId];
  const incident = caseState.incidents[data.effectId];
  if (!pending && !(incident && cmd.type === EFFECT_SUCCEEDED)) return null;
  return buildBookkeeping(def, caseState, cmd.type, data, {
    ...cmd,
    actor,
    correlationId: cmd.correlationId ?? pending?.correlationId ?? null,
    causationId: cmd.causationId ?? pending?.eventId ?? incident?.eventId ?? null,
  });
}

/**
 * An operator retries an incident: the effect is pending again, so the
 * reconciler re-enqueues it. Who may do this is the runtime's call (an
 * operator role); the engine only records it.
 *
 * @throws EngineError `CASE.EVENT_NOT_ALLOWED` if the effect is not an incident.
 */
export function requestEffectRetry(
  def: WorkflowDefinition,
  caseState: CaseState,
  cmd: CommandEnvelope & { data: EffectRetryRequestedData },
): Decision {
  assertSameVersion(def, caseState);
  const data = validatePayload<EffectRetryRequestedData>(EffectRetryRequestedData, cmd.data, 'retry request');
  const incident = caseState.incidents[data.effectId];
  if (!incident) {
    throw new EngineError('CASE.EVENT_NOT_ALLOWED', `Effect ${data.effectId} is not an incident of this case`, {
      allowed: [],
    });
  }
  return buildBookkeeping(def, caseState, EFFECT_RETRY_REQUESTED, data, {
    ...cmd,
    causationId: cmd.causationId ?? incident.eventId,
  });
}
