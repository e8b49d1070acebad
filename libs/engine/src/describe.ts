import type { AnyStateNode } from 'xstate';
import { machineInfo } from './machine-info';
import type { DeadlineSpec, PolicyRule, ResponsibleParty, WorkflowDefinition } from './workflow-definition';

/** One state as `GET /processes` shows it. */
export interface StateDescription {
  /** State key (dotted path). */
  name: string;
  final: boolean;
  label?: string;
  /** Effective deadline (deployment override applied): what a case opened now records and keeps. */
  deadline?: DeadlineSpec;
  responsible?: ResponsibleParty;
  /** Event types with a transition from this state. */
  events: string[];
}

/** A process version as `GET /processes` shows it. */
export interface ProcessDescription {
  process: string;
  version: number;
  title: string;
  /** Initial state key (the state a start lands in may differ: eventless transitions run first). */
  initial?: string;
  states: StateDescription[];
  /** Event types users or systems may send, with who may send them. */
  events: Array<{ type: string; policy: PolicyRule[] }>;
  /** Who may open a case (`startPolicy`). */
  start: PolicyRule[];
}

/** A definition for the process list (`GET /processes`). */
export function describeProcess(def: WorkflowDefinition): ProcessDescription {
  const info = machineInfo(def);
  const root = def.machine.root;
  return {
    process: def.process,
    version: def.version,
    title: def.title,
    initial: root.initial?.target[0]?.path.join('.'),
    states: [...info.states.values()].map((state) => {
      const description: StateDescription = { name: state.key, final: state.final, events: state.events };
      if (state.label !== undefined) description.label = state.label;
      if (state.deadline !== undefined) description.deadline = state.deadline;
      if (state.responsible !== undefined) description.responsible = state.responsible;
      return description;
    }),
    events: Object.keys(def.events).map((type) => ({
      type,
      policy: Object.hasOwn(def.policy, type) ? def.policy[type] : [],
    })),
    start: def.startPolicy,
  };
}

/** A transition in {@link MachineJson}. */
export interface TransitionJson {
  event: string;
  /** Target state keys; empty for a transition that acts in place. */
  targets: string[];
  guard?: string;
  actions: string[];
  reenter?: boolean;
}

/** A state in {@link MachineJson}. */
export interface StateJson {
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  initial?: string;
  label?: string;
  deadline?: DeadlineSpec;
  responsible?: ResponsibleParty;
  transitions: TransitionJson[];
  states: StateJson[];
}

/** The machine as plain JSON for the console's diagram (`GET /processes/:process/diagram`). */
export interface MachineJson {
  id: string;
  process: string;
  version: number;
  title: string;
  initial?: string;
  states: StateJson[];
}

/**
 * The machine as plain JSON: states with their effective deadlines and
 * responsible parties, transitions with targets, guard and action names
 * (delayed transitions as `after <ms or delay name>`, eventless ones as `always`).
 */
export function machineJson(def: WorkflowDefinition): MachineJson {
  const info = machineInfo(def);
  const root = def.machine.root;
  const stateJson = (node: AnyStateNode): StateJson => {
    const key = node.path.join('.');
    const state = info.states.get(key);
    const json: StateJson = { key, type: node.type, transitions: transitionsOf(node), states: [] };
    const initial = node.initial?.target[0]?.path.join('.');
    if (initial) json.initial = initial;
    if (state?.label !== undefined) json.label = state.label;
    if (state?.deadline !== undefined) json.deadline = state.deadline;
    if (state?.responsible !== undefined) json.responsible = state.responsible;
    json.states = (Object.values(node.states) as AnyStateNode[]).map(stateJson);
    return json;
  };
  return {
    id: def.machine.id,
    process: def.process,
    version: def.version,
    title: def.title,
    initial: root.initial?.target[0]?.path.join('.'),
    states: (Object.values(root.states) as AnyStateNode[]).map(stateJson),
  };
}

function transitionsOf(node: AnyStateNode): TransitionJson[] {
  const delayedNames = new Map<string, string>();
  for (const delayed of node.after) delayedNames.set(delayed.eventType, `after ${String(delayed.delay)}`);
  const out: TransitionJson[] = [];
  const add = (event: string, transition: any): void => {
    const json: TransitionJson = {
      event,
      targets: (transition.target ?? []).map((target: AnyStateNode) => target.path.join('.')),
      actions: (transition.actions ?? []).map(actionName),
    };
    const guard = guardName(transition.guard);
    if (guard) json.guard = guard;
    if (transition.reenter) json.reenter = true;
    out.push(json);
  };
  for (const [event, transitions] of node.transitions) {
    for (const transition of transitions) add(delayedNames.get(event) ?? event, transition);
  }
  for (const transition of node.always ?? []) add('always', transition);
  return out;
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'function') return (action as { type?: string }).type ?? action.name ?? 'inline';
  if (action && typeof action === 'object' && 'type' in action) return String((action as { type: unknown }).type);
  return 'inline';
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return (guard as { type?: string }).type ?? guard.name ?? 'inline';
  if (guard && typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  return 'inline';
}
