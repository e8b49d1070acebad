import { emit, setup } from 'xstate';
import { type CaseState, decide, EngineError, start } from '.';
import {
  at,
  boss,
  clerk,
  demoInput,
  demoV1,
  MINUTE,
  owner,
  reviewer,
  SubmitData,
  stranger,
} from './testing/demo-workflow';
import { History } from './testing/history';

function errorOf(run: () => unknown): EngineError {
  try {
    run();
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected an EngineError');
}

describe('start', () => {
  it('records CASE_STARTED with the full metadata and arms the initial state timers', () => {
    const h = new History(demoV1);
    const { event, state } = h.start(0);
    expect(event.type).toBe('CASE_STARTED');
    expect(event.id).toBe(h.events[0].id);
    expect(event.data).toEqual(demoInput);
    expect(event.metadata).toEqual({
      caseId: 'c1',
      process: 'demo',
      machineVersion: 1,
      actor: { id: clerk.id, name: clerk.name, roles: ['clerk'], kind: 'user' },
      occurredAt: at(0),
      correlationId: event.id,
      causationId: null,
      stateBefore: null,
      stateAfter: 'open',
      effects: [],
      timers: [
        {
          id: `${event.id}_after_0`,
          kind: 'after',
          state: 'open',
          event: { type: `xstate.after.${30 * MINUTE}.demo.open` },
          sendId: `xstate.after.${30 * MINUTE}.demo.open`,
          delayMs: 30 * MINUTE,
          dueAt: at(30),
        },
        {
          id: `${event.id}_deadline_0`,
          kind: 'deadline',
          state: 'open',
          dueAt: at(60),
          responsible: { role: 'clerk' },
        },
      ],
      cancelledTimers: [],
      prevHash: '',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(state).toMatchObject({ caseId: 'c1', process: 'demo', version: 1, streamId: 'demo-c1', revision: 0n });
    expect(Object.keys(state.armedTimers)).toEqual([`${event.id}_after_0`, `${event.id}_deadline_0`]);
  });

  it('refuses bad input with the invalid properties, nested ones by dotted path', () => {
    const error = errorOf(() =>
      start(demoV1, {
        caseId: 'c1',
        input: { owner: { id: '', name: 3 }, dueBy: 'tomorrow', extra: true },
        actor: clerk,
        occurredAt: at(0),
        eventId: 'e1',
      }),
    );
    expect(error.code).toBe('CASE.INVALID_PAYLOAD');
    expect(error.issues.map((issue) => issue.property).sort()).toEqual(['dueBy', 'extra', 'owner.id', 'owner.name']);
    expect(error.issues.find((issue) => issue.property === 'extra')?.constraints).toHaveProperty('whitelistValidation');
  });

  it('refuses a start by someone the START policy does not name', () => {
    const error = errorOf(() =>
      start(demoV1, { caseId: 'c1', input: demoInput, actor: stranger, occurredAt: at(0), eventId: 'e1' }),
    );
    expect(error.code).toBe('CASE.FORBIDDEN');
  });

  it('passes correlation and causation ids through', () => {
    const { event } = start(demoV1, {
      caseId: 'c1',
      input: demoInput,
      actor: clerk,
      occurredAt: at(0),
      eventId: 'e1',
      correlationId: 'corr',
      causationId: 'cause',
    });
    expect(event.metadata).toMatchObject({ correlationId: 'corr', causationId: 'cause' });
  });
});

describe('decide', () => {
  let h: History;
  beforeEach(() => {
    h = new History(demoV1);
    h.start(0);
  });

  it('records the returned actions as effects with <eventId>_<n> ids, in order', () => {
    const { event } = h.send('SUBMIT', { note: 'ready' }, owner, 10);
    expect(event.metadata.effects).toEqual([
      {
        id: `${event.id}_0`,
        kind: 'notify',
        params: { to: [{ role: 'boss' }], template: 'demo.submitted', data: { caseId: 'c1' } },
      },
      { id: `${event.id}_1`, kind: 'reportUpward', params: { report: 'demo', data: { n: 1 } } },
    ]);
    for (const effect of event.metadata.effects) expect(effect.id).not.toContain(':');
    expect(Object.keys(h.state.pendingEffects)).toEqual([`${event.id}_0`, `${event.id}_1`]);
  });

  it('cancels the timers of the state it leaves and arms those of the states it enters', () => {
    const started = h.events[0];
    const { event, state } = h.send('SUBMIT', { note: 'ready' }, owner, 10);
    expect(event.metadata.stateBefore).toBe('open');
    expect(event.metadata.stateAfter).toEqual({ review: 'first' });
    expect(event.metadata.cancelledTimers.sort()).toEqual([`${started.id}_after_0`, `${started.id}_deadline_0`]);
    expect(event.metadata.timers).toEqual([
      expect.objectContaining({ id: `${event.id}_after_0`, kind: 'after', state: 'review', dueAt: at(130) }),
      // { at: 'dueBy', plus: 'PT1H' }: from the context, not from now.
      {
        id: `${event.id}_deadline_0`,
        kind: 'deadline',
        state: 'review.first',
        dueAt: '2020-10-01T04:00:00.000Z',
        responsible: { person: 'owner.id' },
      },
    ]);
    expect(Object.keys(state.armedTimers).sort()).toEqual([`${event.id}_after_0`, `${event.id}_deadline_0`]);
  });

  it('keeps an outer state timer when moving between its children', () => {
    const submitted = h.send('SUBMIT', { note: 'ready' }, owner, 10).event;
    const { event, state } = h.send('NEXT', {}, owner, 20);
    expect(event.metadata.cancelledTimers).toEqual([`${submitted.id}_deadline_0`]);
    expect(event.metadata.timers).toEqual([]);
    expect(Object.keys(state.armedTimers)).toEqual([`${submitted.id}_after_0`]);
  });

  it('re-arms a waiting state entered again', () => {
    h.send('SUBMIT', { note: 'ready' }, owner, 10);
    h.send('NEXT', {}, owner, 20);
    const { event } = h.send('REJECT', {}, reviewer, 30);
    expect(event.metadata.stateAfter).toBe('open');
    expect(event.metadata.timers.map((timer) => [timer.kind, timer.state, timer.dueAt])).toEqual([
      ['after', 'open', at(60)],
      ['deadline', 'open', at(90)],
    ]);
  });

  it('disarms every timer when the case reaches a final state', () => {
    h.send('SUBMIT', { note: 'ready' }, owner, 10);
    h.send('NEXT', {}, owner, 20);
    const armed = Object.keys(h.state.armedTimers);
    const { event, state } = h.send('APPROVE', {}, boss, 30);
    expect(state.status).toBe('done');
    expect(event.metadata.cancelledTimers).toEqual(armed);
    expect(event.metadata.effects).toEqual([
      { id: `${event.id}_0`, kind: 'sendEvent', params: { process: 'other', caseId: 'x1', type: 'DONE' } },
    ]);
    expect(state.armedTimers).toEqual({});
  });

  it('feeds the machine { type, data, occurredAt, actor, eventId } and stores plain JSON data', () => {
    const data = Object.assign(new SubmitData(), { note: 'as a class instance' });
    const { event, state } = h.send('SUBMIT', data, owner, 10);
    expect(Object.getPrototypeOf(event.data)).toBe(Object.prototype);
    expect(event.data).toEqual({ note: 'as a class instance' });
    expect(state.context.note).toBe('as a class instance');
  });

  it('gives the next revision and chains the hash', () => {
    const first = h.state;
    const { event, state } = h.send('PING', {}, clerk, 5);
    expect(state.revision).toBe(1n);
    expect(event.metadata.prevHash).toBe(first.lastHash);
    expect(state.lastHash).toBe(event.metadata.hash);
    expect(first.revision).toBe(0n);
  });

  describe('refusals, in the order the API reports them', () => {
    const send = (state: CaseState, type: string, data: unknown, actor = owner) =>
      errorOf(() => decide(demoV1, state, { type, data, actor, occurredAt: at(10), eventId: 'e9' }));

    it('an unknown event type, engine event types included', () => {
      for (const type of [
        'NOPE',
        'CASE_STARTED',
        'DEADLINE_MISSED',
        'EFFECT_SUCCEEDED',
        'xstate.after.1800000.demo.open',
        'toString',
      ]) {
        expect(send(h.state, type, {}).code).toBe('CASE.UNKNOWN_EVENT_TYPE');
      }
    });

    it('a payload with missing, extra or wrongly typed fields', () => {
      expect(send(h.state, 'SUBMIT', {}).issues).toEqual([
        { property: 'note', constraints: expect.objectContaining({ isString: expect.any(String) }) },
      ]);
      expect(send(h.state, 'SUBMIT', { note: 'x', admin: true }).issues.map((i) => i.property)).toEqual(['admin']);
      expect(send(h.state, 'SUBMIT', { note: 'x', items: [{ name: 'a', quantity: '2' }] }).issues).toEqual([
        { property: 'items.0.quantity', constraints: expect.objectContaining({ isInt: expect.any(String) }) },
      ]);
      expect(send(h.state, 'SUBMIT', { note: 'x', items: [{ name: 'a', quantity: 1, x: 1 }] }).issues[0].property).toBe(
        'items.0.x',
      );
      for (const bad of [null, [], 'text', 42]) expect(send(h.state, 'SUBMIT', bad).code).toBe('CASE.INVALID_PAYLOAD');
    });

    it('an actor the policy does not allow', () => {
      expect(send(h.state, 'SUBMIT', { note: 'x' }, stranger).code).toBe('CASE.FORBIDDEN');
    });

    it('an event the state does not take, with the allowed events', () => {
      const error = send(h.state, 'APPROVE', {}, boss);
      expect(error.code).toBe('CASE.EVENT_NOT_ALLOWED');
      expect(error.allowed).toEqual(['SUBMIT', 'PING']);
    });

    it('anything on a closed case', () => {
      h.send('SUBMIT', { note: 'ready' }, owner, 10);
      h.send('NEXT', {}, owner, 20);
      h.send('APPROVE', {}, boss, 30);
      const error = send(h.state, 'REJECT', {}, reviewer);
      expect(error.code).toBe('CASE.EVENT_NOT_ALLOWED');
      expect(error.allowed).toEqual([]);
    });

    it('refuses nothing it should accept after a refusal (the state is untouched)', () => {
      const before = h.state;
      send(before, 'APPROVE', {}, boss);
      expect(h.send('PING', {}, clerk, 5).state.context.pings).toBe(1);
      expect(before.revision).toBe(0n);
    });
  });

  it('refuses to record an action it cannot carry out (a definition error)', () => {
    const machine = setup({}).createMachine({
      id: 'bad',
      initial: 'a',
      states: { a: { on: { GO: { actions: emit({ type: 'x' }) } } } },
    });
    const def = {
      ...demoV1,
      process: 'bad',
      machine,
      events: { GO: demoV1.events.PING },
      policy: { START: [{ role: 'clerk' }], GO: [{ role: 'clerk' }] },
    };
    const { state } = start(def, { caseId: 'c1', input: demoInput, actor: clerk, occurredAt: at(0), eventId: 'e1' });
    const error = errorOf(() =>
      decide(def, state, { type: 'GO', data: {}, actor: clerk, occurredAt: at(1), eventId: 'e2' }),
    );
    expect(error.code).toBe('ENGINE.INVALID_DEFINITION');
  });
});
