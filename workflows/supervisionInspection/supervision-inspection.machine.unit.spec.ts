import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Actor,
  type CaseEvent,
  CaseSpec,
  SYSTEM_ACTORS,
  type StartCaseParams,
  sent,
  started,
  timerFired,
  WorkflowRegistry,
  machineInfo,
} from '@app/engine';
import { parse } from 'yaml';
import { createWorkflowRegistry } from '../registry';
import { accountabilityReviewV1 } from '../accountabilityReview';
import { CHECKLIST_ITEMS } from './supervision-inspection.events';
import { supervisionInspectionV1 } from './index';

const inspector: Actor = {
  id: 'p-prevention',
  name: '应对防控组督查员',
  roles: ['inspector', 'staff'],
  unit: 'hazchem',
  groups: ['prevention'],
  kind: 'user',
};
const leadInspector: Actor = {
  id: 'p-hazchem-head',
  name: '危险化学品安全监督管理室主任',
  roles: ['unitHead', 'inspector'],
  unit: 'hazchem',
  groups: ['leadership', 'prevention'],
  kind: 'user',
};
const enterpriseHead: Actor = {
  id: 'p-enterprise-head',
  name: '演示化工企业负责人',
  roles: ['unitHead'],
  unit: 'ent-chem',
  kind: 'user',
};
const safetyOfficer: Actor = {
  id: 'p-ent-safety',
  name: '企业安全员',
  roles: ['staff'],
  unit: 'ent-chem',
  kind: 'user',
};
const staff: Actor = { id: 'p-staff', name: '干部职工', roles: ['staff'], unit: 'hazchem', kind: 'user' };

const plan = (overrides: Record<string, unknown> = {}) => ({
  target: { unitId: 'ent-chem', name: '演示化工有限公司', kind: 'enterprise' },
  sector: 'hazardousChemicals',
  plannedDate: '2020-10-12T09:00:00+08:00',
  inspectors: [
    { id: 'p-hazchem-head', name: '危险化学品安全监督管理室主任' },
    { id: 'p-prevention', name: '应对防控组督查员' },
  ],
  unitHead: { id: 'p-enterprise-head', name: '演示化工企业负责人' },
  ...overrides,
});
const allOk = CHECKLIST_ITEMS.map((item) => ({ item, ok: true }));
const withProblems = {
  checklist: allOk.map((line) =>
    line.item === 'masks' || line.item === 'movementRegister' ? { ...line, ok: false } : line,
  ),
  problems: [
    { item: 'masks', description: '车间部分人员未佩戴口罩' },
    { item: 'movementRegister', description: '外来人员未登记' },
  ],
  rectificationDeadline: '2020-10-19T18:00:00+08:00',
};

const spec = () => CaseSpec.for(supervisionInspectionV1, { now: '2020-10-10T00:00:00.000Z' });
const planned = started(plan(), inspector);
const begun = sent('START', {}, leadInspector, { at: '2020-10-12T01:00:00.000Z' });
const findingsWithProblems = sent('RECORD_FINDINGS', withProblems, inspector, { at: '2020-10-12T03:00:00.000Z' });
const submitted = sent('SUBMIT_RECTIFICATION', { summary: '已整改', evidence: ['photo-1'] }, enterpriseHead, {
  at: '2020-10-15T03:00:00.000Z',
});
const ordered = [planned, begun, findingsWithProblems];

function startCasesOf(event: CaseEvent | undefined): StartCaseParams[] {
  return (event?.metadata.effects ?? []).filter((e) => e.kind === 'startCase').map((e) => e.params as any);
}

