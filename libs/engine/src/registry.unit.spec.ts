import { setup } from 'xstate';
import {
  decide,
  EngineError,
  eventHash,
  fold,
  start,
  verifyChain,
  verifyReplay,
  WorkflowRegistry,
  withDeadlines,
} from '.';
import { at, clerk, demoInput, demoV1, demoV2, owner, reviewer } from './testing/demo-workflow';
import { History } from './testing/history';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof EngineError) return error.code;
    throw error;
  }
  return 'none';
}

describe('WorkflowRegistry', () => {
  it('keeps every version: a v1 case advances on v1 while new cases start on v2', () => {
    const registry = new WorkflowRegistry().register(demoV1);
    const v1Case = start(registry.latest('demo'), {
      caseId: 'old',
      input: demoInput,
      actor: clerk,
      occurredAt: at(0),
      eventId: 'e1',
    });
    expect(v1Case.event.metadata.machineVersion).toBe(1);

    registry.register(demoV2);
    expect(registry.latest('demo').version).toBe(2);

    // The old case replays and advances on its own version, found from its first event.
    const history = [JSON.parse(JSON.stringify(v1Case.event))];
    const def = registry.forHistory(history);
    expect(def.version).toBe(1);
    const state = fold(def, history);
    expect(state.state).toBe('open');
    const next = decide(def, state, {
      type: 'SUBMIT',
      data: { note: 'n' },
      actor: owner,
      occurredAt: at(1),
      eventId: 'e2',
    });
    expect(next.event.metadata).toMatchObject({ machineVersion: 1, stateAfter: { review: 'first' } });

    // A new case starts on v2 and has v2's states.
    const v2Case = start(registry.latest('demo'), {
      caseId: 'new',
      input: demoInput,
      actor: clerk,
      occurredAt: at(2),
      eventId: 'e3',
    });
    expect(v2Case.event.metadata).toMatchObject({ machineVersion: 2, stateAfter: 'triage' });
    expect(
      decide(registry.get('demo', 2), v2Case.state, {
        type: 'SUBMIT',
        data: { note: 'n' },
        actor: owner,
        occurredAt: at(3),
        eventId: 'e4',
      }).state.state,
    ).toBe('closed');

    // Folding a v1 history on v2 is refused.
    expect(codeOf(() => fold(registry.latest('demo'), history))).toBe('ENGINE.CORRUPT_HISTORY');
  });

  it('answers unknown processes and versions with their codes', () => {
    const registry = new WorkflowRegistry().register(demoV1);
    expect(codeOf(() => registry.latest('nope'))).toBe('CASE.UNKNOWN_PROCESS');
    expect(codeOf(() => registry.get('nope', 1))).toBe('CASE.UNKNOWN_PROCESS');
    expect(codeOf(() => registry.get('demo', 7))).toBe('CASE.UNKNOWN_VERSION');
    expect(codeOf(() => registry.forHistory([]))).toBe('CASE.NOT_FOUND');
    expect(codeOf(() => registry.register(demoV1))).toBe('ENGINE.INVALID_DEFINITION');
  });

  it('lists processes and versions', () => {
    const registry = new WorkflowRegistry().register(demoV2).register(demoV1);
    expect(registry.processes()).toEqual(['demo']);
    expect(registry.list().map((def) => def.version)).toEqual([1, 2]);
    expect(registry.has('demo')).toBe(true);
    expect(registry.has('x')).toBe(false);
  });

  describe('deadline overrides (per deployment)', () => {
    it('override meta deadlines, nested states included, and arm with the overridden value', () => {
      const registry = new WorkflowRegistry({ demo: { open: 'PT2H', 'review.first': { at: 'dueBy', plus: 'PT3H' } } });
      registry.register(demoV1).register(demoV2);
      registry.assertOverridesUsed();
      const def = registry.get('demo', 1);
      expect(def.deadlines).toEqual({ open: 'PT2H', 'review.first': { at: 'dueBy', plus: 'PT3H' } });
      expect(demoV1.deadlines).toBeUndefined();
      const started = start(def, { caseId: 'c', input: demoInput, actor: clerk, occurredAt: at(0), eventId: 'e1' });
      expect(started.event.metadata.timers.find((t) => t.kind === 'deadline')?.dueAt).toBe(at(120));
      const submitted = decide(def, started.state, {
        type: 'SUBMIT',
        data: { note: 'n' },
        actor: owner,
        occurredAt: at(1),
        eventId: 'e2',
      });
      expect(submitted.event.metadata.timers.find((t) => t.kind === 'deadline')?.dueAt).toBe(
        '2020-10-01T06:00:00.000Z',
      );
      // v2 has no such states: it is unaffected.
      expect(registry.get('demo', 2).deadlines).toBeUndefined();
    });

    describe('a case keeps the deadlines it was opened under', () => {
      /** A case opened under one configuration, the registry re-created (a redeploy) with another. */
      function redeployed() {
        const before = new WorkflowRegistry({ demo: { open: 'PT2H' } }).register(demoV1);
        const h = new History(before.get('demo', 1));
        h.start(0);
        const after = new WorkflowRegistry({ demo: { open: 'PT3H', 'review.first': 'PT30M' } }).register(demoV1);
        return { h, def: after.get('demo', 1) };
      }

      it('records them in CASE_STARTED, and the case advances with them on the new registry', () => {
        const { h, def } = redeployed();
        expect(h.events[0].metadata.deadlines).toEqual({ open: 'PT2H', 'review.first': { at: 'dueBy', plus: 'PT1H' } });
        // Loaded after the redeploy: the new registry's definition, the case's own deadlines.
        const h2 = new History(def);
        h2.accept({ event: h.events[0], state: fold(def, h.stored()) });
        expect(h2.state.deadlines).toEqual(h.events[0].metadata.deadlines);
        h2.nextId();
        const submitted = h2.send('SUBMIT', { note: 'n' }, owner, 10).event;
        // review.first: the recorded { at: dueBy, plus: PT1H }, not the new PT30M.
        expect(submitted.metadata.timers.find((t) => t.kind === 'deadline')?.dueAt).toBe('2020-10-01T04:00:00.000Z');
        const rejected = h2.send('REJECT', {}, reviewer, 20).event;
        // open, entered again: the recorded PT2H, not the new PT3H.
        expect(rejected.metadata.timers.find((t) => t.kind === 'deadline')?.dueAt).toBe(at(140));
        const missed = h2.fire((t) => t.kind === 'deadline')!.event;
        expect(missed.data).toMatchObject({ state: 'open', dueAt: at(140) });
        const history = h2.stored();
        expect(verifyChain(history).ok).toBe(true);
        expect(verifyReplay(def, history)).toEqual({ ok: true, count: 4 });
        expect(fold(def, history).armedTimers).toEqual(h2.state.armedTimers);
      });

      it('a new case opens under the new ones', () => {
        const { def } = redeployed();
        const { event, state } = start(def, {
          caseId: 'c2',
          input: demoInput,
          actor: clerk,
          occurredAt: at(0),
          eventId: 'e1',
        });
        expect(event.metadata.deadlines).toEqual({ open: 'PT3H', 'review.first': 'PT30M' });
        expect(state.deadlines).toEqual({ open: 'PT3H', 'review.first': 'PT30M' });
        expect(event.metadata.timers.find((t) => t.kind === 'deadline')?.dueAt).toBe(at(180));
      });

      it('the hash covers them: an edited deadline breaks the chain, and a resealed one no longer replays', () => {
        const { h, def } = redeployed();
        h.send('PING', {}, clerk, 1);
        const edited = h.stored();
        edited[0].metadata.deadlines = { open: 'PT9H' };
        expect(verifyChain(edited)).toMatchObject({ ok: false, brokenAt: 0n, reason: 'hash-mismatch' });
        edited[0].metadata.hash = eventHash('', edited[0]);
        edited[1].metadata.prevHash = edited[0].metadata.hash;
        edited[1].metadata.hash = eventHash(edited[0].metadata.hash, edited[1]);
        expect(verifyChain(edited).ok).toBe(true);
        expect(verifyReplay(def, edited)).toMatchObject({ ok: false, brokenAt: 0n, field: 'timers' });
      });

      it('refuses recorded deadlines this version could not have recorded', () => {
        const { h, def } = redeployed();
        for (const deadlines of [{ nowhere: 'PT1H' }, { done: 'PT1H' }, { open: 'soon' }, ['PT1H']]) {
          const events = h.stored();
          events[0].metadata.deadlines = deadlines as never;
          expect(codeOf(() => fold(def, events))).toBe('ENGINE.CORRUPT_HISTORY');
          expect(verifyReplay(def, events)).toMatchObject({ ok: false, brokenAt: 0n, field: 'error' });
        }
      });

      it('a case recorded before deadlines were recorded runs under the current ones', () => {
        const { h, def } = redeployed();
        const events = h.stored();
        delete events[0].metadata.deadlines;
        expect(fold(def, events).deadlines).toEqual({ open: 'PT3H', 'review.first': 'PT30M' });
      });
    });

    it('refuses a malformed duration and an override for a state no version has', () => {
      expect(codeOf(() => new WorkflowRegistry({ demo: { open: '8 hours' } }).register(demoV1))).toBe(
        'ENGINE.INVALID_CONFIG',
      );
      expect(codeOf(() => withDeadlines(demoV1, { open: { at: '' } as never }))).toBe('ENGINE.INVALID_CONFIG');
      const registry = new WorkflowRegistry({ demo: { opne: 'PT1H' }, ghost: { a: 'PT1H' } }).register(demoV1);
      expect(codeOf(() => registry.assertOverridesUsed())).toBe('ENGINE.INVALID_CONFIG');
    });
  });

  it('takes who may open a case from startPolicy, so START is free for an event', () => {
    const def = {
      ...demoV1,
      process: 'starting',
      events: { ...demoV1.events, START: demoV1.events.PING },
      policy: { ...demoV1.policy, START: [{ role: 'boss' }] },
    };
    expect(codeOf(() => new WorkflowRegistry().register(def))).toBe('none');
  });

  it('refuses a definition nobody could open, and a policy for an event it does not declare', () => {
    const bad = (patch: object) => codeOf(() => new WorkflowRegistry().register({ ...demoV1, ...patch }));
    expect(bad({ startPolicy: [] })).toBe('ENGINE.INVALID_DEFINITION');
    expect(bad({ startPolicy: undefined })).toBe('ENGINE.INVALID_DEFINITION');
    // The old way of saying who opens a case.
    expect(bad({ policy: { ...demoV1.policy, START: [{ role: 'clerk' }] } })).toBe('ENGINE.INVALID_DEFINITION');
  });

  it('refuses definitions the engine cannot run faithfully', () => {
    const machineWith = (states: any) => setup({}).createMachine({ id: 'x', initial: 'a', states });
    const bad = (patch: object) => codeOf(() => new WorkflowRegistry().register({ ...demoV1, ...patch }));
    expect(bad({ process: 'bad-name' })).toBe('ENGINE.INVALID_DEFINITION');
    expect(bad({ version: 0 })).toBe('ENGINE.INVALID_DEFINITION');
    expect(bad({ events: { ...demoV1.events, DEADLINE_MISSED: demoV1.events.PING } })).toBe(
      'ENGINE.INVALID_DEFINITION',
    );
    expect(bad({ machine: machineWith({ a: { meta: { deadline: 'PT1H' } } }) })).toBe('ENGINE.INVALID_DEFINITION');
    expect(
      bad({ machine: machineWith({ a: { type: 'final', meta: { deadline: 'PT1H', responsible: { role: 'x' } } } }) }),
    ).toBe('ENGINE.INVALID_DEFINITION');
    expect(bad({ machine: machineWith({ a: { invoke: { src: setup({}).createMachine({}) } } }) })).toBe(
      'ENGINE.INVALID_DEFINITION',
    );
  });
});
