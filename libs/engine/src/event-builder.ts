import { type AnyMachineSnapshot, initialTransition, type StateValue } from 'xstate';
import type { Actor } from './actor';
import { canonicalJson } from './canonical-json';
import {
  CASE_STARTED,
  type CaseEvent,
  type EffectKind,
  type EffectRecord,
  type EventMetadata,
  type MachineEvent,
  type MachineInput,
  type TimerRecord,
} from './case-event';
import { type CaseState, emptyLedger, type Ledger, ledgerOf, record } from './case-state';
import { type CaseDeadlines, effectiveDeadlines, recordedDeadlines } from './deadlines';
import { type ClassifiedActions, classifyActions, type ReturnedAction, toEffectRecords, toPlainJson } from './effects';
import { EngineError } from './engine-error';
import { GENESIS_HASH, sealEvent } from './hash-chain';
import { activeStateKeys, deadlineDueAt, machineInfo } from './machine-info';
import { requireInstant, toIso } from './time';
import { tracedTransition } from './traced-transition';
import type { DeadlineSpec, WorkflowDefinition } from './workflow-definition';

/** Who, when and under which ids: what every command brings besides its type and data. */
export interface CommandEnvelope {
  /** uuid from the caller; becomes the stored event's id (an append retry with it is idempotent). */
  eventId: string;
  /** ISO instant; the only clock the machine sees. */
  occurredAt: string;
  actor: Actor;
  /** Defaults to `eventId` (this event starts a correlation). */
  correlationId?: string | null;
  /** Defaults to `null` (a user's own command). */
  causationId?: string | null;
}

/** A built event and the case as it is once that event is appended at `state.revision`. */
export interface Decision<TData = unknown> {
  event: CaseEvent<TData>;
  state: CaseState;
}

/** Extra effects a caller adds after the machine's own (the engine's deadline escalation). */
export type ExtraEffects = (
  snapshot: AnyMachineSnapshot,
) => Array<{ kind: EffectKind; params: Record<string, unknown> }>;

export interface TransitionOptions {
  /** The timer whose firing this event records: disarmed, and never listed as cancelled. */
  firedTimerId?: string;
  extraEffects?: ExtraEffects;
  /** The event must not change the state value (DEADLINE_MISSED). */
  keepState?: boolean;
}

/**
 * Builds CASE_STARTED from already validated data (`start` validates;
 * `verifyReplay` re-derives, with the deadlines the case recorded). The
 * deadlines default to the definition's effective ones (this deployment's, now).
 */
export function buildStarted(
  def: WorkflowDefinition,
  caseId: string,
  data: unknown,
  env: CommandEnvelope,
  deadlines: CaseDeadlines = effectiveDeadlines(def),
): Decision {
  const occurredAtMs = requireInstant(env.occurredAt, 'occurredAt');
  const input: MachineInput = {
    caseId: publicCaseId(def.process, caseId),
    data,
    occurredAt: env.occurredAt,
    actor: env.actor,
  };
  const [snapshot, actions] = guarded(def, () => initialTransition(def.machine, input));
  const classified = classifyActions(actions as ReturnedAction[]);
  const { timers, cancelledTimers } = timersOf(
    def,
    deadlines,
    undefined,
    snapshot,
    classified,
    env.eventId,
    occurredAtMs,
  );
  const metadata = baseMetadata(
    def,
    caseId,
    env,
    null,
    snapshot.value,
    toEffectRecords(env.eventId, classified.effects),
    timers,
    cancelledTimers,
  );
  metadata.deadlines = toPlainJson(deadlines) as Record<string, DeadlineSpec>;
  const event = sealEvent({ id: env.eventId, type: CASE_STARTED, data, metadata }, GENESIS_HASH);
  const ledger = emptyLedger();
  record(ledger, event);
  return { event, state: stateOf(def, undefined, event, snapshot, ledger, 0n) };
}

/**
 * Builds an event the machine transitions on, from already validated data.
 * The caller has checked the payload, the permission and `can`.
 */
