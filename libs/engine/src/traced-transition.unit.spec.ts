import { type AnyMachineSnapshot, initialTransition, transition } from 'xstate';
import type { MachineEvent } from '.';
import { at, clerk, demoInput, demoV1, owner } from './testing/demo-workflow';
import { tracedTransition } from './traced-transition';

function comparable(snapshot: AnyMachineSnapshot) {
  return {
    json: JSON.parse(JSON.stringify(snapshot)),
    nodes: (snapshot as unknown as { _nodes: Array<{ id: string }> })._nodes.map((node) => node.id),
    status: snapshot.status,
  };
}

/** The action as the engine reads it (the executable's own closures differ per call). */
function actionsOf(actions: readonly unknown[]) {
  return actions.map((action) => {
    const { type, params } = action as { type: string; params?: unknown };
    return { type, params: JSON.parse(JSON.stringify(params ?? null)) };
  });
}

describe('tracedTransition', () => {
  it('gives the same snapshots and actions as XState’s pure transition on a random walk', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const types = ['PING', 'SUBMIT', 'NEXT', 'REJECT', 'APPROVE', 'DEADLINE_MISSED', 'xstate.after.1800000.demo.open'];
    for (let walk = 0; walk < 20; walk++) {
      const input = { caseId: `c${walk}`, data: demoInput, occurredAt: at(0), actor: clerk };
      let [pure] = initialTransition(demoV1.machine, input);
      let traced = pure;
      for (let step = 0; step < 30; step++) {
        const type = types[Math.floor(random() * types.length)];
        const event: MachineEvent = {
          type,
          data: type === 'SUBMIT' ? { note: `s${step}` } : { dueAt: at(step) },
          occurredAt: at(step),
          actor: owner,
          eventId: `e${step}`,
        };
        const [nextPure, pureActions] = transition(demoV1.machine, pure, event);
        const next = tracedTransition(demoV1.machine, traced, event);
        expect(comparable(next.snapshot)).toEqual(comparable(nextPure));
        expect(actionsOf(next.actions)).toEqual(actionsOf(pureActions));
        pure = nextPure;
        traced = next.snapshot;
      }
    }
  });

  it('tells the states entered, not those kept', () => {
    const [open] = initialTransition(demoV1.machine, { caseId: 'c', data: demoInput, occurredAt: at(0), actor: clerk });
    const event = (type: string): MachineEvent => ({
      type,
      data: { note: 'n' },
      occurredAt: at(1),
      actor: owner,
      eventId: 'e',
    });
    const review = tracedTransition(demoV1.machine, open, event('SUBMIT'));
    expect([...review.entered].sort()).toEqual(['review', 'review.first']);
    const second = tracedTransition(demoV1.machine, review.snapshot, event('NEXT'));
    expect([...second.entered]).toEqual(['review.second']);
    expect([...tracedTransition(demoV1.machine, open, event('PING')).entered]).toEqual([]);
  });
});
