import {
  type AnyActorScope,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  createActor,
  type InspectionEvent,
} from 'xstate';
import type { MachineEvent } from './case-event';
import { activeStateKeys } from './machine-info';

/** What one pure transition did. */
export interface TracedTransition {
  snapshot: AnyMachineSnapshot;
  /** The actions to execute, as XState's pure `transition` returns them (none is executed). */
  actions: unknown[];
  /**
   * State keys the transition entered, in any of its microsteps, a state it
   * exited and entered again included (`reenter: true`, or a transition from
   * an ancestor). A state value before and after cannot tell a re-entered
   * state from one that was never left; the deadlines need to know.
   */
  entered: ReadonlySet<string>;
}

interface Collector {
  actions: unknown[];
  entered: Set<string>;
}

/** The transition being traced (transitions are synchronous and never nest). */
let collecting: Collector | undefined;

const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();

/**
 * The scope XState's pure `transition` builds (no-op defer/emit/stopChild/
 * logger, an action executor that only collects), made once per machine, with
 * an inspection observer on its system: XState reports each microstep's
 * selected transitions to it (`@xstate.microstep`), which is how the entered
 * states are known. Reusing one scope is safe for the reason the replay's is
 * (see replay-transition.ts): engine machines have no children.
 */
function tracingScope(machine: AnyStateMachine): AnyActorScope {
  let scope = scopes.get(machine);
  if (!scope) {
    // Never started: its own eager initial snapshot (without input) may fail, harmlessly.
    const self = createActor(machine);
    self.system.inspect((event: InspectionEvent) => {
      if (collecting && event.type === '@xstate.microstep') {
        noteEntered(collecting.entered, event._transitions, event.snapshot as AnyMachineSnapshot);
      }
    });
    const ignore = (): void => {};
    scope = {
      self,
      id: '',
      sessionId: '',
      logger: ignore,
      defer: ignore,
      emit: ignore,
      stopChild: ignore,
      system: self.system,
      actionExecutor: (action: unknown) => {
        collecting?.actions.push(action);
      },
    };
    scopes.set(machine, scope);
  }
  return scope;
}

/** XState's pure `transition(machine, snapshot, event)`, which also tells the states it entered. */
export function tracedTransition(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: MachineEvent,
): TracedTransition {
  const scope = tracingScope(machine);
  const collector: Collector = { actions: [], entered: new Set() };
  const outer = collecting;
  collecting = collector;
  try {
    const next = machine.transition(snapshot, event, scope) as AnyMachineSnapshot;
    return { snapshot: next, actions: collector.actions, entered: collector.entered };
  } finally {
    collecting = outer;
  }
}

/**
 * A microstep exits every active state below each transition's domain and
 * enters the states below it that are active afterwards (SCXML, as XState v5
 * computes it); a re-entering transition whose domain is its own source
 * exits and enters the source too.
 */
function noteEntered(
  entered: Set<string>,
  transitions: readonly AnyTransitionDefinition[],
  after: AnyMachineSnapshot,
): void {
  let active: string[] | undefined;
  for (const transition of transitions) {
    if (!transition.target?.length) continue;
    const domain = transitionDomain(transition);
    const prefix = domain.path.length === 0 ? '' : `${domain.path.join('.')}.`;
    active ??= activeStateKeys(after.value);
    for (const key of active) if (key.startsWith(prefix)) entered.add(key);
    if (transition.reenter && domain === transition.source && domain.path.length > 0) {
      entered.add(domain.path.join('.'));
    }
  }
}

/**
 * XState v5's transition domain: the source itself for a transition that
 * stays inside it without `reenter`, else the least common proper ancestor
 * of source and targets (the root when there is none). History targets count
 * as the history node itself (engine machines have none).
 */
function transitionDomain(transition: AnyTransitionDefinition): AnyStateNode {
  const source = transition.source as AnyStateNode;
  const targets = transition.target as readonly AnyStateNode[];
  if (!transition.reenter && targets.every((target) => target === source || isDescendant(target, source))) {
    return source;
  }
  const nodes = [...targets, source];
  for (let ancestor = nodes[0].parent; ancestor; ancestor = ancestor.parent) {
    if (nodes.slice(1).every((node) => isDescendant(node, ancestor!))) return ancestor;
  }
  return source.machine.root;
}

function isDescendant(node: AnyStateNode, ancestor: AnyStateNode): boolean {
  for (let parent = node.parent; parent; parent = parent.parent) if (parent === ancestor) return true;
  return false;
}
