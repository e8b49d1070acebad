import { EngineError, start } from '@app/engine';
import { createWorkflowRegistry } from './registry';

describe('createWorkflowRegistry', () => {
  it('knows leaveApproval', () => {
    const registry = createWorkflowRegistry();
    expect(registry.latest('leaveApproval').version).toBe(1);
    expect(registry.list().every((def) => def.process && def.version > 0)).toBe(true);
  });

  it('applies the deployment’s deadline overrides', () => {
    const registry = createWorkflowRegistry({
      leaveApproval: { awaitingChiefApproval: 'PT2H', away: { at: 'returnAt', plus: 'PT6H' } },
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
    expect(def.deadlines).toEqual({ awaitingChiefApproval: 'PT2H', away: { at: 'returnAt', plus: 'PT6H' } });
  });

  it('refuses an override for a state that does not exist or a malformed one', () => {
    expect(() => createWorkflowRegistry({ leaveApproval: { awaitingChefApproval: 'PT2H' } })).toThrow(EngineError);
    expect(() => createWorkflowRegistry({ leaveApproval: { away: 'two hours' } })).toThrow(EngineError);
  });
});
