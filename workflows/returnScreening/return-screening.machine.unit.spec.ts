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
  machineInfo,
} from '@app/engine';
import { parse } from 'yaml';
import { createWorkflowRegistry } from '../registry';
import { feverEscalationV1 } from '../feverEscalation';
import { leaveApprovalV1 } from '../leaveApproval';
import { returnScreeningV1 } from './index';

const returnee: Actor = { id: 'p-staff', name: '干部职工', roles: ['staff'], unit: 'hazchem', kind: 'user' };
const colleague: Actor = {
  id: 'p-staff2',
  name: '干部职工二',
  roles: ['staff'],
  unit: 'disaster-reduction',
  kind: 'user',
};
const office: Actor = {
  id: 'p-office',
  name: '办公室工作人员',
  roles: ['office', 'staff'],
  unit: 'office',
  groups: ['coordination'],
  kind: 'user',
};

const screeningInput = (overrides: Record<string, unknown> = {}) => ({
  person: { id: 'p-staff', name: '干部职工', unit: 'hazchem' },
  returnedAt: '2020-10-05T10:00:00.000Z',
  fromPlace: { placeCode: '110000', name: '北京市' },
  tripCaseId: 'trip-1',
  ...overrides,
});
const noExposure = { confirmedCase: false, suspectedCase: false, riskArea: false };
const report = (overrides: Record<string, unknown> = {}) =>
  sent(
    'REPORT_CONTACT_HISTORY',
    { reportedToCommunity: true, reportedToOffice: true, exposures: noExposure, ...overrides },
    returnee,
  );
const temperature = (celsius: number, actor: Actor = returnee) =>
  sent('RECORD_TEMPERATURE', { celsius, measuredAt: '2020-10-05T12:34:00+08:00' }, actor);

const spec = () => CaseSpec.for(returnScreeningV1, { now: '2020-10-05T11:00:00.000Z' });
const opened = started(screeningInput(), SYSTEM_ACTORS.effects);

function startCaseOf(event: CaseEvent | undefined): StartCaseParams {
  const effect = event?.metadata.effects.find((e) => e.kind === 'startCase');
  if (!effect) throw new Error('no startCase effect');
  return effect.params as unknown as StartCaseParams;
}

