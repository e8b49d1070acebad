import type { AnyMachineSnapshot, StateValue } from 'xstate';
import { type Actor, SYSTEM_ACTORS } from './actor';
import {
  DEADLINE_MISSED,
  EFFECT_FAILED,
  EFFECT_RETRY_REQUESTED,
  EFFECT_SUCCEEDED,
  type EffectKind,
  type EventMetadata,
  type StoredEventLike,
  type TimerRecord,
} from './case-event';
import { activeStateKeys, type HeldBy } from './machine-info';
import type { DeadlineSpec, ResponsibleParty } from './workflow-definition';

/** A timer the case has armed and not yet fired or cancelled; the worker keeps a delayed job for each. */
export type ArmedTimer = TimerRecord & {
  /** The event that armed it (causation for the event its firing records). */
  armedBy: string;
  armedAt: string;
  correlationId: string;
};

/** An effect emitted and not yet finished (no SUCCEEDED, no final FAILED); the reconciler re-enqueues these. */
export interface PendingEffect {
  id: string;
  kind: EffectKind;
  params: Record<string, unknown>;
  /** The event whose metadata holds it. */
  eventId: string;
  emittedAt: string;
  correlationId: string;
  /** Failed attempts so far. */
  attempts: number;
  lastError?: string;
}

/** An effect that exhausted its retries: visible on the case, retryable by an operator. */
export interface Incident {
  effectId: string;
  kind: EffectKind;
  params: Record<string, unknown>;
  eventId: string;
  attempt: number;
  error: string;
  failedAt: string;
}

/** A deadline that passed with the case still waiting (one per DEADLINE_MISSED). */
export interface MissedDeadline {
  timerId: string;
  state: string;
  dueAt: string;
  missedAt: string;
  responsible: ResponsibleParty;
  heldBy: HeldBy;
  /** The DEADLINE_MISSED event. */
  eventId: string;
}

/**
 * A case as of one revision: what `fold` returns and `decide` starts from.
 * Immutable: the engine never changes a state it was given, so a cached
 * state may be shared.
 */
export interface CaseState<TContext = any> {
  caseId: string;
  process: string;
  /** The machine version the case started on; it replays and advances on it. */
  version: number;
  /** `<process>-<caseId>`. */
  streamId: string;
  /** Revision of the last event folded (0n after CASE_STARTED): the next append's expected revision. */
  revision: bigint;
  snapshot: AnyMachineSnapshot;
  /** `snapshot.value`. */
  state: StateValue;
  /** `snapshot.context`. */
  context: TContext;
  /** `active`, or `done` once a final state is reached. */
  status: AnyMachineSnapshot['status'];
  lastEventId: string;
  /** The last event's hash: the next event's `prevHash`. */
  lastHash: string;
  /**
   * The deadline of each waiting state, by state key, that this case arms:
   * recorded in its CASE_STARTED (the deployment's configuration when it was
   * opened), not the registry's current ones.
   */
  deadlines: Readonly<Record<string, DeadlineSpec>>;
  /** By timer id. */
  armedTimers: Readonly<Record<string, ArmedTimer>>;
  /** By effect id. */
  pendingEffects: Readonly<Record<string, PendingEffect>>;
  /** By effect id. */
  incidents: Readonly<Record<string, Incident>>;
  /** Every DEADLINE_MISSED so far, oldest first (the inaction history). */
  missedDeadlines: readonly MissedDeadline[];
  /** Missed deadlines of states the case has not left since: the work is still owed. */
  overdue: readonly MissedDeadline[];
  startedAt: string;
  startedBy: Actor;
  /** `occurredAt` of the last event. */
  updatedAt: string;
  /** The CASE_STARTED correlation id. */
  correlationId: string;
}

/** The mutable working copy a fold updates, built once per fold. */
export interface Ledger {
  armedTimers: Record<string, ArmedTimer>;
  pendingEffects: Record<string, PendingEffect>;
  incidents: Record<string, Incident>;
  missedDeadlines: MissedDeadline[];
  overdue: MissedDeadline[];
}

export function emptyLedger(): Ledger {
  return { armedTimers: {}, pendingEffects: {}, incidents: {}, missedDeadlines: [], overdue: [] };
}

/** A copy of a state's books that a fold may change without touching the (possibly cached) state. */
export function ledgerOf(state: CaseState): Ledger {
  return {
    armedTimers: copyOwn(state.armedTimers),
    pendingEffects: copyOwn(state.pendingEffects),
    incidents: copyOwn(state.incidents),
    missedDeadlines: [...state.missedDeadlines],
    overdue: [...state.overdue],
  };
}

/**
 * `{ ...source }`, made so that members set on it afterwards stay cheap: V8
 * (Node 20) gives a spread copy a hidden class it cannot extend along cached
 * transitions, and every member added after costs about a microsecond (a
 * timer armed, an effect emitted). Object.assign copies the same own
 * enumerable members in the same order; it would set the prototype for an own
 * `__proto__` member, so that one is spread.
 */
