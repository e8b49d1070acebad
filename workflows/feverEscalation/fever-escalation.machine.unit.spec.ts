import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Actor, CaseSpec, SYSTEM_ACTORS, sent, started, timerFired, machineInfo } from '@app/engine';
import { parse } from 'yaml';
import { createWorkflowRegistry } from '../registry';
import { feverEscalationV1 } from './index';

const prevention: Actor = {
  id: 'p-prevention',
  name: '应对防控组督查员',
  roles: ['inspector', 'staff'],
  unit: 'hazchem',
  groups: ['prevention'],
  kind: 'user',
};
const staff: Actor = { id: 'p-staff', name: '干部职工', roles: ['staff'], unit: 'hazchem', kind: 'user' };

const detection = (overrides: Record<string, unknown> = {}) => ({
  person: { id: 'p-staff', name: '干部职工', unit: 'hazchem' },
  celsius: 37.3,
  detectedAt: '2020-10-01T08:00:00.000Z',
  source: 'screening',
  sourceCaseId: 'screening-1',
  ...overrides,
});

const spec = () => CaseSpec.for(feverEscalationV1, { now: '2020-10-01T09:00:00.000Z' });
const openedBySystem = started(detection(), SYSTEM_ACTORS.effects);
const transferred = sent(
  'TRANSFER_TO_CLINIC',
  { clinic: '区人民医院发热门诊', at: '2020-10-01T09:30:00+08:00' },
  prevention,
);
const consultation = (outcome: string, extra: Record<string, unknown> = {}) =>
  sent('RECORD_CONSULTATION', { outcome, experts: ['专家甲', '专家乙'], notes: '会诊意见', ...extra }, prevention);