describe('supervisionInspection v1', () => {
  it('config/deadlines.yaml states these deadlines, and the registry takes them', () => {
    const file = parse(readFileSync(join(__dirname, '../../config/deadlines.yaml'), 'utf8'));
    const defaults = Object.fromEntries(
      machineInfo(supervisionInspectionV1).deadlineStates.map((s) => [s.key, s.deadline]),
    );
    expect(file[supervisionInspectionV1.process]).toEqual(defaults);
    const registry = createWorkflowRegistry({
      [supervisionInspectionV1.process]: file[supervisionInspectionV1.process],
    });
    expect(registry.latest(supervisionInspectionV1.process).deadlines).toEqual(defaults);
  });
  describe('planning', () => {
    it('an inspector plans it: waits until the planned date, held by the lead inspector', () => {
      spec()
        .given()
        .when(planned)
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('planned');
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({
              state: 'planned',
              dueAt: '2020-10-12T01:00:00.000Z',
              responsible: { person: 'inspectors.0.id' },
            }),
          ]);
        });
    });

    it("the inspected unit's head may not be an inspector", () => {
      spec()
        .given()
        .when(started(plan({ inspectors: [{ id: 'p-enterprise-head', name: '演示化工企业负责人' }] }), inspector))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('inspectors'));
    });

    it('an enterprise is inspected in its sector', () => {
      spec()
        .given()
        .when(started(plan({ sector: 'office' }), inspector))
        .thenError('CASE.INVALID_PAYLOAD');
    });

    it('an inspection names at least one inspector', () => {
      spec()
        .given()
        .when(started(plan({ inspectors: [] }), inspector))
        .thenError('CASE.INVALID_PAYLOAD');
    });

    it('ordinary staff may not plan one', () => {
      spec().given().when(started(plan(), staff)).thenError('CASE.FORBIDDEN');
    });

    it("START (the catalogue's name) begins it", () => {
      spec()
        .given(planned)
        .when(begun)
        .thenExpect(({ state, event }) => {
          expect(event!.type).toBe('START');
          expect(state.state).toBe('inProgress');
          expect(state.context.inspection).toMatchObject({ by: { id: leadInspector.id } });
        });
    });

    it('the engine registers it with the catalogue’s event names', () => {
      const registry = new WorkflowRegistry().register(supervisionInspectionV1);
      expect(Object.keys(registry.latest('supervisionInspection').events)).toEqual([
        'START',
        'RECORD_FINDINGS',
        'SUBMIT_RECTIFICATION',
        'VERIFY',
        'REFER_FOR_ACCOUNTABILITY',
      ]);
    });

    it('START is the event’s permission, not the opening’s: inspectors or the lead inspector begin it', () => {
      spec()
        .given(planned)
        .when(sent('START', {}, enterpriseHead))
        .thenError('CASE.FORBIDDEN');
      spec()
        .given(planned)
        .when(sent('START', {}, inspector))
        .thenExpect(({ state }) => expect(state.state).toBe('inProgress'));
    });

    it('START is not taken twice', () => {
      spec()
        .given(planned, begun)
        .when(sent('START', {}, inspector))
        .thenError('CASE.EVENT_NOT_ALLOWED');
    });
  });

  describe('findings', () => {
    it('no problems, every line ok: closed', () => {
      spec()
        .given(planned, begun)
        .when(sent('RECORD_FINDINGS', { checklist: allOk, problems: [] }, inspector))
        .thenExpect(({ state }) => {
          expect(state.state).toBe('closed');
          expect(state.status).toBe('done');
        });
    });

    it('problems order a rectification with its own deadline, held by the unit head', () => {
      spec()
        .given(planned, begun)
        .when(findingsWithProblems)
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('rectificationOrdered');
          expect(state.context.rectification).toMatchObject({
            round: 1,
            deadline: '2020-10-19T18:00:00+08:00',
            responsible: { id: 'p-enterprise-head' },
          });
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({
              state: 'rectificationOrdered',
              dueAt: '2020-10-19T10:00:00.000Z',
              responsible: { person: 'rectification.responsible.id' },
            }),
          ]);
          expect(event!.metadata.effects).toEqual([
            expect.objectContaining({
              kind: 'notify',
              params: expect.objectContaining({ to: [{ person: 'p-enterprise-head' }] }),
            }),
          ]);
        });
    });

    it('the findings may name someone else as responsible for the rectification', () => {
      spec()
        .given(planned, begun)
        .when(
          sent(
            'RECORD_FINDINGS',
            { ...withProblems, responsiblePerson: { id: 'p-ent-safety', name: '企业安全员' } },
            inspector,
          ),
        )
        .thenExpect(({ state }) => expect(state.context.rectification.responsible.id).toBe('p-ent-safety'));
    });

    it('problems without a rectification deadline are bad input', () => {
      const { rectificationDeadline: _, ...noDeadline } = withProblems;
      spec()
        .given(planned, begun)
        .when(sent('RECORD_FINDINGS', noDeadline, inspector))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('rectificationDeadline'));
    });

    it('a checklist line not ok must be described by a problem', () => {
      spec()
        .given(planned, begun)
        .when(sent('RECORD_FINDINGS', { ...withProblems, problems: withProblems.problems.slice(0, 1) }, inspector))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('problems'));
    });

    it('an unknown checklist item is bad input', () => {
      spec()
        .given(planned, begun)
        .when(sent('RECORD_FINDINGS', { checklist: [{ item: 'vibes', ok: true }], problems: [] }, inspector))
        .thenError('CASE.INVALID_PAYLOAD');
    });

    it('a rectification deadline already past is bad input', () => {
      spec()
        .given(planned, begun)
        .when(
          sent('RECORD_FINDINGS', { ...withProblems, rectificationDeadline: '2020-10-11T00:00:00Z' }, inspector, {
            at: '2020-10-12T03:00:00.000Z',
          }),
        )
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues).toEqual([
            { property: 'rectificationDeadline', constraints: { isInFuture: expect.any(String) } },
          ]),
        );
    });

    it('a rectification deadline more than a year out is bad input', () => {
      spec()
        .given(planned, begun)
        .when(sent('RECORD_FINDINGS', { ...withProblems, rectificationDeadline: '2021-12-01T00:00:00Z' }, inspector))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('rectificationDeadline'));
    });

    it('only inspectors record findings', () => {
      spec()
        .given(planned, begun)
        .when(sent('RECORD_FINDINGS', withProblems, enterpriseHead))
        .thenError('CASE.FORBIDDEN');
    });
  });

  describe('rectification', () => {
    it("the inspected unit's head submits it: awaiting verification by the inspectors within 3 days", () => {
      spec()
        .given(...ordered)
        .when(submitted)
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('awaitingVerification');
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({ state: 'awaitingVerification', responsible: { person: 'inspectors.0.id' } }),
          ]);
        });
    });

    it('someone else in the unit may not submit it', () => {
      spec()
        .given(...ordered)
        .when(sent('SUBMIT_RECTIFICATION', { summary: '已整改' }, safetyOfficer))
        .thenError('CASE.FORBIDDEN');
    });

    it('a missed rectification deadline opens an accountability review against the responsible person; the case stays', () => {
      let params: StartCaseParams | undefined;
      spec()
        .given(...ordered)
        .when(timerFired({ kind: 'deadline', state: 'rectificationOrdered' }))
        .thenExpect(({ state, event }) => {
          expect(event!.type).toBe('DEADLINE_MISSED');
          expect(event!.data).toMatchObject({ heldBy: { person: 'p-enterprise-head' } });
          expect(state.state).toBe('rectificationOrdered');
          const [review] = startCasesOf(event);
          expect(review).toEqual({
            process: 'accountabilityReview',
            input: expect.objectContaining({
              subject: { id: 'p-enterprise-head', name: '演示化工企业负责人', unit: 'ent-chem' },
              reason: 'rectificationOverdue',
              sourceCaseId: 'supervisionInspection-case1',
              sourceProcess: 'supervisionInspection',
            }),
          });
          params = review;
          // The engine's own escalation follows the machine's effects.
          expect(event!.metadata.effects.map((e) => e.kind)).toEqual(['startCase', 'notify']);
        });
      CaseSpec.for(accountabilityReviewV1)
        .given()
        .when(started(params!.input, SYSTEM_ACTORS.effects))
        .thenExpect(({ state }) => expect(state.context.subject.id).toBe('p-enterprise-head'));
    });

    it('the overdue rectification can still be submitted afterwards', () => {
      spec()
        .given(...ordered, timerFired({ kind: 'deadline', state: 'rectificationOrdered' }))
        .when(sent('SUBMIT_RECTIFICATION', { summary: '逾期完成整改' }, enterpriseHead, { at: '2020-10-20T00:00:00Z' }))
        .thenExpect(({ state }) => expect(state.state).toBe('awaitingVerification'));
    });
  });

  describe('verification', () => {
    it('passed: closed', () => {
      spec()
        .given(...ordered, submitted)
        .when(sent('VERIFY', { passed: true, note: '整改到位' }, inspector))
        .thenExpect(({ state }) => expect(state.state).toBe('closed'));
    });

    it('failed: back to rectificationOrdered with the new deadline, and the owner is called to account', () => {
      spec()
        .given(...ordered, submitted)
        .when(
          sent(
            'VERIFY',
            { passed: false, note: '登记仍不完整', rectificationDeadline: '2020-10-22T18:00:00+08:00' },
            inspector,
            {
              at: '2020-10-16T00:00:00.000Z',
            },
          ),
        )
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('rectificationOrdered');
          expect(state.context.rectification).toMatchObject({ round: 2, deadline: '2020-10-22T18:00:00+08:00' });
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({ state: 'rectificationOrdered', dueAt: '2020-10-22T10:00:00.000Z' }),
          ]);
          expect(startCasesOf(event)).toEqual([
            expect.objectContaining({
              input: expect.objectContaining({
                reason: 'rectificationFailed',
                subject: expect.objectContaining({ id: 'p-enterprise-head' }),
              }),
            }),
          ]);
        });
    });

    it('a failed verification’s new deadline must lie in the future', () => {
      spec()
        .given(...ordered, submitted)
        .when(
          sent('VERIFY', { passed: false, note: '未整改', rectificationDeadline: '2020-10-15T00:00:00Z' }, inspector, {
            at: '2020-10-16T00:00:00.000Z',
          }),
        )
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('rectificationDeadline'));
    });

    it('a failed verification needs a new deadline', () => {
      spec()
        .given(...ordered, submitted)
        .when(sent('VERIFY', { passed: false, note: '未整改' }, inspector))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('rectificationDeadline'));
    });

    it('the person who owes the rectification may not verify it, even as an inspector', () => {
      const ownerInspector: Actor = { ...inspector, id: 'p-owner', name: '兼任督查员' };
      spec()
        .given(
          planned,
          begun,
          sent(
            'RECORD_FINDINGS',
            { ...withProblems, responsiblePerson: { id: 'p-owner', name: '兼任督查员' } },
            inspector,
            {
              at: '2020-10-12T03:00:00.000Z',
            },
          ),
          sent('SUBMIT_RECTIFICATION', { summary: '已整改' }, ownerInspector, { at: '2020-10-15T03:00:00.000Z' }),
        )
        .when(sent('VERIFY', { passed: true, note: '自查通过' }, ownerInspector))
        .thenError('CASE.EVENT_NOT_ALLOWED');
    });

    it('only inspectors verify', () => {
      spec()
        .given(...ordered, submitted)
        .when(sent('VERIFY', { passed: true, note: 'ok' }, enterpriseHead))
        .thenError('CASE.FORBIDDEN');
    });
  });

  describe('referral for accountability', () => {
    const refer = sent(
      'REFER_FOR_ACCOUNTABILITY',
      { person: { id: 'p-ent-safety', name: '企业安全员' }, reason: '防控措施落实不力' },
      inspector,
    );

    it.each([
      ['planned', [planned]],
      ['inProgress', [planned, begun]],
      ['rectificationOrdered', ordered],
      ['awaitingVerification', [...ordered, submitted]],
    ])('in %s: opens an accountability review for poor implementation; the case stays', (stateName, given) => {
      spec()
        .given(...given)
        .when(refer)
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe(stateName);
          expect(startCasesOf(event)).toEqual([
            {
              process: 'accountabilityReview',
              input: expect.objectContaining({
                subject: { id: 'p-ent-safety', name: '企业安全员', unit: 'ent-chem' },
                reason: 'poorImplementation',
                sourceCaseId: 'supervisionInspection-case1',
              }),
            },
          ]);
          expect(Object.keys(state.armedTimers)).toHaveLength(1);
        });
    });

    it('the inspected unit may not refer', () => {
      spec()
        .given(...ordered)
        .when(sent('REFER_FOR_ACCOUNTABILITY', { person: { id: 'x', name: 'x' }, reason: 'r' }, enterpriseHead))
        .thenError('CASE.FORBIDDEN');
    });

    it('not once the inspection is closed', () => {
      spec()
        .given(planned, begun, sent('RECORD_FINDINGS', { checklist: allOk, problems: [] }, inspector))
        .when(refer)
        .thenError('CASE.EVENT_NOT_ALLOWED');
    });
  });
});