describe('returnScreening v1', () => {
  it('config/deadlines.yaml states these deadlines, and the registry takes them', () => {
    const file = parse(readFileSync(join(__dirname, '../../config/deadlines.yaml'), 'utf8'));
    const defaults = Object.fromEntries(machineInfo(returnScreeningV1).deadlineStates.map((s) => [s.key, s.deadline]));
    expect(file[returnScreeningV1.process]).toEqual(defaults);
    const registry = createWorkflowRegistry({ [returnScreeningV1.process]: file[returnScreeningV1.process] });
    expect(registry.latest(returnScreeningV1.process).deadlines).toEqual(defaults);
  });
  describe('opening', () => {
    it("a trip's RETURN opens it with a start input this definition accepts", () => {
      let params: StartCaseParams | undefined;
      const chief: Actor = { id: 'p-chief', name: '局长', roles: ['chief'], groups: ['leadership'], kind: 'user' };
      CaseSpec.for(leaveApprovalV1, { now: '2020-10-01T08:00:00.000Z' })
        .given(
          started(
            {
              applicant: { id: 'p-staff', name: '干部职工', unit: 'hazchem' },
              destination: { placeCode: '110000', name: '北京市' },
              leavesCity: true,
              specialReason: '探望病重亲属',
              departAt: '2020-10-02T08:00:00Z',
              returnAt: '2020-10-05T08:00:00Z',
              companions: [],
              epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false },
            },
            returnee,
            { facts: { destinationRisk: { level: 'low', asOf: null } } },
          ),
          sent('APPROVE', {}, chief),
          sent('FILE', {}, office),
          sent('DEPART', { at: '2020-10-02T08:00:00Z' }, returnee, { at: '2020-10-02T08:05:00Z' }),
        )
        .when(sent('RETURN', { at: '2020-10-05T07:00:00Z' }, returnee, { at: '2020-10-05T07:10:00Z' }))
        .thenExpect(({ event }) => {
          params = startCaseOf(event);
        });
      expect(params!.process).toBe('returnScreening');
      spec()
        .given()
        .when(started(params!.input, SYSTEM_ACTORS.effects))
        .thenExpect(({ state }) => {
          expect(state.state).toBe('awaitingReport');
          expect(state.context.sourceCaseId).toBe('leaveApproval-case1');
          expect(state.context.sourceProcess).toBe('leaveApproval');
        });
    });

    it('the report is due 24 h after the return, not after the case was opened; the returnee holds it', () => {
      spec()
        .given()
        .when(opened)
        .thenExpect(({ event }) => {
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({
              kind: 'deadline',
              state: 'awaitingReport',
              dueAt: '2020-10-06T10:00:00.000Z',
              responsible: { person: 'person.id' },
            }),
          ]);
        });
    });

    it('a missed report names the returnee and tells the office; the case still waits', () => {
      spec()
        .given(opened)
        .when(timerFired({ kind: 'deadline', state: 'awaitingReport' }))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('awaitingReport');
          expect(event!.data).toMatchObject({ heldBy: { person: 'p-staff' } });
          const notified = event!.metadata.effects.map((e) => (e.params as { to: unknown[] }).to);
          expect(notified).toEqual([[{ role: 'office' }], [{ unitHeadOf: 'p-staff' }]]);
        });
    });

    it('the returnee may not open their own screening', () => {
      spec().given().when(started(screeningInput(), returnee)).thenError('CASE.FORBIDDEN');
    });
  });

  describe('contact history', () => {
    it('reported to both community and office → awaiting the temperature', () => {
      spec()
        .given(opened)
        .when(report())
        .thenExpect(({ state }) => {
          expect(state.state).toBe('awaitingTemperature');
          expect(state.context.contactHistory).toMatchObject({ reportedToCommunity: true, reportedToOffice: true });
        });
    });

    it.each([
      ['reportedToCommunity', { reportedToCommunity: false }],
      ['reportedToOffice', { reportedToOffice: false }],
    ])('not reported to the %s: refused as bad input, the case still waits for the report', (property, overrides) => {
      spec()
        .given(opened)
        .when(report(overrides))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues.map((i) => i.property)).toEqual([property]));
    });

    it('the office may report for the returnee; a colleague may not', () => {
      spec()
        .given(opened)
        .when(
          sent(
            'REPORT_CONTACT_HISTORY',
            { reportedToCommunity: true, reportedToOffice: true, exposures: noExposure },
            office,
          ),
        )
        .thenExpect(({ state }) => expect(state.state).toBe('awaitingTemperature'));
      spec()
        .given(opened)
        .when(
          sent(
            'REPORT_CONTACT_HISTORY',
            { reportedToCommunity: true, reportedToOffice: true, exposures: noExposure },
            colleague,
          ),
        )
        .thenError('CASE.FORBIDDEN');
    });
  });

  describe('temperature', () => {
    it('37.3 °C is a fever: fever escalation opened, detected at the measurement', () => {
      spec()
        .given(opened, report())
        .when(temperature(37.3))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('feverEscalated');
          expect(state.status).toBe('done');
          expect(startCaseOf(event)).toEqual({
            process: 'feverEscalation',
            input: expect.objectContaining({
              person: { id: 'p-staff', name: '干部职工', unit: 'hazchem' },
              celsius: 37.3,
              detectedAt: '2020-10-05T12:34:00+08:00',
              source: 'screening',
              sourceCaseId: 'returnScreening-case1',
            }),
          });
        });
    });

    it('the fever escalation it opens accepts the input, and its transfer is due 2 h after the measurement', () => {
      let params: StartCaseParams | undefined;
      spec()
        .given(opened, report())
        .when(temperature(38.1))
        .thenExpect(({ event }) => {
          params = startCaseOf(event);
        });
      CaseSpec.for(feverEscalationV1, { now: '2020-10-05T06:00:00.000Z' })
        .given()
        .when(started(params!.input, SYSTEM_ACTORS.effects))
        .thenExpect(({ event }) =>
          expect(event!.metadata.timers).toEqual([expect.objectContaining({ dueAt: '2020-10-05T06:34:00.000Z' })]),
        );
    });

    it('37.2 °C with no exposure: cleared for work', () => {
      spec()
        .given(opened, report())
        .when(temperature(37.2))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('clearedForWork');
          expect(state.status).toBe('done');
          expect(event!.metadata.effects).toEqual([]);
          expect(Object.keys(state.armedTimers)).toEqual([]);
        });
    });

    it.each([['confirmedCase'], ['suspectedCase'], ['riskArea']])(
      'a normal temperature with exposure (%s) → under observation, the office holds it',
      (exposure) => {
        spec()
          .given(opened, report({ exposures: { ...noExposure, [exposure]: true } }))
          .when(temperature(36.5))
          .thenExpect(({ state, event }) => {
            expect(state.state).toBe('underObservation');
            expect(event!.metadata.timers).toEqual([
              expect.objectContaining({ state: 'underObservation', responsible: { role: 'office' } }),
            ]);
            expect(event!.metadata.effects).toEqual([
              expect.objectContaining({
                params: expect.objectContaining({ template: 'returnScreening.observationStarted' }),
              }),
            ]);
          });
      },
    );

    it('a fever with exposure is escalated, not observed', () => {
      spec()
        .given(opened, report({ exposures: { ...noExposure, riskArea: true } }))
        .when(temperature(37.5))
        .thenExpect(({ state }) => expect(state.state).toBe('feverEscalated'));
    });

    it.each([33.9, 43.1])('%s °C is an implausible reading: INVALID_PAYLOAD', (celsius) => {
      spec()
        .given(opened, report())
        .when(temperature(celsius))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('celsius'));
    });

    it('no temperature before the contact history is reported', () => {
      spec().given(opened).when(temperature(36.5)).thenError('CASE.EVENT_NOT_ALLOWED');
    });
  });

  describe('observation', () => {
    const observed = [opened, report({ exposures: { ...noExposure, confirmedCase: true } }), temperature(36.5)];

    it('the office ends a normal observation: cleared for work', () => {
      spec()
        .given(...observed)
        .when(sent('END_OBSERVATION', { normal: true }, office))
        .thenExpect(({ state }) => expect(state.state).toBe('clearedForWork'));
    });

    it('an abnormal end is not a clearance: bad input', () => {
      spec()
        .given(...observed)
        .when(sent('END_OBSERVATION', { normal: false }, office))
        .thenError('CASE.INVALID_PAYLOAD');
    });

    it('the returnee may not end their own observation', () => {
      spec()
        .given(...observed)
        .when(sent('END_OBSERVATION', { normal: true }, returnee))
        .thenError('CASE.FORBIDDEN');
    });

    it('a normal reading during observation is recorded; the case stays', () => {
      spec()
        .given(...observed)
        .when(temperature(36.9))
        .thenExpect(({ state }) => {
          expect(state.state).toBe('underObservation');
          expect(state.context.temperatures).toHaveLength(2);
        });
    });

    it('a fever during observation opens a fever escalation', () => {
      spec()
        .given(...observed)
        .when(temperature(37.3, office))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('feverEscalated');
          expect(startCaseOf(event).process).toBe('feverEscalation');
        });
    });
  });
});