describe('feverEscalation v1', () => {
  it('config/deadlines.yaml states these deadlines, and the registry takes them', () => {
    const file = parse(readFileSync(join(__dirname, '../../config/deadlines.yaml'), 'utf8'));
    const defaults = Object.fromEntries(machineInfo(feverEscalationV1).deadlineStates.map((s) => [s.key, s.deadline]));
    expect(file[feverEscalationV1.process]).toEqual(defaults);
    const registry = createWorkflowRegistry({ [feverEscalationV1.process]: file[feverEscalationV1.process] });
    expect(registry.latest(feverEscalationV1.process).deadlines).toEqual(defaults);
  });
  describe('opening', () => {
    it('a worker opens it from a screening; the prevention group is told at once', () => {
      spec()
        .given()
        .when(openedBySystem)
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('awaitingTransfer');
          expect(event!.metadata.effects).toEqual([
            expect.objectContaining({
              kind: 'notify',
              params: expect.objectContaining({ to: [{ group: 'prevention' }], template: 'feverEscalation.detected' }),
            }),
          ]);
        });
    });

    it('the transfer deadline is detectedAt + 2 h even when the case is created an hour later', () => {
      spec()
        .given()
        .when(started(detection(), SYSTEM_ACTORS.effects, { at: '2020-10-01T09:00:00.000Z' }))
        .thenExpect(({ event }) => {
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({
              kind: 'deadline',
              state: 'awaitingTransfer',
              dueAt: '2020-10-01T10:00:00.000Z',
              responsible: { group: 'prevention' },
            }),
          ]);
        });
    });

    it('a missed transfer deadline names the prevention group and keeps the case waiting', () => {
      spec()
        .given(openedBySystem)
        .when(timerFired({ kind: 'deadline', state: 'awaitingTransfer' }))
        .thenExpect(({ state, event }) => {
          expect(event!.type).toBe('DEADLINE_MISSED');
          expect(event!.data).toMatchObject({ state: 'awaitingTransfer', heldBy: { group: 'prevention' } });
          expect(state.state).toBe('awaitingTransfer');
        });
    });

    it.each([
      [33.9, 'below'],
      [43.1, 'above'],
    ])('%s °C is an implausible reading: INVALID_PAYLOAD', (celsius) => {
      spec()
        .given()
        .when(started(detection({ celsius }), SYSTEM_ACTORS.effects))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('celsius'));
    });

    it('37.2 °C is not a fever: no fever escalation opens', () => {
      spec()
        .given()
        .when(started(detection({ celsius: 37.2 }), SYSTEM_ACTORS.effects))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].constraints).toHaveProperty('isFever'));
    });

    it('a detection in the future is bad input', () => {
      spec()
        .given()
        .when(started(detection({ detectedAt: '2020-10-02T08:00:00Z' }), SYSTEM_ACTORS.effects))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('detectedAt'));
    });

    it('a screening or duty-line detection must name its source case', () => {
      spec()
        .given()
        .when(started(detection({ sourceCaseId: undefined }), SYSTEM_ACTORS.effects))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('sourceCaseId'));
    });

    it('a spot check by the prevention group may be opened by hand without a source case', () => {
      spec()
        .given()
        .when(started(detection({ source: 'spotCheck', sourceCaseId: undefined }), prevention))
        .thenExpect(({ state }) => expect(state.context.sourceCaseId).toBeNull());
    });

    it('ordinary staff may not open one', () => {
      spec().given().when(started(detection(), staff)).thenError('CASE.FORBIDDEN');
    });
  });

  describe('transfer', () => {
    it('the prevention group records the transfer: the case waits for a consultation within 24 h', () => {
      spec()
        .given(openedBySystem)
        .when(transferred)
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('atClinic');
          expect(state.context.transfer).toMatchObject({ clinic: '区人民医院发热门诊' });
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({ kind: 'deadline', state: 'atClinic', dueAt: '2020-10-02T09:01:00.000Z' }),
          ]);
          expect(event!.metadata.cancelledTimers).toHaveLength(1);
        });
    });

    it('only the prevention group transfers', () => {
      spec()
        .given(openedBySystem)
        .when(sent('TRANSFER_TO_CLINIC', { clinic: 'x', at: '2020-10-01T09:30:00Z' }, staff))
        .thenError('CASE.FORBIDDEN');
    });
  });

  describe('consultation outcomes', () => {
    it('excluded with a normal temperature clears the person', () => {
      spec()
        .given(openedBySystem, transferred)
        .when(consultation('excluded', { celsius: 36.8 }))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('cleared');
          expect(state.status).toBe('done');
          expect(state.context.outcome).toBe('excluded');
          expect(event!.metadata.effects).toEqual([]);
        });
    });

    it('excluded with a temperature still ≥ 37.3 °C does not clear: recorded, the group is told, the case waits', () => {
      spec()
        .given(openedBySystem, transferred)
        .when(consultation('excluded', { celsius: 37.3 }))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('atClinic');
          expect(state.context.consultations).toHaveLength(1);
          expect(event!.metadata.effects).toEqual([
            expect.objectContaining({
              kind: 'notify',
              params: expect.objectContaining({ template: 'feverEscalation.excludedWithFever' }),
            }),
          ]);
        });
    });

    it('excluded needs the temperature', () => {
      spec()
        .given(openedBySystem, transferred)
        .when(consultation('excluded'))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('celsius'));
    });

    it('a consultation names at least one expert', () => {
      spec()
        .given(openedBySystem, transferred)
        .when(consultation('confirmed', { experts: [] }))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('experts'));
    });

    it('suspected → isolated, and reported upward', () => {
      spec()
        .given(openedBySystem, transferred)
        .when(consultation('suspected'))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('isolated');
          expect(state.context.isolatedAt).toBe(event!.metadata.occurredAt);
          expect(event!.metadata.effects).toEqual([
            expect.objectContaining({
              kind: 'reportUpward',
              params: expect.objectContaining({
                report: 'feverEscalation.suspected',
                data: expect.objectContaining({
                  caseId: 'feverEscalation-case1',
                  outcome: 'suspected',
                  clinic: '区人民医院发热门诊',
                }),
              }),
            }),
          ]);
          expect(event!.metadata.timers).toEqual([expect.objectContaining({ state: 'isolated' })]);
        });
    });

    it('isolated, then a later consultation confirms: reported upward', () => {
      spec()
        .given(openedBySystem, transferred, consultation('suspected'))
        .when(consultation('confirmed'))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('confirmed');
          expect(state.context.consultations.map((c: { outcome: string }) => c.outcome)).toEqual([
            'suspected',
            'confirmed',
          ]);
          expect(event!.metadata.effects).toEqual([
            expect.objectContaining({
              kind: 'reportUpward',
              params: expect.objectContaining({ report: 'feverEscalation.confirmed' }),
            }),
          ]);
        });
    });

    it('isolated, then a later consultation excludes with a normal temperature: cleared', () => {
      spec()
        .given(openedBySystem, transferred, consultation('suspected'))
        .when(consultation('excluded', { celsius: 36.5 }))
        .thenExpect(({ state }) => expect(state.state).toBe('cleared'));
    });

    it('isolated and still suspected: recorded, stays isolated, not reported twice', () => {
      spec()
        .given(openedBySystem, transferred, consultation('suspected'))
        .when(consultation('suspected'))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('isolated');
          expect(event!.metadata.effects).toEqual([]);
        });
    });

    it('confirmed at the first consultation → confirmed [final], reported upward', () => {
      spec()
        .given(openedBySystem, transferred)
        .when(consultation('confirmed'))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('confirmed');
          expect(state.status).toBe('done');
          expect(event!.metadata.effects.map((e) => e.kind)).toEqual(['reportUpward']);
          expect(Object.keys(state.armedTimers)).toEqual([]);
        });
    });

    it('no consultation before the transfer', () => {
      spec().given(openedBySystem).when(consultation('confirmed')).thenError('CASE.EVENT_NOT_ALLOWED');
    });
  });
});
