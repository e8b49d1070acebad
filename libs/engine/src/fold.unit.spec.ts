import { type AnyMachineSnapshot, initialTransition, transition } from 'xstate';
import {
  type CaseEvent,
  type CaseState,
  EngineError,
  fold,
  foldFrom,
  foldUntil,
  type MachineEvent,
  recordEffectOutcome,
  replayInitial,
  replayTransition,
} from '.';
import { at, boss, clerk, demoInput, demoV1, owner, reviewer } from './testing/demo-workflow';
import { History } from './testing/history';

/** Everything a snapshot carries that a later transition or a view can read. */
function comparable(snapshot: AnyMachineSnapshot) {
  return {
    json: JSON.parse(JSON.stringify(snapshot)),
    nodes: (snapshot as unknown as { _nodes: Array<{ id: string }> })._nodes.map((node) => node.id),
    status: snapshot.status,
    output: snapshot.output,
    historyValue: snapshot.historyValue,
  };
}

function machineEventOf(event: CaseEvent): MachineEvent {
  return {
    type: event.type,
    data: event.data,
    occurredAt: event.metadata.occurredAt,
    actor: event.metadata.actor,
    eventId: event.id,
  };
}

/** A long history through every path of the demo machine, timers and re-entries included. */
function longHistory(): History {
  const h = new History(demoV1);
  h.start(0);
  h.send('PING', {}, clerk, 1);
  h.fire((t) => t.kind === 'after'); // reminder in place
  h.fire((t) => t.kind === 'deadline'); // DEADLINE_MISSED, machine reacts
  h.send('SUBMIT', { note: 'n', items: [{ name: 'mask', quantity: 2 }] }, owner, 70);
  h.send('NEXT', {}, owner, 80);
  h.send('REJECT', {}, reviewer, 90);
  h.send('PING', {}, clerk, 95);
  h.send('SUBMIT', { note: 'again' }, owner, 100);
  h.fire((t) => t.kind === 'deadline'); // review.first, person responsible
  h.send('NEXT', {}, owner, 300);
  h.send('APPROVE', {}, boss, 310);
  return h;
}

