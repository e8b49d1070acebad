import { type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, createActor } from 'xstate';
import type { MachineEvent, MachineInput } from './case-event';

/**
 * The fast, side-effect-free transition a fold uses.
 *
 * XState's public `transition(machine, snapshot, event)` builds a throw-away
 * actor scope on every call (a `createActor`, which also computes an initial
 * snapshot), and that is most of its cost: ~65k transitions/s against
 * ~330k/s for a live actor's `send`. Replay calls the very same
 * `machine.transition(snapshot, event, scope)` that `transition` calls, but
 * with one inert scope per machine, reused. The scope is the one `transition`
 * builds (no-op defer/emit/stopChild/logger) with an `actionExecutor` that
 * drops every action, so nothing is ever executed: replay never runs an
 * effect, never arms a real timer. `fold.unit.spec.ts` proves the snapshots
 * equal those of the public pure `transition`, event by event.
 *
 * Sharing a scope is safe because engine machines have no invoked or spawned
 * children (the registry refuses `invoke`): nothing registers in its system.
 */
const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();

function replayScope(machine: AnyStateMachine): AnyActorScope {
  let scope = scopes.get(machine);
  if (!scope) {
    // Never started: its own eager initial snapshot (without input) may fail, harmlessly.
    const self = createActor(machine);
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
      actionExecutor: ignore,
    };
    scopes.set(machine, scope);
  }
  return scope;
}

/** The initial snapshot for a start input, actions discarded. */
export function replayInitial(machine: AnyStateMachine, input: MachineInput): AnyMachineSnapshot {
  return machine.getInitialSnapshot(replayScope(machine), input) as AnyMachineSnapshot;
}

/** One replayed transition, actions discarded. */
export function replayTransition(
  machine: AnyStateMachine,
  snapshot: AnyMachineSnapshot,
  event: MachineEvent,
): AnyMachineSnapshot {
  return machine.transition(snapshot, event, replayScope(machine)) as AnyMachineSnapshot;
}

/** A replayer bound to one machine, for tight loops (the scope is looked up once). */
export function replayer(
  machine: AnyStateMachine,
): (snapshot: AnyMachineSnapshot, event: MachineEvent) => AnyMachineSnapshot {
  const scope = replayScope(machine);
  return (snapshot, event) => machine.transition(snapshot, event, scope) as AnyMachineSnapshot;
}
