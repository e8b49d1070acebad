import { SYSTEM_ACTORS } from './actor';
import { DEADLINE_MISSED, type DeadlineTimerRecord, type MachineEvent } from './case-event';
import type { ArmedTimer, CaseState } from './case-state';
import { assertSameVersion, canTake } from './decide';
import { escalationTarget } from './escalation';
import { buildTransition, type CommandEnvelope, type Decision } from './event-builder';
import { EngineError } from './engine-error';
import { activeStateKeys, type HeldBy, machineInfo, resolveResponsible } from './machine-info';
import { requireInstant } from './time';
import type { ResponsibleParty, WorkflowDefinition } from './workflow-definition';

/** When a timer fires; the actor is always `system:timer`. */
export type TimerCommand = Omit<CommandEnvelope, 'actor'>;

/** DEADLINE_MISSED data. */
export interface DeadlineMissedData {
  timerId: string;
  /** State key whose deadline passed. */
  state: string;
  /** As declared in the state's meta. */
  responsible: ResponsibleParty;
  /** Who held the case: the role or group, or the person's user id. */
  heldBy: HeldBy;
  dueAt: string;
  lateByMs: number;
}

/** The data of the event an `after` timer's firing records (its type is the timer's event type). */
export interface TimerFiredData {
  timerId: string;
  dueAt: string;
}

/**
 * A durable timer fired (the worker calls this; `system:timer` is the actor).
 *
 * - `after`: if still armed and the state still takes its event, the event
 *   (`xstate.after.…`, data `{ timerId, dueAt }`) is decided like any other.
 * - `deadline`: if still armed and the case still in that state, a
 *   `DEADLINE_MISSED` is built. It does not move the case (the work is still
 *   owed), but it goes through the machine: a state may react to
 *   `DEADLINE_MISSED` with a targetless transition (assign a flag, notify,
 *   startCase…), whose effects come first; the engine then adds a `notify`
 *   escalating to the next level (`to: [escalationTarget(heldBy)]`, template
 *   `deadline.missed`). A handler that changes the state is a definition
 *   error (the registry refuses it up front).
 *
 * Returns `null` when there is nothing to record: the timer was cancelled
 * (the case left the state), already fired, or never existed.
 *
 * @throws EngineError `CASE.TIMER_NOT_DUE` if it fired before its due time.
 */
export function fireTimer(
  def: WorkflowDefinition,
  caseState: CaseState,
  timerId: string,
  cmd: TimerCommand,
): Decision | null {
  assertSameVersion(def, caseState);
  const timer: ArmedTimer | undefined = caseState.armedTimers[timerId];
  if (!timer || caseState.status !== 'active') return null;
  const now = requireInstant(cmd.occurredAt, 'occurredAt');
  const due = Date.parse(timer.dueAt);
  if (now < due) {
    throw new EngineError('CASE.TIMER_NOT_DUE', `Timer ${timerId} is due at ${timer.dueAt}`, { dueAt: timer.dueAt });
  }
  const env = {
    ...cmd,
    actor: SYSTEM_ACTORS.timer,
    correlationId: cmd.correlationId ?? timer.correlationId,
    causationId: cmd.causationId ?? timer.armedBy,
  };
  if (timer.kind === 'after') {
    const data: TimerFiredData = { timerId, dueAt: timer.dueAt };
    const event: MachineEvent = { type: timer.event.type, data, ...pick(env) };
    if (!canTake(caseState, event)) return null;
    return buildTransition(def, caseState, timer.event.type, data, env, { firedTimerId: timerId });
  }
  if (!activeStateKeys(caseState.state).includes(timer.state)) return null;
  const data = deadlineMissedData(timer, caseState, now - due);
  const label = machineInfo(def).states.get(timer.state)?.label;
  return buildTransition(def, caseState, DEADLINE_MISSED, data, env, {
    firedTimerId: timerId,
    keepState: true,
    extraEffects: () => [
      {
        kind: 'notify',
        params: {
          to: [escalationTarget(data.heldBy)],
          template: 'deadline.missed',
          data: {
            caseId: caseState.streamId,
            process: def.process,
            state: data.state,
            ...(label === undefined ? {} : { label }),
            dueAt: data.dueAt,
            lateByMs: data.lateByMs,
            heldBy: data.heldBy,
            escalationOf: data.heldBy,
          },
        },
      },
    ],
  });
}

function deadlineMissedData(timer: DeadlineTimerRecord, caseState: CaseState, lateByMs: number): DeadlineMissedData {
  return {
    timerId: timer.id,
    state: timer.state,
    responsible: timer.responsible,
    heldBy: resolveResponsible(timer.responsible, caseState.context),
    dueAt: timer.dueAt,
    lateByMs,
  };
}

function pick(env: { occurredAt: string; actor: MachineEvent['actor']; eventId: string }) {
  return { occurredAt: env.occurredAt, actor: env.actor, eventId: env.eventId };
}