function copyOwn<T extends object>(source: T): T {
  return Object.hasOwn(source, '__proto__') ? { ...source } : Object.assign({}, source);
}

const TIMER_ACTOR = SYSTEM_ACTORS.timer.id;

/**
 * Keeps the books from an event's recorded metadata and data: timers armed
 * and disarmed, effects pending, failed or retried, deadlines missed. Reads
 * only what was recorded, so a fold never recomputes (or runs) an effect.
 */
export function record(ledger: Ledger, event: StoredEventLike): void {
  const metadata = event.metadata as EventMetadata;
  const data = event.data as Record<string, any> | null;
  if (metadata.actor?.id === TIMER_ACTOR && typeof data?.timerId === 'string') {
    delete ledger.armedTimers[data.timerId];
  }
  const cancelled = metadata.cancelledTimers;
  if (cancelled) for (let i = 0; i < cancelled.length; i++) delete ledger.armedTimers[cancelled[i]];
  const timers = metadata.timers;
  if (timers) {
    for (let i = 0; i < timers.length; i++) {
      const timer = timers[i];
      // As `{ ...timer, armedBy, armedAt, correlationId }`: the same members in the same order.
      const armed = copyOwn(timer) as ArmedTimer;
      armed.armedBy = event.id;
      armed.armedAt = metadata.occurredAt;
      armed.correlationId = metadata.correlationId;
      ledger.armedTimers[timer.id] = armed;
    }
  }
  const effects = metadata.effects;
  if (effects) {
    for (let i = 0; i < effects.length; i++) {
      const effect = effects[i];
      ledger.pendingEffects[effect.id] = {
        id: effect.id,
        kind: effect.kind,
        params: effect.params,
        eventId: event.id,
        emittedAt: metadata.occurredAt,
        correlationId: metadata.correlationId,
        attempts: 0,
      };
    }
  }
  if (ledger.overdue.length > 0) {
    const active = activeStateKeys(metadata.stateAfter);
    ledger.overdue = ledger.overdue.filter((missed) => active.includes(missed.state));
  }
  switch (event.type) {
    case DEADLINE_MISSED: {
      const missed = data as {
        timerId: string;
        state: string;
        dueAt: string;
        responsible: ResponsibleParty;
        heldBy: HeldBy;
      };
      const entry: MissedDeadline = {
        timerId: missed.timerId,
        state: missed.state,
        dueAt: missed.dueAt,
        missedAt: metadata.occurredAt,
        responsible: missed.responsible,
        heldBy: missed.heldBy,
        eventId: event.id,
      };
      ledger.missedDeadlines.push(entry);
      ledger.overdue.push(entry);
      break;
    }
    case EFFECT_SUCCEEDED: {
      const { effectId } = data as { effectId: string };
      delete ledger.pendingEffects[effectId];
      delete ledger.incidents[effectId];
      break;
    }
    case EFFECT_FAILED: {
      const failed = data as { effectId: string; attempt: number; error: string; final: boolean };
      const pending = ledger.pendingEffects[failed.effectId];
      if (!pending) break;
      if (failed.final) {
        delete ledger.pendingEffects[failed.effectId];
        ledger.incidents[failed.effectId] = {
          effectId: pending.id,
          kind: pending.kind,
          params: pending.params,
          eventId: pending.eventId,
          attempt: failed.attempt,
          error: failed.error,
          failedAt: metadata.occurredAt,
        };
      } else {
        const retried = copyOwn(pending);
        retried.attempts = failed.attempt;
        retried.lastError = failed.error;
        ledger.pendingEffects[failed.effectId] = retried;
      }
      break;
    }
    case EFFECT_RETRY_REQUESTED: {
      const { effectId } = data as { effectId: string };
      const incident = ledger.incidents[effectId];
      if (!incident) break;
      delete ledger.incidents[effectId];
      ledger.pendingEffects[effectId] = {
        id: incident.effectId,
        kind: incident.kind,
        params: incident.params,
        eventId: incident.eventId,
        emittedAt: metadata.occurredAt,
        correlationId: metadata.correlationId,
        attempts: incident.attempt,
        lastError: incident.error,
      };
      break;
    }
  }
}

/** Armed timers, soonest first: what the worker re-arms on start-up. */
export function armedTimers(caseState: CaseState): ArmedTimer[] {
  return Object.values(caseState.armedTimers).sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
}

/** Armed timers due at or before `now` (an ISO instant the caller supplies). */
export function dueTimers(caseState: CaseState, now: string): ArmedTimer[] {
  const nowMs = Date.parse(now);
  return armedTimers(caseState).filter((timer) => Date.parse(timer.dueAt) <= nowMs);
}

/** Pending effects, oldest first (emission order). */
export function pendingEffects(caseState: CaseState): PendingEffect[] {
  return Object.values(caseState.pendingEffects);
}
