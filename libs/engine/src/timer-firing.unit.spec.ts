import { setup } from 'xstate';
import { EngineError, escalationTarget, fireTimer, start, WorkflowRegistry } from '.';
import { at, clerk, demoInput, demoV1, MINUTE, owner } from './testing/demo-workflow';
import { History } from './testing/history';

describe('fireTimer', () => {
  let h: History;
  beforeEach(() => {
    h = new History(demoV1);
    h.start(0);
  });

  it('decides an after timer still armed as system:timer, caused by the event that armed it', () => {
    const armedBy = h.events[0].id;
    const timerId = `${armedBy}_after_0`;
    const { event, state } = h.fire((t) => t.id === timerId)!;
    expect(event.type).toBe(`xstate.after.${30 * MINUTE}.demo.open`);
    expect(event.data).toEqual({ timerId, dueAt: at(30) });
    expect(event.metadata.actor).toEqual({ id: 'system:timer', name: '系统定时器', roles: ['system'], kind: 'system' });
    expect(event.metadata).toMatchObject({
      causationId: armedBy,
      correlationId: armedBy,
      stateBefore: 'open',
      stateAfter: 'open',
    });
    // The fired timer is gone, not "cancelled" (the worker is running its job).
    expect(event.metadata.cancelledTimers).toEqual([]);
    expect(event.metadata.effects).toEqual([
      { id: `${event.id}_0`, kind: 'notify', params: { to: [{ person: owner.id }], template: 'demo.remind' } },
    ]);
    expect(state.armedTimers[timerId]).toBeUndefined();
    expect(state.context.reminded).toBe(1);
  });

  it('ignores a timer the case cancelled by leaving its state, one that fired already, and an unknown one', () => {
    const timerId = `${h.events[0].id}_after_0`;
    const before = h.state;
    h.send('SUBMIT', { note: 'n' }, owner, 10);
    expect(fireTimer(demoV1, h.state, timerId, { eventId: h.nextId(), occurredAt: at(30) })).toBeNull();
    h.fire((t) => t.id === `${h.events[1].id}_after_0`); // review expires after 2 h
    expect(
      fireTimer(demoV1, h.state, `${h.events[1].id}_after_0`, { eventId: h.nextId(), occurredAt: at(200) }),
    ).toBeNull();
    expect(fireTimer(demoV1, before, 'nope', { eventId: h.nextId(), occurredAt: at(30) })).toBeNull();
  });

  it('refuses a timer that fires before it is due', () => {
    const timerId = `${h.events[0].id}_after_0`;
    expect(() => fireTimer(demoV1, h.state, timerId, { eventId: h.nextId(), occurredAt: at(29) })).toThrow(
      expect.objectContaining({ code: 'CASE.TIMER_NOT_DUE' }),
    );
  });

  it('moves the case when the after transition has a target, disarming what the state held', () => {
    const submitted = h.send('SUBMIT', { note: 'n' }, owner, 10).event;
    const { event, state } = h.fire((t) => t.kind === 'after')!;
    expect(state.state).toBe('expired');
    expect(state.status).toBe('done');
    expect(event.metadata.cancelledTimers).toEqual([`${submitted.id}_deadline_0`]);
    expect(state.armedTimers).toEqual({});
  });

  describe('deadlines', () => {
    it('records DEADLINE_MISSED without moving the case, the machine’s reaction first, then the escalation', () => {
      const armedBy = h.events[0].id;
      const { event, state } = h.fire((t) => t.kind === 'deadline', 75)!;
      expect(event.type).toBe('DEADLINE_MISSED');
      expect(event.data).toEqual({
        timerId: `${armedBy}_deadline_0`,
        state: 'open',
        responsible: { role: 'clerk' },
        heldBy: { role: 'clerk' },
        dueAt: at(60),
        lateByMs: 15 * MINUTE,
      });
      expect(event.metadata).toMatchObject({ stateBefore: 'open', stateAfter: 'open', causationId: armedBy });
      expect(event.metadata.effects).toEqual([
        {
          id: `${event.id}_0`,
          kind: 'startCase',
          params: { process: 'accountabilityReview', input: { caseId: 'demo-c1' } },
        },
        {
          id: `${event.id}_1`,
          kind: 'notify',
          params: {
            to: [{ role: 'chief' }],
            template: 'deadline.missed',
            data: {
              caseId: 'demo-c1',
              process: 'demo',
              state: 'open',
              label: '待提交',
              dueAt: at(60),
              lateByMs: 15 * MINUTE,
              heldBy: { role: 'clerk' },
              escalationOf: { role: 'clerk' },
            },
          },
        },
      ]);
      expect(state.context.lateNoted).toBe(at(60));
      expect(state.overdue.map((missed) => missed.state)).toEqual(['open']);
      // The reminder timer of the same state stays armed.
      expect(Object.keys(state.armedTimers)).toEqual([`${armedBy}_after_0`]);
    });

    it('names the responsible person by id, escalates to their unit head, and stops being overdue once the state is left', () => {
      h.send('SUBMIT', { note: 'n' }, owner, 10);
      const { event, state } = h.fire((t) => t.kind === 'deadline')!;
      expect(event.data).toMatchObject({ state: 'review.first', heldBy: { person: owner.id }, lateByMs: 0 });
      expect(event.metadata.effects.map((effect) => effect.params.to)).toEqual([[{ unitHeadOf: owner.id }]]);
      expect(state.overdue).toHaveLength(1);
      const next = h.send('NEXT', {}, owner, 250).state;
      expect(next.overdue).toEqual([]);
      expect(next.missedDeadlines).toHaveLength(1);
    });

    it('ignores a deadline whose state the case has left', () => {
      const timerId = `${h.events[0].id}_deadline_0`;
      h.send('SUBMIT', { note: 'n' }, owner, 10);
      expect(fireTimer(demoV1, h.state, timerId, { eventId: h.nextId(), occurredAt: at(61) })).toBeNull();
    });

    it('refuses a machine whose DEADLINE_MISSED handler would move the case', () => {
      const machine = setup({}).createMachine({
        id: 'm',
        initial: 'a',
        states: {
          a: { meta: { deadline: 'PT1H', responsible: { role: 'clerk' } }, on: { DEADLINE_MISSED: 'b' } },
          b: {},
        },
      });
      const def = { ...demoV1, process: 'moving', machine };
      expect(() => new WorkflowRegistry().register(def)).toThrow(
        expect.objectContaining({ code: 'ENGINE.INVALID_DEFINITION' }),
      );
      // Unregistered, the engine still refuses to record the move.
      const { state } = start(def, { caseId: 'c1', input: demoInput, actor: clerk, occurredAt: at(0), eventId: 'e1' });
      const timerId = Object.keys(state.armedTimers)[0];
      let error: unknown;
      try {
        fireTimer(def, state, timerId, { eventId: 'e2', occurredAt: at(60) });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('ENGINE.INVALID_DEFINITION');
    });
  });
});

describe('escalationTarget', () => {
  it('follows the plan’s chain: staff → unit head → deputy → chief → leadership; office and groups → chief', () => {
    expect(escalationTarget({ role: 'staff' })).toEqual({ role: 'unitHead' });
    expect(escalationTarget({ role: 'unitHead' })).toEqual({ role: 'deputy' });
    expect(escalationTarget({ role: 'deputy' })).toEqual({ role: 'chief' });
    expect(escalationTarget({ role: 'chief' })).toEqual({ group: 'leadership' });
    expect(escalationTarget({ role: 'office' })).toEqual({ role: 'chief' });
    expect(escalationTarget({ group: 'prevention' })).toEqual({ role: 'chief' });
    expect(escalationTarget({ group: 'leadership' })).toEqual({ group: 'leadership' });
    expect(escalationTarget({ person: 'u1' })).toEqual({ unitHeadOf: 'u1' });
  });
});