export function buildTransition(
  def: WorkflowDefinition,
  caseState: CaseState,
  type: string,
  data: unknown,
  env: CommandEnvelope,
  options: TransitionOptions = {},
): Decision {
  const occurredAtMs = requireInstant(env.occurredAt, 'occurredAt');
  const machineEvent: MachineEvent = { type, data, occurredAt: env.occurredAt, actor: env.actor, eventId: env.eventId };
  const { snapshot, actions, entered } = guarded(def, () =>
    tracedTransition(def.machine, caseState.snapshot, machineEvent),
  );
  if (options.keepState && canonicalJson(snapshot.value) !== canonicalJson(caseState.state)) {
    throw new EngineError(
      'ENGINE.INVALID_DEFINITION',
      `${def.process} v${def.version}: ${type} moved the case from ${canonicalJson(caseState.state)} to ${canonicalJson(snapshot.value)}; it may only act in place`,
    );
  }
  const classified = classifyActions(actions as ReturnedAction[]);
  const effects = [...classified.effects, ...(options.extraEffects?.(snapshot) ?? [])];
  const { timers, cancelledTimers } = timersOf(
    def,
    caseState.deadlines,
    caseState,
    snapshot,
    classified,
    env.eventId,
    occurredAtMs,
    options.firedTimerId,
    entered,
  );
  const metadata = baseMetadata(
    def,
    caseState.caseId,
    env,
    caseState.state,
    snapshot.value,
    toEffectRecords(env.eventId, effects),
    timers,
    cancelledTimers,
  );
  const event = sealEvent({ id: env.eventId, type, data, metadata }, caseState.lastHash);
  return advance(def, caseState, event, snapshot);
}

/** Builds an event that only keeps the books (effect outcomes): the machine does not see it. */
export function buildBookkeeping(
  def: WorkflowDefinition,
  caseState: CaseState,
  type: string,
  data: unknown,
  env: CommandEnvelope,
): Decision {
  requireInstant(env.occurredAt, 'occurredAt');
  const metadata = baseMetadata(def, caseState.caseId, env, caseState.state, caseState.state, [], [], []);
  const event = sealEvent({ id: env.eventId, type, data, metadata }, caseState.lastHash);
  return advance(def, caseState, event, caseState.snapshot);
}

/** The case once `event` is appended after `previous`. */
function advance(
  def: WorkflowDefinition,
  previous: CaseState,
  event: CaseEvent,
  snapshot: AnyMachineSnapshot,
): Decision {
  const ledger = ledgerOf(previous);
  record(ledger, event);
  return { event, state: stateOf(def, previous, event, snapshot, ledger, previous.revision + 1n) };
}

/**
 * Assembles a CaseState. `first` (the CASE_STARTED event) is needed only
 * when there is no previous state.
 */
export function stateOf(
  def: WorkflowDefinition,
  previous: CaseState | undefined,
  last: { id: string; metadata: Record<string, any> },
  snapshot: AnyMachineSnapshot,
  ledger: Ledger,
  revision: bigint,
  first: { id: string; metadata: Record<string, any> } = last,
): CaseState {
  const metadata = last.metadata as EventMetadata;
  const started = previous ?? {
    caseId: first.metadata.caseId as string,
    startedAt: first.metadata.occurredAt as string,
    startedBy: first.metadata.actor as Actor,
    correlationId: first.metadata.correlationId as string,
    deadlines: recordedDeadlines(def, first.metadata),
  };
  return {
    caseId: started.caseId,
    process: def.process,
    version: def.version,
    streamId: `${def.process}-${started.caseId}`,
    revision,
    snapshot,
    state: snapshot.value,
    context: snapshot.context,
    status: snapshot.status,
    lastEventId: last.id,
    lastHash: metadata.hash,
    deadlines: started.deadlines,
    armedTimers: ledger.armedTimers,
    pendingEffects: ledger.pendingEffects,
    incidents: ledger.incidents,
    missedDeadlines: ledger.missedDeadlines,
    overdue: ledger.overdue,
    startedAt: started.startedAt,
    startedBy: started.startedBy,
    updatedAt: metadata.occurredAt,
    correlationId: started.correlationId,
  };
}

/**
 * An event's metadata but its links (`sealEvent` adds those), built in one
 * object in the order it is stored: `deadlines`, set after, comes last.
 */
function baseMetadata(
  def: WorkflowDefinition,
  caseId: string,
  env: CommandEnvelope,
  stateBefore: StateValue | null,
  stateAfter: StateValue,
  effects: EffectRecord[],
  timers: TimerRecord[],
  cancelledTimers: string[],
): Omit<EventMetadata, 'prevHash' | 'hash'> {
  return {
    caseId,
    process: def.process,
    machineVersion: def.version,
    actor: recordedActor(env.actor),
    occurredAt: env.occurredAt,
    correlationId: env.correlationId ?? env.eventId,
    causationId: env.causationId ?? null,
    stateBefore,
    stateAfter,
    effects,
    timers,
    cancelledTimers,
  };
}

