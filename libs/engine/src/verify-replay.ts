import { canonicalJson } from './canonical-json';
import {
  CASE_STARTED,
  DEADLINE_MISSED,
  EFFECT_OUTCOME_TYPES,
  type EventMetadata,
  type StoredEventLike,
} from './case-event';
import type { CaseState } from './case-state';
import { recordedDeadlines } from './deadlines';
import { canTake } from './decide';
import { buildBookkeeping, buildStarted, buildTransition, type Decision } from './event-builder';
import { EngineError } from './engine-error';
import { fireTimer } from './timer-firing';
import type { WorkflowDefinition } from './workflow-definition';

/** The outcome of {@link verifyReplay}. */
export type ReplayVerification =
  | { ok: true; count: number }
  | {
      ok: false;
      /** Revision of the first event whose recorded outcome the machine does not reproduce. */
      brokenAt: bigint;
      /** Which part differs: `stateBefore`, `stateAfter`, `effects`, `timers`, `cancelledTimers`, `data`, or `error`. */
      field: string;
      reason: string;
      recorded?: unknown;
      replayed?: unknown;
    };

const COMPARED = ['stateBefore', 'stateAfter', 'effects', 'timers', 'cancelledTimers'] as const;

/**
 * Re-derives every event from the one before it with the case's own machine
 * version (the pure `transition`, effect and timer extraction included) and
 * compares what it gets with what was recorded: the states before and after,
 * the effects, the timers armed and cancelled, and, for engine-built events
 * (timer firings, DEADLINE_MISSED), the data. Deadlines are armed from the
 * ones the case recorded when it was opened (CASE_STARTED `metadata.deadlines`),
 * so a deployment that changed its configuration since still verifies.
 * Hashes are `verifyChain`'s job (they cover the recorded deadlines too).
 */
export function verifyReplay(def: WorkflowDefinition, events: readonly StoredEventLike[]): ReplayVerification {
  let state: CaseState | undefined;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const revision = event.revision ?? BigInt(i);
    const metadata = event.metadata as EventMetadata;
    let replayed: Decision | null;
    try {
      replayed = rederive(def, state, event, metadata);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, brokenAt: revision, field: 'error', reason: `Replay failed: ${reason}` };
    }
    if (!replayed) {
      return {
        ok: false,
        brokenAt: revision,
        field: 'error',
        reason: `${event.type} was recorded, but its timer was not armed in the replayed case`,
      };
    }
    for (const field of COMPARED) {
      const recorded = metadata[field];
      const again = replayed.event.metadata[field];
      if (canonicalJson(recorded) !== canonicalJson(again)) {
        return {
          ok: false,
          brokenAt: revision,
          field,
          reason: `Recorded ${field} differs from the replayed one`,
          recorded,
          replayed: again,
        };
      }
    }
    if (isEngineBuilt(event, metadata) && canonicalJson(event.data) !== canonicalJson(replayed.event.data)) {
      return {
        ok: false,
        brokenAt: revision,
        field: 'data',
        reason: `Recorded ${event.type} data differs from the replayed one`,
        recorded: event.data,
        replayed: replayed.event.data,
      };
    }
    // Continue from the recorded event (its own hash), so one difference is reported once.
    state = { ...replayed.state, lastHash: metadata.hash, revision };
  }
  return { ok: true, count: events.length };
}

function isEngineBuilt(event: StoredEventLike, metadata: EventMetadata): boolean {
  return event.type === DEADLINE_MISSED || (metadata.actor?.id === 'system:timer' && event.type.startsWith('xstate.'));
}

function rederive(
  def: WorkflowDefinition,
  state: CaseState | undefined,
  event: StoredEventLike,
  metadata: EventMetadata,
): Decision | null {
  const env = {
    eventId: event.id,
    occurredAt: metadata.occurredAt,
    actor: metadata.actor,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
  };
  if (!state) {
    if (event.type !== CASE_STARTED || metadata.process !== def.process || metadata.machineVersion !== def.version) {
      throw new EngineError('ENGINE.CORRUPT_HISTORY', `Not a ${def.process} v${def.version} case`);
    }
    // The deadlines the case was opened under, not this deployment's current ones.
    return buildStarted(def, metadata.caseId, event.data, env, recordedDeadlines(def, metadata));
  }
  if (EFFECT_OUTCOME_TYPES.has(event.type)) return buildBookkeeping(def, state, event.type, event.data, env);
  const timerId = (event.data as { timerId?: unknown } | null)?.timerId;
  if (metadata.actor?.id === 'system:timer' && typeof timerId === 'string') {
    return fireTimer(def, state, timerId, env);
  }
  const machineEvent = {
    type: event.type,
    data: event.data,
    occurredAt: env.occurredAt,
    actor: env.actor,
    eventId: env.eventId,
  };
  if (!canTake(state, machineEvent)) {
    throw new EngineError(
      'ENGINE.CORRUPT_HISTORY',
      `${event.type} was recorded in state ${canonicalJson(state.state)}, which does not take it`,
    );
  }
  return buildTransition(def, state, event.type, event.data, env);
}
