import type { StateValue } from 'xstate';
import type { Actor } from './actor';
import type { DeadlineSpec, ResponsibleParty } from './workflow-definition';

/** The first event of every case stream. Its data is the validated start input plus the looked-up facts. */
export const CASE_STARTED = 'CASE_STARTED';
/** A waiting state's deadline passed with the case still there. Recorded by `system:timer`; never moves the case. */
export const DEADLINE_MISSED = 'DEADLINE_MISSED';
/** A worker finished an effect. Recorded by `system:effects` in any state; not a machine event. */
export const EFFECT_SUCCEEDED = 'EFFECT_SUCCEEDED';
/** A worker's attempt at an effect failed; `final: true` makes it an incident. Not a machine event. */
export const EFFECT_FAILED = 'EFFECT_FAILED';
/** An operator asked to retry an incident: the effect is pending again. Not a machine event. */
export const EFFECT_RETRY_REQUESTED = 'EFFECT_RETRY_REQUESTED';

/** Event types that only the engine writes; a definition may not declare them in `events`. */
export const ENGINE_EVENT_TYPES: ReadonlySet<string> = new Set([
  CASE_STARTED,
  DEADLINE_MISSED,
  EFFECT_SUCCEEDED,
  EFFECT_FAILED,
  EFFECT_RETRY_REQUESTED,
]);

/** Engine events that bypass the machine (bookkeeping only). */
export const EFFECT_OUTCOME_TYPES: ReadonlySet<string> = new Set([
  EFFECT_SUCCEEDED,
  EFFECT_FAILED,
  EFFECT_RETRY_REQUESTED,
]);

/**
 * What every machine receives. Guards and assigns read time only from
 * `occurredAt`, so a replay takes the same paths.
 */
export interface MachineEvent<TType extends string = string, TData = any> {
  type: TType;
  data: TData;
  /** ISO instant the command happened (from the caller, never the clock). */
  occurredAt: string;
  actor: Actor;
  eventId: string;
}

/** A machine's `input` on start (its context factory reads it). */
export interface MachineInput<TData = any> {
  /** The case's public id, `<process>-<uuid>` (its stream name). */
  caseId: string;
  /** The validated start input merged with the looked-up facts (the CASE_STARTED data). */
  data: TData;
  occurredAt: string;
  actor: Actor;
}

/** Effect kinds a machine may request; each is a named action in `setup({ actions })`. */
export type EffectKind = 'notify' | 'startCase' | 'sendEvent' | 'reportUpward';

/** An effect as recorded in an event's metadata; the dispatcher turns it into a BullMQ job with jobId `id`. */
export interface EffectRecord<TParams = Record<string, unknown>> {
  /** `<eventId>_<n>`, n the index among this event's effects; no ':' (BullMQ refuses it). */
  id: string;
  kind: EffectKind;
  params: TParams;
}

/** A delayed `after` transition, armed when its state is entered. */
export interface AfterTimerRecord {
  /** `<eventId>_after_<n>`. */
  id: string;
  kind: 'after';
  /** State key (dotted path) whose `after` armed it. */
  state: string;
  /** The event to send when it fires (XState's `xstate.after.<delay>.<stateId>`). */
  event: { type: string };
  /** XState's send id; the engine maps `xstate.cancel` back to this timer with it. */
  sendId: string;
  delayMs: number;
  dueAt: string;
}

/** A waiting state's deadline (`meta.deadline`), armed when its state is entered. */
export interface DeadlineTimerRecord {
  /** `<eventId>_deadline_<n>`. */
  id: string;
  kind: 'deadline';
  state: string;
  dueAt: string;
  /** The state's `meta.responsible` as declared (person as a context path). */
  responsible: ResponsibleParty;
}

export type TimerRecord = AfterTimerRecord | DeadlineTimerRecord;

/** The actor as recorded (a copy at that moment). */
export type RecordedActor = Actor;

/**
 * Every event's metadata. A type alias (not an interface) so it is assignable
 * to the store port's `Record<string, unknown>`.
 */
export type EventMetadata = {
  caseId: string;
  process: string;
  machineVersion: number;
  actor: RecordedActor;
  occurredAt: string;
  /** The caller's, or this event's id when the caller gave none (it starts a correlation). */
  correlationId: string;
  /** The event or effect that caused this one; `null` for a user's own command. */
  causationId: string | null;
  /** `null` on CASE_STARTED. */
  stateBefore: StateValue | null;
  stateAfter: StateValue;
  effects: EffectRecord[];
  timers: TimerRecord[];
  /** Ids of armed timers this event disarms (the case left their state, or left and re-entered it). */
  cancelledTimers: string[];
  /**
   * CASE_STARTED only: the deadline of each waiting state, by state key, as
   * the deployment configured them when the case was opened. The case arms
   * these for its whole life, whatever the configuration says later (see
   * `CaseDeadlines`). Absent from cases recorded before it existed.
   */
  deadlines?: Record<string, DeadlineSpec>;
  prevHash: string;
  hash: string;
};

/** An event the engine built, ready to append (matches the store port's `EventData`). */
export type CaseEvent<TData = unknown> = {
  /** The command's `eventId` (uuid): re-appending it is idempotent. */
  id: string;
  type: string;
  data: TData;
  metadata: EventMetadata;
};

/**
 * The least the engine needs of a stored event; the store's `RecordedEvent`
 * fits. `revision` defaults to the index in the list given.
 */
export interface StoredEventLike {
  id: string;
  type: string;
  data: unknown;
  metadata: Record<string, any>;
  revision?: bigint;
}
