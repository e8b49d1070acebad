import type { AnyStateNode, StateValue } from 'xstate';
import { EngineError } from './engine-error';
import { parseDuration, parseInstant } from './time';
import type { DeadlineSpec, ResponsibleParty, WaitingStateMeta, WorkflowDefinition } from './workflow-definition';

/** What the engine knows about one state of a definition, overrides applied. */
export interface StateInfo {
  /** Dotted path from the root (`awaitingChiefApproval`, `review.open`): the name used in overrides and views. */
  key: string;
  /** XState's node id. */
  id: string;
  final: boolean;
  label?: string;
  /** Effective deadline: the deployment override, else `meta.deadline`. */
  deadline?: DeadlineSpec;
  responsible?: ResponsibleParty;
  /** Event types with a transition from this node itself (XState internals and `*` left out). */
  events: string[];
  node: AnyStateNode;
}

/** A definition's states, indexed once and cached per definition object. */
export interface MachineInfo {
  states: ReadonlyMap<string, StateInfo>;
  /** States with a deadline, in document order. */
  deadlineStates: readonly StateInfo[];
  /** The effective deadline of each of them, by state key: what a case opened now records. */
  deadlines: Readonly<Record<string, DeadlineSpec>>;
  /** `xstate.after.*` event type → the state key whose `after` it belongs to. */
  afterEvents: ReadonlyMap<string, string>;
}

const cache = new WeakMap<WorkflowDefinition, MachineInfo>();

/** Indexes a definition's machine (cached: a definition is immutable once registered). */
export function machineInfo(def: WorkflowDefinition): MachineInfo {
  let info = cache.get(def);
  if (!info) {
    info = buildInfo(def);
    cache.set(def, info);
  }
  return info;
}

function buildInfo(def: WorkflowDefinition): MachineInfo {
  const states = new Map<string, StateInfo>();
  const afterEvents = new Map<string, string>();
  const visit = (node: AnyStateNode): void => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      const key = child.path.join('.');
      const meta = (child.meta ?? {}) as WaitingStateMeta;
      states.set(key, {
        key,
        id: child.id,
        final: child.type === 'final',
        label: meta.label,
        deadline: def.deadlines?.[key] ?? meta.deadline,
        responsible: meta.responsible,
        events: child.ownEvents.filter((type: string) => !type.startsWith('xstate.') && type !== '*'),
        node: child,
      });
      for (const delayed of child.after) afterEvents.set(delayed.eventType, key);
      visit(child);
    }
  };
  visit(def.machine.root);
  const deadlineStates = [...states.values()].filter((state) => state.deadline !== undefined);
  const deadlines = Object.freeze(Object.fromEntries(deadlineStates.map((state) => [state.key, state.deadline!])));
  return { states, deadlineStates, deadlines, afterEvents };
}

/**
 * Every state key active in a state value, ancestors included:
 * `{ a: { b: 'c' } }` → `a`, `a.b`, `a.b.c`.
 */
export function activeStateKeys(value: StateValue): string[] {
  const keys: string[] = [];
  const walk = (v: StateValue, prefix: string): void => {
    if (typeof v === 'string') {
      keys.push(prefix + v);
      return;
    }
    for (const [region, sub] of Object.entries(v)) {
      keys.push(prefix + region);
      if (sub !== undefined) walk(sub as StateValue, `${prefix}${region}.`);
    }
  };
  walk(value, '');
  return keys;
}

/** The leaf state keys of a state value (`{ a: 'b', c: 'd' }` → `a.b`, `c.d`), for views and filters. */
export function leafStateKeys(value: StateValue): string[] {
  const all = activeStateKeys(value);
  return all.filter((key) => !all.some((other) => other.startsWith(`${key}.`)));
}

/** A value at a dotted path (`applicant.id`) in an object, or `undefined`. */
export function getPath(source: unknown, path: string): unknown {
  let current: any = source;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = current[part];
  }
  return current;
}

/**
 * The due time (ms) of a deadline entered at `enteredAtMs`: a duration from
 * then, or an instant in the context plus a grace.
 */
export function deadlineDueAt(spec: DeadlineSpec, enteredAtMs: number, context: unknown): number {
  if (typeof spec === 'string') return enteredAtMs + parseDuration(spec);
  const at = parseInstant(getPath(context, spec.at));
  if (at === undefined) {
    throw new EngineError(
      'ENGINE.INVALID_DEFINITION',
      `Deadline refers to context "${spec.at}", which is not an ISO instant in this case`,
      { path: spec.at },
    );
  }
  return at + (spec.plus ? parseDuration(spec.plus) : 0);
}

/** A responsible party with the person resolved to an id: who held the case. */
export type HeldBy = { role: string } | { group: string } | { person: string };

/** Resolves `{ person: 'applicant.id' }` against the context; roles and groups stay symbolic. */
export function resolveResponsible(responsible: ResponsibleParty, context: unknown): HeldBy {
  if ('person' in responsible) {
    const id = getPath(context, responsible.person);
    if (typeof id !== 'string' || id === '') {
      throw new EngineError(
        'ENGINE.INVALID_DEFINITION',
        `Responsible person "${responsible.person}" is not a user id in this case's context`,
        { path: responsible.person },
      );
    }
    return { person: id };
  }
  return 'role' in responsible ? { role: responsible.role } : { group: responsible.group };
}