describe('fold', () => {
  it('gives, event by event, the same snapshot as XState’s pure transition', () => {
    const events = longHistory().stored();
    const first = events[0];
    let [pure] = initialTransition(demoV1.machine, {
      caseId: `demo-${first.metadata.caseId}`,
      data: first.data,
      occurredAt: first.metadata.occurredAt,
      actor: first.metadata.actor,
    });
    let fast = replayInitial(demoV1.machine, {
      caseId: `demo-${first.metadata.caseId}`,
      data: first.data,
      occurredAt: first.metadata.occurredAt,
      actor: first.metadata.actor,
    });
    expect(comparable(fast)).toEqual(comparable(pure));
    for (const event of events.slice(1)) {
      [pure] = transition(demoV1.machine, pure, machineEventOf(event));
      fast = replayTransition(demoV1.machine, fast, machineEventOf(event));
      expect(comparable(fast)).toEqual(comparable(pure));
      expect(fast.value).toEqual(event.metadata.stateAfter);
    }
    expect(comparable(fold(demoV1, events).snapshot)).toEqual(comparable(pure));
  });

  it('gives the same snapshot as pure transition on a random walk, refused events included', () => {
    // A seeded generator: the walk is the same on every run.
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const types = ['PING', 'SUBMIT', 'NEXT', 'REJECT', 'APPROVE', 'DEADLINE_MISSED', 'xstate.after.1800000.demo.open'];
    for (let walk = 0; walk < 50; walk++) {
      const input = { caseId: `c${walk}`, data: demoInput, occurredAt: at(0), actor: clerk };
      let [pure] = initialTransition(demoV1.machine, input);
      let fast = replayInitial(demoV1.machine, input);
      for (let step = 0; step < 40; step++) {
        const type = types[Math.floor(random() * types.length)];
        const event: MachineEvent = {
          type,
          data: type === 'SUBMIT' ? { note: `s${step}` } : { dueAt: at(step) },
          occurredAt: at(step),
          actor: owner,
          eventId: `e${step}`,
        };
        [pure] = transition(demoV1.machine, pure, event);
        fast = replayTransition(demoV1.machine, fast, event);
        expect(comparable(fast)).toEqual(comparable(pure));
      }
    }
  });

  it('never executes an action and never arms a real timer', () => {
    jest.useFakeTimers();
    try {
      const calls: string[] = [];
      const spy = (name: string) => () => {
        calls.push(name);
      };
      const machine = demoV1.machine.provide({
        actions: {
          notify: spy('notify'),
          startCase: spy('startCase'),
          sendEvent: spy('sendEvent'),
          reportUpward: spy('reportUpward'),
        },
      });
      const def = { ...demoV1, machine };
      const events = longHistory().stored();
      const state = fold(def, events);
      expect(state.status).toBe('done');
      expect(calls).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives the state the decisions gave: revision, context, timers, effects, deadlines', () => {
    const h = longHistory();
    const folded = fold(demoV1, h.stored());
    const decided = h.state;
    expect(folded.revision).toBe(decided.revision);
    expect(folded.revision).toBe(BigInt(h.events.length - 1));
    for (const key of [
      'caseId',
      'process',
      'version',
      'streamId',
      'state',
      'context',
      'status',
      'lastEventId',
      'lastHash',
      'armedTimers',
      'pendingEffects',
      'incidents',
      'missedDeadlines',
      'overdue',
      'startedAt',
      'startedBy',
      'updatedAt',
      'correlationId',
    ] as const) {
      expect([key, folded[key]]).toEqual([key, decided[key]]);
    }
    expect(folded.missedDeadlines.map((missed) => missed.state)).toEqual(['open', 'review.first']);
  });

  it('continues a cached state with newer events without changing it', () => {
    const events = longHistory().stored();
    const cached = fold(demoV1, events.slice(0, 5));
    const frozen = JSON.stringify({ ...cached, snapshot: undefined, revision: String(cached.revision) });
    for (const records of [cached.armedTimers, cached.pendingEffects, cached.incidents]) Object.freeze(records);
    Object.freeze(cached.missedDeadlines);
    Object.freeze(cached.overdue);
    const continued = foldFrom(demoV1, cached, events.slice(5));
    const cold = fold(demoV1, events);
    expect(continued.revision).toBe(cold.revision);
    expect(continued.state).toEqual(cold.state);
    expect(continued.context).toEqual(cold.context);
    expect(continued.pendingEffects).toEqual(cold.pendingEffects);
    expect(continued.missedDeadlines).toEqual(cold.missedDeadlines);
    expect(JSON.stringify({ ...cached, snapshot: undefined, revision: String(cached.revision) })).toBe(frozen);
    expect(foldFrom(demoV1, cached, [])).toBe(cached);
  });

  it('refuses a gap between a cached state and the events given', () => {
    const events = longHistory().stored();
    const cached = fold(demoV1, events.slice(0, 3));
    expect(() => foldFrom(demoV1, cached, events.slice(4))).toThrow(
      expect.objectContaining({ code: 'ENGINE.CORRUPT_HISTORY' }),
    );
  });

  it('replays effect outcomes without the machine', () => {
    const h = new History(demoV1);
    h.start(0);
    const submitted = h.send('SUBMIT', { note: 'n' }, owner, 5).event;
    h.accept(
      recordEffectOutcome(demoV1, h.state, {
        type: 'EFFECT_SUCCEEDED',
        data: { effectId: `${submitted.id}_0`, attempt: 1 },
        eventId: h.nextId(),
        occurredAt: at(6),
      })!,
    );
    const folded = fold(demoV1, h.stored());
    expect(folded.state).toEqual({ review: 'first' });
    expect(Object.keys(folded.pendingEffects)).toEqual([`${submitted.id}_1`]);
  });

  it('travels in time by revision and by instant', () => {
    const events = longHistory().stored();
    expect(foldUntil(demoV1, events, { revision: 0n }).state).toBe('open');
    expect(foldUntil(demoV1, events, { revision: 4n }).state).toEqual({ review: 'first' });
    expect(foldUntil(demoV1, events, { revision: 999n }).status).toBe('done');
    expect(foldUntil(demoV1, events, { at: at(85) }).state).toEqual({ review: 'second' });
    expect(() => foldUntil(demoV1, events, { at: '2019-01-01T00:00:00Z' })).toThrow(
      expect.objectContaining({ code: 'CASE.NOT_FOUND' }),
    );
  });

  it('refuses what is not a case of this process and version', () => {
    const events = longHistory().stored();
    const code = (run: () => CaseState) => {
      try {
        run();
      } catch (error) {
        return (error as EngineError).code;
      }
      return 'none';
    };
    expect(code(() => fold(demoV1, []))).toBe('CASE.NOT_FOUND');
    expect(code(() => fold(demoV1, events.slice(1)))).toBe('ENGINE.CORRUPT_HISTORY');
    expect(code(() => fold({ ...demoV1, version: 2 }, events))).toBe('ENGINE.CORRUPT_HISTORY');
    expect(code(() => fold({ ...demoV1, process: 'other' }, events))).toBe('ENGINE.CORRUPT_HISTORY');
  });
});