/** The actor as it is recorded: a copy, with only the fields that make sense in a history. */
export function recordedActor(actor: Actor): Actor {
  const copy: Actor = { id: actor.id, name: actor.name, roles: [...actor.roles], kind: actor.kind };
  if (actor.unit !== undefined) copy.unit = actor.unit;
  if (actor.groups !== undefined) copy.groups = [...actor.groups];
  return copy;
}

/**
 * Timers a transition arms and disarms: XState's delayed raises (`after`)
 * and cancels, plus the case's deadlines of the waiting states it enters and
 * leaves. A state the transition exits and enters again (`reenter: true`)
 * has its deadline re-armed from now and the old one cancelled. Reaching a
 * final state disarms everything.
 */
function timersOf(
  def: WorkflowDefinition,
  deadlines: CaseDeadlines,
  before: CaseState | undefined,
  snapshot: AnyMachineSnapshot,
  classified: ClassifiedActions,
  eventId: string,
  occurredAtMs: number,
  firedTimerId?: string,
  entered: ReadonlySet<string> = new Set(),
): { timers: TimerRecord[]; cancelledTimers: string[] } {
  const info = machineInfo(def);
  const armed = before ? Object.values(before.armedTimers).filter((timer) => timer.id !== firedTimerId) : [];
  const active = snapshot.status === 'active';
  const afterKeys = active ? activeStateKeys(snapshot.value) : [];
  const beforeKeys = before ? activeStateKeys(before.state) : [];

  const cancelled = new Set<string>();
  for (const sendId of classified.cancelled) {
    for (const timer of armed) if (timer.kind === 'after' && timer.sendId === sendId) cancelled.add(timer.id);
  }
  for (const timer of armed) {
    const left = timer.kind === 'deadline' && (!afterKeys.includes(timer.state) || entered.has(timer.state));
    if (!active || left) cancelled.add(timer.id);
  }

  const timers: TimerRecord[] = [];
  if (active) {
    classified.delayed.forEach((delayed, n) => {
      timers.push({
        id: `${eventId}_after_${n}`,
        kind: 'after',
        state: info.afterEvents.get(delayed.event.type) ?? '',
        event: delayed.event,
        sendId: delayed.sendId,
        delayMs: delayed.delayMs,
        dueAt: toIso(occurredAtMs + delayed.delayMs),
      });
    });
    let n = 0;
    // Document order, so timer ids do not depend on how the deadlines were recorded.
    for (const state of info.states.values()) {
      const spec = deadlines[state.key];
      if (spec === undefined || !afterKeys.includes(state.key)) continue;
      if (beforeKeys.includes(state.key) && !entered.has(state.key)) continue;
      timers.push({
        id: `${eventId}_deadline_${n++}`,
        kind: 'deadline',
        state: state.key,
        dueAt: toIso(deadlineDueAt(spec, occurredAtMs, snapshot.context)),
        // The registry refuses a deadline without a responsible party.
        responsible: state.responsible!,
      });
    }
  }
  return { timers, cancelledTimers: [...cancelled] };
}

/**
 * Runs a pure transition; a guard or assign that throws, or a snapshot in
 * error, is a definition bug (the payload was validated before), never an
 * event to store.
 */
function guarded<T extends [AnyMachineSnapshot, unknown[]] | { snapshot: AnyMachineSnapshot }>(
  def: WorkflowDefinition,
  run: () => T,
): T {
  let result: T;
  try {
    result = run();
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw definitionFailure(def, error);
  }
  const snapshot = Array.isArray(result) ? result[0] : result.snapshot;
  if (snapshot.status === 'error') throw definitionFailure(def, snapshot.error);
  return result;
}

function definitionFailure(def: WorkflowDefinition, cause: unknown): EngineError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new EngineError(
    'ENGINE.INVALID_DEFINITION',
    `${def.process} v${def.version} failed in a transition: ${message}`,
  );
}

/**
 * The id a machine knows its case by: the stream name `<process>-<uuid>`,
 * the same id every API route and link uses (a bare uuid names no case).
 */
export function publicCaseId(process: string, caseId: string): string {
  return `${process}-${caseId}`;
}
