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
import { returnScreeningV1 } from '../returnScreening';
import { dutyReportV1 } from './index';

const duty: Actor = {
  id: 'p-duty',
  name: '值班员',
  roles: ['dutyOfficer', 'staff'],
  unit: 'office',
  groups: ['coordination'],
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

const report = (overrides: Record<string, unknown> = {}) => ({
  reporter: { name: '某社区工作人员', phone: '0477-1234567', unit: '某社区' },
  subject: { name: '王某', place: '东胜区某小区3号楼' },
  kind: 'highFeverUnknownCause',
  details: '发热39度，原因不明',
  receivedAt: '2020-10-20T02:00:00.000Z',
  ...overrides,
});
const spec = () => CaseSpec.for(dutyReportV1, { now: '2020-10-20T02:10:00.000Z' });
const recorded = started(report(), duty);
const triage = (data: Record<string, unknown>, actor: Actor = duty) => sent('TRIAGE', data, actor);

function startCaseOf(event: CaseEvent | undefined): StartCaseParams {
  const effect = event?.metadata.effects.find((e) => e.kind === 'startCase');
  if (!effect) throw new Error('no startCase effect');
  return effect.params as unknown as StartCaseParams;
}

describe('dutyReport v1', () => {
  it('config/deadlines.yaml states these deadlines, and the registry takes them', () => {
    const file = parse(readFileSync(join(__dirname, '../../config/deadlines.yaml'), 'utf8'));
    const defaults = Object.fromEntries(machineInfo(dutyReportV1).deadlineStates.map((s) => [s.key, s.deadline]));
    expect(file[dutyReportV1.process]).toEqual(defaults);
    const registry = createWorkflowRegistry({ [dutyReportV1.process]: file[dutyReportV1.process] });
    expect(registry.latest(dutyReportV1.process).deadlines).toEqual(defaults);
  });
  describe('recording', () => {
    it('the duty officer records it: triage due 1 h after the call came in, held by the duty officers', () => {
      spec()
        .given()
        .when(recorded)
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('awaitingTriage');
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({
              state: 'awaitingTriage',
              dueAt: '2020-10-20T03:00:00.000Z',
              responsible: { role: 'dutyOfficer' },
            }),
          ]);
        });
    });

    it('a missed triage deadline names the duty officer role and is escalated', () => {
      spec()
        .given(recorded)
        .when(timerFired({ kind: 'deadline', state: 'awaitingTriage' }))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('awaitingTriage');
          expect(event!.data).toMatchObject({ heldBy: { role: 'dutyOfficer' } });
          expect(event!.metadata.effects).toEqual([
            expect.objectContaining({
              kind: 'notify',
              params: expect.objectContaining({ template: 'deadline.missed' }),
            }),
          ]);
        });
    });

    it('only the duty officer records reports', () => {
      spec().given().when(started(report(), office)).thenError('CASE.FORBIDDEN');
    });

    it('a call from the future is bad input', () => {
      spec()
        .given()
        .when(started(report({ receivedAt: '2020-10-21T00:00:00Z' }), duty))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('receivedAt'));
    });

    it('a report without a phone number to call back is bad input', () => {
      spec()
        .given()
        .when(started(report({ reporter: { name: '匿名', phone: 'none' } }), duty))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('reporter.phone'));
    });
  });

  describe('triage', () => {
    it('feverEscalation → escalated, opening a fever escalation detected when the call came in', () => {
      spec()
        .given(recorded)
        .when(triage({ action: 'feverEscalation', reason: '高热不明原因', celsius: 39 }))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('escalated');
          expect(state.status).toBe('done');
          expect(startCaseOf(event)).toEqual({
            process: 'feverEscalation',
            input: expect.objectContaining({
              person: { name: '王某' },
              celsius: 39,
              detectedAt: '2020-10-20T02:00:00.000Z',
              source: 'dutyReport',
              sourceCaseId: 'dutyReport-case1',
              place: '东胜区某小区3号楼',
            }),
          });
        });
    });

    it('the fever escalation it opens accepts the input; its transfer is due 2 h after the detection', () => {
      let params: StartCaseParams | undefined;
      spec()
        .given(recorded)
        .when(triage({ action: 'feverEscalation', celsius: 38.6, detectedAt: '2020-10-20T01:30:00Z' }))
        .thenExpect(({ event }) => {
          params = startCaseOf(event);
        });
      CaseSpec.for(feverEscalationV1, { now: '2020-10-20T02:30:00.000Z' })
        .given()
        .when(started(params!.input, SYSTEM_ACTORS.effects))
        .thenExpect(({ event }) =>
          expect(event!.metadata.timers).toEqual([expect.objectContaining({ dueAt: '2020-10-20T03:30:00.000Z' })]),
        );
    });

    it('feverEscalation needs the temperature', () => {
      spec()
        .given(recorded)
        .when(triage({ action: 'feverEscalation' }))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('celsius'));
    });

    it('feverEscalation with 37.2 °C is no fever: bad input', () => {
      spec()
        .given(recorded)
        .when(triage({ action: 'feverEscalation', celsius: 37.2 }))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues[0].constraints).toHaveProperty('isFeverForEscalation'),
        );
    });

    it('a fever detected in the future is bad input', () => {
      spec()
        .given(recorded)
        .when(triage({ action: 'feverEscalation', celsius: 38, detectedAt: '2020-10-21T00:00:00Z' }))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues).toEqual([
            { property: 'detectedAt', constraints: { isNotInFuture: expect.any(String) } },
          ]),
        );
    });

    it('a fever detected more than 30 days back is bad input (the fever case would refuse it)', () => {
      spec()
        .given(recorded)
        .when(triage({ action: 'feverEscalation', celsius: 38, detectedAt: '2020-09-01T00:00:00Z' }))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('detectedAt'));
    });

    it('returnScreening → screeningOpened, opening a return screening the screening accepts', () => {
      let params: StartCaseParams | undefined;
      spec()
        .given(started(report({ kind: 'backFromEpidemicArea', subject: { name: '干部职工', place: '家中' } }), duty))
        .when(
          triage({
            action: 'returnScreening',
            reason: '本局职工自高风险地区返回',
            person: { id: 'p-staff', name: '干部职工', unit: 'hazchem' },
            returnedAt: '2020-10-19T12:00:00Z',
            fromPlace: { placeCode: '650100', name: '乌鲁木齐市' },
          }),
        )
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('screeningOpened');
          params = startCaseOf(event);
          expect(params).toEqual({
            process: 'returnScreening',
            input: expect.objectContaining({ sourceCaseId: 'dutyReport-case1', sourceProcess: 'dutyReport' }),
          });
        });
      CaseSpec.for(returnScreeningV1, { now: '2020-10-20T02:30:00.000Z' })
        .given()
        .when(started(params!.input, SYSTEM_ACTORS.effects))
        .thenExpect(({ state }) => {
          expect(state.state).toBe('awaitingReport');
          expect(state.context.sourceCaseId).toBe('dutyReport-case1');
        });
    });

    it('returnScreening needs the person as a directory entry, the return time and the place', () => {
      spec()
        .given(recorded)
        .when(triage({ action: 'returnScreening', person: { name: '王某' } }))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues.map((issue) => issue.property).sort()).toEqual(
            ['fromPlace', 'person.id', 'person.unit', 'returnedAt'].sort(),
          ),
        );
    });

    it('dismiss with a reason → dismissed, opening nothing', () => {
      spec()
        .given(recorded)
        .when(triage({ action: 'dismiss', reason: '经核实为普通感冒，已就医' }))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('dismissed');
          expect(state.context.triage).toMatchObject({ action: 'dismiss', reason: '经核实为普通感冒，已就医' });
          expect(event!.metadata.effects).toEqual([]);
          expect(Object.keys(state.armedTimers)).toEqual([]);
        });
    });

    it.each([[{}], [{ reason: '   ' }]])('dismiss needs a reason (%j)', (extra) => {
      spec()
        .given(recorded)
        .when(triage({ action: 'dismiss', ...extra }))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('reason'));
    });

    it('only the duty officer triages', () => {
      spec()
        .given(recorded)
        .when(triage({ action: 'dismiss', reason: 'x' }, office))
        .thenError('CASE.FORBIDDEN');
    });

    it('a report is triaged once', () => {
      spec()
        .given(recorded, triage({ action: 'dismiss', reason: '重复报告' }))
        .when(triage({ action: 'dismiss', reason: '再次' }))
        .thenError('CASE.EVENT_NOT_ALLOWED');
    });
  });
});
