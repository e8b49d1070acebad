import { setup } from 'xstate';
import { decide, EngineError, fold, start, WorkflowRegistry, withDeadlines } from '.';
import { at, clerk, demoInput, demoV1, demoV2, owner } from './testing/demo-workflow';

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

    it('refuses a malformed duration and an override for a state no version has', () => {
      expect(codeOf(() => new WorkflowRegistry({ demo: { open: '8 hours' } }).register(demoV1))).toBe(
        'ENGINE.INVALID_CONFIG',
      );
      expect(codeOf(() => withDeadlines(demoV1, { open: { at: '' } as never }))).toBe('ENGINE.INVALID_CONFIG');
      const registry = new WorkflowRegistry({ demo: { opne: 'PT1H' }, ghost: { a: 'PT1H' } }).register(demoV1);
      expect(codeOf(() => registry.assertOverridesUsed())).toBe('ENGINE.INVALID_CONFIG');
    });
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
