import type { RecordedEvent } from '@app/event-store';
import {
  type Actor,
  type CaseState,
  type EventMetadata,
  type WorkflowDefinition,
  allowedEventsFor,
  currentResponsible,
  leafStateKeys,
} from '@app/engine';

/** What `GET /cases/:id` and every command answer with. */
export interface CaseView {
  id: string;
  process: string;
  version: number;
  title: string;
  state: unknown;
  /** Leaf state keys, e.g. `["awaitingChiefApproval"]`. */
  states: string[];
  status: string;
  revision: number;
  context: unknown;
  /** Events the caller may send now: the state accepts them and the policy lets the caller send them. */
  nextEvents: string[];
  responsible: unknown[];
  deadlines: { timerId: string; state: string; dueAt: string; responsible: unknown }[];
  timers: { timerId: string; state: string; dueAt: string; event: string }[];
  overdue: unknown[];
  pendingEffects: unknown[];
  incidents: unknown[];
  startedAt: string;
  startedBy: { id: string; name: string };
  updatedAt: string;
  /** Parent and children (linked cases the caller may read), from the case index. */
  links?: { parent: string | null; children: string[] };
  /** Global position of the event this view follows, when it was just appended: pass it as `?minPosition=` to lists. */
  position?: bigint;
}

export function toCaseView(def: WorkflowDefinition, state: CaseState, actor: Actor | undefined): CaseView {
  const armed = Object.values(state.armedTimers);
  return {
    id: state.streamId,
    process: state.process,
    version: state.version,
    title: def.title,
    state: state.state,
    states: leafStateKeys(state.state),
    status: state.status,
    revision: Number(state.revision),
    context: state.context,
    nextEvents: actor && state.status === 'active' ? allowedEventsFor(def, state, actor) : [],
    responsible: state.status === 'active' ? currentResponsible(def, state) : [],
    deadlines: armed
      .filter((t) => t.kind === 'deadline')
      .map((t) => ({
        timerId: t.id,
        state: t.state,
        dueAt: t.dueAt,
        responsible: (t as { responsible?: unknown }).responsible,
      })),
    timers: armed
      .filter((t) => t.kind === 'after')
      .map((t) => ({
        timerId: t.id,
        state: t.state,
        dueAt: t.dueAt,
        event: (t as { event: { type: string } }).event.type,
      })),
    overdue: [...state.overdue],
    pendingEffects: Object.values(state.pendingEffects),
    incidents: Object.values(state.incidents),
    startedAt: state.startedAt,
    startedBy: { id: state.startedBy.id, name: state.startedBy.name },
    updatedAt: state.updatedAt,
  };
}

/** One line of `GET /cases/:id/history`: the event with who, when, the states around it, and its hash. */
export function toHistoryEntry(event: RecordedEvent) {
  const m = event.metadata as unknown as EventMetadata;
  return {
    revision: Number(event.revision),
    position: event.position.toString(),
    id: event.id,
    type: event.type,
    data: event.data,
    actor: m.actor,
    occurredAt: m.occurredAt,
    stateBefore: m.stateBefore,
    stateAfter: m.stateAfter,
    effects: m.effects,
    timers: m.timers,
    cancelledTimers: m.cancelledTimers,
    correlationId: m.correlationId,
    causationId: m.causationId,
    machineVersion: m.machineVersion,
    prevHash: m.prevHash,
    hash: m.hash,
  };
}
