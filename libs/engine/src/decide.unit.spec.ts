import { IsOptional, IsString } from 'class-validator';
import { assign, emit, setup } from 'xstate';
import {
  acceptedEvents,
  allowedEventsFor,
  type CaseState,
  canTake,
  decide,
  EngineError,
  fold,
  type MachineEvent,
  start,
  verifyReplay,
  type WaitingStateMeta,
  type WorkflowDefinition,
} from '.';
import {
  at,
  boss,
  clerk,
  demoInput,
  DemoStart,
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
      // The deadlines the case runs under for its whole life.
      deadlines: { open: 'PT1H', 'review.first': { at: 'dueBy', plus: 'PT1H' } },
      prevHash: '',
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(state).toMatchObject({ caseId: 'c1', process: 'demo', version: 1, streamId: 'demo-c1', revision: 0n });
    expect(state.deadlines).toEqual(event.metadata.deadlines);
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

  it('refuses a start by someone startPolicy does not name', () => {
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
        params: { to: [{ role: 'boss' }], template: 'demo.submitted', data: { caseId: 'demo-c1' } },
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

/** A machine with a root-level handler, re-entering transitions and nested deadlines. */
class NoteData {
  @IsOptional()
  @IsString()
  text?: string;
}

const rootMachine = setup({
  types: {
    context: {} as { notes: number; assignee: string },
    events: {} as MachineEvent,
    meta: {} as WaitingStateMeta,
  },
}).createMachine({
  id: 'root',
  context: { notes: 0, assignee: 'u-owner' },
  initial: 'waiting',
  // Root-level: XState's `can` still answers true for it once the machine is done.
  on: { NOTE: { actions: assign({ notes: ({ context }) => context.notes + 1 }) } },
  states: {
    waiting: {
      meta: { deadline: 'PT1H', responsible: { person: 'assignee' } },
      on: {
        REASSIGN: {
          target: 'waiting',
          reenter: true,
          actions: assign({ assignee: ({ event }) => (event.data as NoteData).text ?? 'u-owner' }),
        },
        TOUCH: { target: 'waiting' },
        NEST: 'outer',
        FINISH: 'done',
      },
    },
    outer: {
      meta: { deadline: 'PT2H', responsible: { role: 'clerk' } },
      initial: 'inner',
      on: { RESTART: { target: 'outer', reenter: true }, RESET: '.inner', FINISH: 'done' },
      states: {
        inner: { meta: { deadline: 'PT30M', responsible: { role: 'clerk' } }, on: { STEP: 'other' } },
        other: {},
      },
    },
    done: { type: 'final' },
  },
});
const everyone = [{ role: 'clerk' }];
const rootDef: WorkflowDefinition = {
  process: 'root',
  version: 1,
  title: 'root',
  machine: rootMachine,
  startInput: DemoStart,
  events: Object.fromEntries(
    ['NOTE', 'REASSIGN', 'TOUCH', 'NEST', 'RESTART', 'RESET', 'STEP', 'FINISH'].map((type) => [type, NoteData]),
  ),
  startPolicy: everyone,
  policy: Object.fromEntries(
    ['NOTE', 'REASSIGN', 'TOUCH', 'NEST', 'RESTART', 'RESET', 'STEP', 'FINISH'].map((type) => [type, everyone]),
  ),
  subjectOf: () => undefined,
};

describe('a closed case', () => {
  it('takes no event, not even one the machine handles at its root', () => {
    const h = new History(rootDef);
    h.start(0);
    expect(h.send('NOTE', {}, clerk, 1).state.context.notes).toBe(1);
    const closed = h.send('FINISH', {}, clerk, 2).state;
    expect(closed.status).toBe('done');
    // What XState itself says, and what the engine says instead.
    expect(closed.snapshot.can({ type: 'NOTE', data: {}, occurredAt: at(3), actor: clerk, eventId: 'e' })).toBe(true);
    expect(canTake(closed, { type: 'NOTE', data: {}, occurredAt: at(3), actor: clerk, eventId: 'e' })).toBe(false);
    expect(acceptedEvents(rootDef, closed)).toEqual([]);
    expect(allowedEventsFor(rootDef, closed, clerk)).toEqual([]);
    const error = errorOf(() =>
      decide(rootDef, closed, { type: 'NOTE', data: {}, actor: clerk, occurredAt: at(3), eventId: 'e9' }),
    );
    expect(error.code).toBe('CASE.EVENT_NOT_ALLOWED');
    expect(error.allowed).toEqual([]);
    expect(error.message).toContain('closed');
  });

  it('tells a permitted actor it is closed before looking at the payload; tells a stranger only no', () => {
    const h = new History(rootDef);
    h.start(0);
    const closed = h.send('FINISH', {}, clerk, 1).state;
    const asStranger = errorOf(() =>
      decide(rootDef, closed, { type: 'NOTE', data: { text: 5 }, actor: stranger, occurredAt: at(3), eventId: 'e9' }),
    );
    expect(asStranger.code).toBe('CASE.FORBIDDEN');
    expect(asStranger.details).toEqual({});
    const asClerk = errorOf(() =>
      decide(rootDef, closed, { type: 'NOTE', data: { text: 5 }, actor: clerk, occurredAt: at(3), eventId: 'e9' }),
    );
    expect(asClerk.code).toBe('CASE.EVENT_NOT_ALLOWED');
  });
});

describe('re-entering a waiting state', () => {
  const timersOf = (h: History) =>
    Object.values(h.state.armedTimers).map((timer) => [timer.state, timer.dueAt, timer.armedBy]);

  it('re-arms its deadline from now and cancels the old one (reenter: true)', () => {
    const h = new History(rootDef);
    const started = h.start(0).event;
    const { event, state } = h.send('REASSIGN', { text: 'u-other' }, clerk, 30);
    expect(event.metadata.stateBefore).toBe('waiting');
    expect(event.metadata.stateAfter).toBe('waiting');
    expect(event.metadata.cancelledTimers).toEqual([`${started.id}_deadline_0`]);
    expect(event.metadata.timers).toEqual([
      {
        id: `${event.id}_deadline_0`,
        kind: 'deadline',
        state: 'waiting',
        dueAt: at(90),
        responsible: { person: 'assignee' },
      },
    ]);
    expect(timersOf(h)).toEqual([['waiting', at(90), event.id]]);
    // The new deadline names the new assignee.
    const missed = h.fire((timer) => timer.kind === 'deadline')!.event;
    expect(missed.data).toMatchObject({ heldBy: { person: 'u-other' }, dueAt: at(90) });
    expect(verifyReplay(rootDef, h.stored())).toEqual({ ok: true, count: 3 });
    expect(fold(rootDef, h.stored()).armedTimers).toEqual(h.state.armedTimers);
    expect(state.deadlines).toEqual({ waiting: 'PT1H', outer: 'PT2H', 'outer.inner': 'PT30M' });
  });

  it('keeps the deadline of a state a transition targets without leaving it (no reenter)', () => {
    const h = new History(rootDef);
    const started = h.start(0).event;
    const { event } = h.send('TOUCH', {}, clerk, 30);
    expect(event.metadata.cancelledTimers).toEqual([]);
    expect(event.metadata.timers).toEqual([]);
    expect(timersOf(h)).toEqual([['waiting', at(60), started.id]]);
  });

  it('re-arms the children a re-entered parent enters again, and only what a transition re-enters', () => {
    const h = new History(rootDef);
    h.start(0);
    const nested = h.send('NEST', {}, clerk, 10).event;
    expect(timersOf(h)).toEqual([
      ['outer', at(130), nested.id],
      ['outer.inner', at(40), nested.id],
    ]);
    // From the parent to its own child: the child is exited and entered, the parent is not.
    const reset = h.send('RESET', {}, clerk, 20).event;
    expect(reset.metadata.cancelledTimers).toEqual([`${nested.id}_deadline_1`]);
    expect(timersOf(h)).toEqual([
      ['outer', at(130), nested.id],
      ['outer.inner', at(50), reset.id],
    ]);
    // Re-entering the parent re-arms both.
    const restart = h.send('RESTART', {}, clerk, 30).event;
    expect(restart.metadata.cancelledTimers.sort()).toEqual(
      [`${nested.id}_deadline_0`, `${reset.id}_deadline_0`].sort(),
    );
    expect(timersOf(h)).toEqual([
      ['outer', at(150), restart.id],
      ['outer.inner', at(60), restart.id],
    ]);
    // Moving between children keeps the parent's.
    const step = h.send('STEP', {}, clerk, 40).event;
    expect(step.metadata.cancelledTimers).toEqual([`${restart.id}_deadline_1`]);
    expect(step.metadata.timers).toEqual([]);
    expect(verifyReplay(rootDef, h.stored())).toEqual({ ok: true, count: 5 });
  });
});

describe('validateEvent', () => {
  const seen: unknown[][] = [];
  const def: WorkflowDefinition = {
    ...demoV1,
    validateEvent: (type, data, context, occurredAt) => {
      seen.push([type, data, context.owner.id, occurredAt]);
      return type === 'SUBMIT' && data.note === context.owner.name
        ? [{ property: 'note', constraints: { notOwnerName: 'note must not be the owner’s name' } }]
        : [];
    },
  };
  const h = new History(def);
  h.start(0);
  const send = (data: unknown, actor = owner) =>
    errorOf(() => decide(def, h.state, { type: 'SUBMIT', data, actor, occurredAt: at(10), eventId: 'e9' }));

  it('turns a check against the case into CASE.INVALID_PAYLOAD, with its issues', () => {
    seen.length = 0;
    const error = send({ note: owner.name });
    expect(error.code).toBe('CASE.INVALID_PAYLOAD');
    expect(error.issues).toEqual([{ property: 'note', constraints: { notOwnerName: expect.any(String) } }]);
    expect(seen).toEqual([['SUBMIT', { note: owner.name }, owner.id, at(10)]]);
  });

  it('runs after the policy and class-validator, and before the state', () => {
    seen.length = 0;
    expect(send({}).issues.map((issue) => issue.property)).toEqual(['note']);
    expect(seen).toEqual([]);
    expect(send({ note: owner.name }, stranger).code).toBe('CASE.FORBIDDEN');
    expect(seen).toEqual([]);
    expect(
      errorOf(() => decide(def, h.state, { type: 'APPROVE', data: {}, actor: boss, occurredAt: at(10), eventId: 'e9' }))
        .code,
    ).toBe('CASE.EVENT_NOT_ALLOWED');
  });

  it('lets valid data through', () => {
    expect(
      decide(def, h.state, { type: 'SUBMIT', data: { note: 'ok' }, actor: owner, occurredAt: at(10), eventId: 'e9' })
        .state.state,
    ).toEqual({ review: 'first' });
  });
});
