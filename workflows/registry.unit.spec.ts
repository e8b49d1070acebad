import { type Actor, decide, EngineError, fold, start, verifyChain, verifyReplay } from '@app/engine';
import { createWorkflowRegistry } from './registry';

describe('createWorkflowRegistry', () => {
  it('knows leaveApproval', () => {
    const registry = createWorkflowRegistry();
    expect(registry.latest('leaveApproval').version).toBe(1);
    expect(registry.list().every((def) => def.process && def.version > 0)).toBe(true);
  });

  it('applies the deployment’s deadline overrides', () => {
    const registry = createWorkflowRegistry({
      leaveApproval: { awaitingChiefApproval: 'PT2H', away: { at: 'request.returnAt', plus: 'PT6H' } },
    });
    const def = registry.latest('leaveApproval');
    const { event } = start(def, {
      caseId: 'c1',
      eventId: '00000000-0000-4000-8000-000000000001',
      occurredAt: '2020-10-01T00:00:00.000Z',
      actor: { id: 'u1', name: '张三', roles: ['staff'], kind: 'user' },
      input: {
        applicant: { id: 'u1', name: '张三', unit: '办公室' },
        destination: { placeCode: '150602', name: '东胜区' },
        leavesCity: false,
        departAt: '2020-10-02T00:00:00.000Z',
        returnAt: '2020-10-03T00:00:00.000Z',
        companions: [],
        epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false },
      },
      facts: { destinationRisk: { level: 'low', asOf: null } },
    });
    expect(event.metadata.timers[0]).toMatchObject({
      state: 'awaitingChiefApproval',
      dueAt: '2020-10-01T02:00:00.000Z',
    });
    expect(def.deadlines).toEqual({ awaitingChiefApproval: 'PT2H', away: { at: 'request.returnAt', plus: 'PT6H' } });
  });

  it('refuses an override for a state that does not exist or a malformed one', () => {
    expect(() => createWorkflowRegistry({ leaveApproval: { awaitingChefApproval: 'PT2H' } })).toThrow(EngineError);
    expect(() => createWorkflowRegistry({ leaveApproval: { away: 'two hours' } })).toThrow(EngineError);
  });

  it('a case keeps the deadlines it was opened under when the deployment changes them', () => {
    const staff: Actor = { id: 'u1', name: '张三', roles: ['staff'], kind: 'user' };
    const chief: Actor = { id: 'u-chief', name: '局长', roles: ['chief'], kind: 'user' };
    const startLeave = (registry: ReturnType<typeof createWorkflowRegistry>, caseId: string) =>
      start(registry.latest('leaveApproval'), {
        caseId,
        eventId: `00000000-0000-4000-8000-00000000000${caseId === 'old' ? 1 : 9}`,
        occurredAt: '2020-10-01T00:00:00.000Z',
        actor: staff,
        input: {
          applicant: { id: 'u1', name: '张三', unit: '办公室' },
          destination: { placeCode: '150602', name: '东胜区' },
          leavesCity: false,
          departAt: '2020-10-02T00:00:00.000Z',
          returnAt: '2020-10-03T00:00:00.000Z',
          companions: [],
          epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false },
        },
        facts: { destinationRisk: { level: 'low', asOf: null } },
      });
    const opened = startLeave(createWorkflowRegistry({ leaveApproval: { awaitingOfficeFiling: 'PT1H' } }), 'old');
    const history = [JSON.parse(JSON.stringify(opened.event))];

    // Redeployed with another configuration: the old case is loaded on the new registry.
    const registry = createWorkflowRegistry({ leaveApproval: { awaitingOfficeFiling: 'PT3H' } });
    const def = registry.forHistory(history);
    const approved = decide(def, fold(def, history), {
      type: 'APPROVE',
      data: {},
      actor: chief,
      eventId: '00000000-0000-4000-8000-000000000002',
      occurredAt: '2020-10-01T01:00:00.000Z',
    });
    expect(approved.event.metadata.timers[0]).toMatchObject({
      state: 'awaitingOfficeFiling',
      dueAt: '2020-10-01T02:00:00.000Z',
    });
    history.push(JSON.parse(JSON.stringify(approved.event)));
    expect(verifyChain(history).ok).toBe(true);
    expect(verifyReplay(def, history)).toEqual({ ok: true, count: 2 });

    // A case opened now runs under the new configuration.
    expect(startLeave(registry, 'new').state.deadlines).toMatchObject({ awaitingOfficeFiling: 'PT3H' });
  });
});
