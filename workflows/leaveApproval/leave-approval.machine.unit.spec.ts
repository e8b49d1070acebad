import { type Actor, CaseSpec, effectReported, EngineError, sent, started, timerFired, toIso } from '@app/engine';
import { leaveApprovalV1 } from '.';

const applicant: Actor = { id: 'u-zhang', name: '张三', roles: ['staff'], unit: '安全生产基础室', kind: 'user' };
const retiree: Actor = { id: 'u-li', name: '李四', roles: ['retiree'], kind: 'user' };
const colleague: Actor = { id: 'u-wang', name: '王五', roles: ['staff'], kind: 'user' };
const chief: Actor = { id: 'u-chief', name: '局长', roles: ['chief'], groups: ['leadership'], kind: 'user' };
const office: Actor = { id: 'u-office', name: '办公室', roles: ['office'], groups: ['coordination'], kind: 'user' };
const auditor: Actor = { id: 'u-audit', name: '审计', roles: ['auditor'], kind: 'user' };
const register: Actor = { id: 'system:register', name: '风险地区登记', roles: ['system'], kind: 'system' };

const NOW = '2020-10-01T00:00:00.000Z';
const application = {
  applicant: { id: applicant.id, name: applicant.name, unit: '安全生产基础室' },
  destination: { placeCode: '150102', name: '呼和浩特市新城区' },
  leavesCity: true,
  specialReason: '家人住院',
  departAt: '2020-10-02T00:00:00.000Z',
  returnAt: '2020-10-04T10:00:00.000Z',
  companions: [{ name: '赵六', relation: '配偶' }, { name: '孙七' }],
  epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false, notes: '无' },
};
const risk = (level: string) => ({ destinationRisk: { level, asOf: '2020-09-20T00:00:00.000Z' } });
const low = risk('low');

const spec = () => CaseSpec.for(leaveApprovalV1, { caseId: 'trip1', now: NOW });
const apply = (input: unknown = application, facts = low, actor = applicant) => started(input, actor, { facts });
const with_ = (patch: object) => ({ ...application, ...patch });
const approved = [apply(), sent('APPROVE', {}, chief)];
const filed = [...approved, sent('FILE', {}, office)];
const DEPARTED = '2020-10-02T01:00:00.000Z';
const RETURNED = '2020-10-04T09:00:00.000Z';
/** The traveller (or the office) reports a departure ten minutes after it happened. */
const depart = (actor: Actor = applicant, at = DEPARTED) =>
  sent('DEPART', { at }, actor, { at: toIso(Date.parse(at) + 10 * 60_000) });
/** The return, reported half an hour after it happened. */
const back = (actor: Actor = applicant, at = RETURNED) =>
  sent('RETURN', { at }, actor, { at: toIso(Date.parse(at) + 30 * 60_000) });
const away = [...filed, depart()];

/** Runs a start that must be refused as bad input, and returns the offending properties. */
function invalidStart(input: unknown): string[] {
  let properties: string[] = [];
  spec()
    .given()
    .when(apply(input))
    .thenError('CASE.INVALID_PAYLOAD', (error: EngineError) => {
      properties = error.issues.map((issue) => issue.property);
    });
  return properties;
}

describe('leaveApproval v1', () => {
  describe('request (start)', () => {
    it('a low-risk destination goes to the chief, with an 8 h deadline on the chief', () => {
      spec()
        .given()
        .when(apply())
        .thenExpect(({ event, state }) => {
          expect(event?.type).toBe('CASE_STARTED');
          expect(event?.data).toEqual({ ...application, ...low });
          expect(state.state).toBe('awaitingChiefApproval');
          expect(event?.metadata.timers).toEqual([
            expect.objectContaining({
              kind: 'deadline',
              state: 'awaitingChiefApproval',
              dueAt: '2020-10-01T08:00:00.000Z',
              responsible: { role: 'chief' },
            }),
          ]);
          // The register entry: companions, departure, return and epidemiological history are recorded.
          expect(state.context).toMatchObject({
            request: application,
            destinationRisk: low.destinationRisk,
            requestedBy: { id: applicant.id, name: applicant.name },
            refusal: null,
          });
        });
    });

    it('a destination the register does not know also goes to the chief', () => {
      spec()
        .given()
        .when(apply(application, risk('unknown')))
        .thenExpect(({ state }) => expect(state.state).toBe('awaitingChiefApproval'));
    });

    it.each(['medium', 'high'])('a %s-risk destination is refused at once, with the reason recorded', (level) => {
      spec()
        .given()
        .when(apply(application, risk(level)))
        .thenExpect(({ event, state }) => {
          expect(state.state).toBe('refused');
          expect(state.status).toBe('done');
          expect(event?.metadata.timers).toEqual([]);
          expect(state.context.refusal).toEqual({
            reason: expect.stringContaining(`is ${level} risk`),
            level,
            asOf: '2020-09-20T00:00:00.000Z',
          });
          expect(state.context.refusal.reason).toContain('中高风险地区禁止外出');
        });
    });

    it('a retiree may apply; staying in the city needs no special reason', () => {
      const local = with_({ leavesCity: false, specialReason: undefined });
      spec()
        .given()
        .when(apply(local, low, retiree))
        .thenExpect(({ state }) => {
          expect(state.state).toBe('awaitingChiefApproval');
          expect(state.context.request.specialReason).toBeNull();
        });
    });

    it('leaving the city without a special reason is bad input', () => {
      expect(invalidStart(with_({ specialReason: undefined }))).toEqual(['specialReason']);
      expect(invalidStart(with_({ specialReason: '   ' }))).toEqual(['specialReason']);
    });

    it('returnAt before (or at) departAt is bad input', () => {
      expect(invalidStart(with_({ returnAt: '2020-10-01T12:00:00.000Z' }))).toEqual(['returnAt']);
      expect(invalidStart(with_({ returnAt: application.departAt }))).toEqual(['returnAt']);
    });

    it('departAt in the past is bad input', () => {
      expect(invalidStart(with_({ departAt: '2020-09-30T23:59:00.000Z' }))).toEqual(['departAt']);
    });

    it('an empty destination is bad input', () => {
      expect(invalidStart(with_({ destination: { placeCode: '', name: '呼和浩特' } }))).toEqual([
        'destination.placeCode',
      ]);
      expect(invalidStart(with_({ destination: { placeCode: '150102', name: ' ' } }))).toEqual(['destination.name']);
      expect(invalidStart(with_({ destination: undefined }))).toEqual(['destination']);
    });

    it('malformed, missing and extra fields are bad input', () => {
      expect(invalidStart(with_({ departAt: '2020-10-02' }))).toEqual(['departAt']);
      expect(invalidStart(with_({ companions: [{ relation: '配偶' }] }))).toEqual(['companions.0.name']);
      expect(invalidStart(with_({ epidemiologicalHistory: { feverLast14Days: 'no' } })).sort()).toEqual([
        'epidemiologicalHistory.contactWithCase',
        'epidemiologicalHistory.feverLast14Days',
        'epidemiologicalHistory.visitedRiskArea',
      ]);
      expect(invalidStart(with_({ applicant: { id: 'u1', name: '张三' } }))).toEqual(['applicant.unit']);
      // The register's answer is the runtime's to record, never the applicant's to claim.
      expect(invalidStart(with_({ destinationRisk: { level: 'low', asOf: null } }))).toEqual(['destinationRisk']);
      expect(invalidStart(with_({ leavesCity: 'yes' }))).toContain('leavesCity');
    });

    it('an auditor may not apply', () => {
      spec()
        .given()
        .when(apply(application, low, auditor))
        .thenError('CASE.FORBIDDEN');
    });

    it('the runtime must supply the register’s answer', () => {
      spec().given().when(started(application, applicant)).thenError('ENGINE.MISSING_FACT');
      spec()
        .given()
        .when(started(application, applicant, { facts: { destinationRisk: { level: 'severe', asOf: null } } }))
        .thenError('ENGINE.MISSING_FACT');
    });
  });

  describe('chief approval (报主要领导同意)', () => {
    it('APPROVE by the chief moves to office filing with a 4 h office deadline', () => {
      spec()
        .given(apply())
        .when(sent('APPROVE', { comment: '同意' }, chief))
        .thenExpect(({ event, state, history }) => {
          expect(state.state).toBe('awaitingOfficeFiling');
          expect(event?.metadata.cancelledTimers).toEqual([history[0].metadata.timers[0].id]);
          expect(event?.metadata.timers).toEqual([
            expect.objectContaining({
              kind: 'deadline',
              state: 'awaitingOfficeFiling',
              responsible: { role: 'office' },
              dueAt: '2020-10-01T04:01:00.000Z',
            }),
          ]);
          expect(state.context.approval).toEqual({
            by: { id: chief.id, name: chief.name },
            at: '2020-10-01T00:01:00.000Z',
            comment: '同意',
          });
        });
    });

    it('only the chief may approve or reject', () => {
      for (const actor of [office, applicant, colleague]) {
        spec()
          .given(apply())
          .when(sent('APPROVE', {}, actor))
          .thenError('CASE.FORBIDDEN');
        spec()
          .given(apply())
          .when(sent('REJECT', { reason: 'x' }, actor))
          .thenError('CASE.FORBIDDEN');
      }
    });

    it('REJECT with a reason ends the case', () => {
      spec()
        .given(apply())
        .when(sent('REJECT', { reason: '非必要出行' }, chief))
        .thenExpect(({ event, state }) => {
          expect(state.state).toBe('rejected');
          expect(state.status).toBe('done');
          expect(state.context.rejection).toMatchObject({ reason: '非必要出行', by: { id: chief.id } });
          expect(event?.metadata.cancelledTimers).toHaveLength(1);
          expect(state.armedTimers).toEqual({});
        });
    });

    it('REJECT without a reason is bad input', () => {
      spec()
        .given(apply())
        .when(sent('REJECT', {}, chief))
        .thenError('CASE.INVALID_PAYLOAD');
      spec()
        .given(apply())
        .when(sent('REJECT', { reason: '' }, chief))
        .thenError('CASE.INVALID_PAYLOAD');
    });

    it('a missed approval deadline names the chief and escalates to the leadership group', () => {
      spec()
        .given(apply())
        .when(timerFired({ kind: 'deadline', state: 'awaitingChiefApproval' }))
        .thenExpect(({ event, state }) => {
          expect(event?.type).toBe('DEADLINE_MISSED');
          expect(event?.data).toMatchObject({ state: 'awaitingChiefApproval', heldBy: { role: 'chief' }, lateByMs: 0 });
          expect(event?.metadata.effects.map((effect) => effect.params.to)).toEqual([[{ group: 'leadership' }]]);
          expect(state.state).toBe('awaitingChiefApproval');
          expect(state.overdue).toHaveLength(1);
        });
    });
  });

  describe('office filing (向机关办公室报备)', () => {
    it('FILE by the office clears the departure; the traveller must report it by departAt + 24 h', () => {
      spec()
        .given(...approved)
        .when(sent('FILE', { note: '已登记' }, office))
        .thenExpect(({ event, state }) => {
          expect(state.state).toBe('cleared');
          expect(state.context.filing).toMatchObject({ by: { id: office.id }, note: '已登记' });
          expect(event?.metadata.timers).toEqual([
            expect.objectContaining({
              kind: 'deadline',
              state: 'cleared',
              dueAt: '2020-10-03T00:00:00.000Z',
              responsible: { person: 'request.applicant.id' },
            }),
          ]);
        });
    });

    it('only the office may file', () => {
      spec()
        .given(...approved)
        .when(sent('FILE', {}, chief))
        .thenError('CASE.FORBIDDEN');
      spec()
        .given(...approved)
        .when(sent('FILE', {}, applicant))
        .thenError('CASE.FORBIDDEN');
    });

    it('filing before the chief’s approval is not allowed', () => {
      spec()
        .given(apply())
        .when(sent('FILE', {}, office))
        .thenError('CASE.EVENT_NOT_ALLOWED', (error) =>
          expect(error.allowed).toEqual(['APPROVE', 'REJECT', 'WITHDRAW']),
        );
    });

    it('a missed filing deadline names the office and escalates to the chief', () => {
      spec()
        .given(...approved)
        .when(timerFired({ kind: 'deadline', state: 'awaitingOfficeFiling' }))
        .thenExpect(({ event }) => {
          expect(event?.data).toMatchObject({ heldBy: { role: 'office' } });
          expect(event?.metadata.effects.map((effect) => effect.params.to)).toEqual([[{ role: 'chief' }]]);
        });
    });
  });

  describe('departure', () => {
    it('a departure not reported by departAt + 24 h is escalated to the traveller’s unit head; the case stays cleared', () => {
      spec()
        .given(...filed)
        .when(timerFired({ kind: 'deadline', state: 'cleared' }))
        .thenExpect(({ event, state }) => {
          expect(event?.type).toBe('DEADLINE_MISSED');
          expect(event?.data).toMatchObject({
            state: 'cleared',
            heldBy: { person: applicant.id },
            dueAt: '2020-10-03T00:00:00.000Z',
          });
          expect(event?.metadata.effects.map((effect) => effect.params.to)).toEqual([[{ unitHeadOf: applicant.id }]]);
          expect(state.state).toBe('cleared');
        });
    });

    it('needs both the chief’s approval and the office filing', () => {
      spec().given(apply()).when(depart()).thenError('CASE.EVENT_NOT_ALLOWED');
      spec()
        .given(...approved)
        .when(depart())
        .thenError('CASE.EVENT_NOT_ALLOWED');
    });

    it('DEPART by the traveller: away, due back by returnAt + 12 h', () => {
      spec()
        .given(...filed)
        .when(depart())
        .thenExpect(({ event, state }) => {
          expect(state.state).toBe('away');
          expect(state.context.departure).toEqual({
            at: DEPARTED,
            reportedAt: '2020-10-02T01:10:00.000Z',
            by: { id: applicant.id, name: applicant.name },
          });
          expect(event?.metadata.timers).toEqual([
            expect.objectContaining({
              kind: 'deadline',
              state: 'away',
              dueAt: '2020-10-04T22:00:00.000Z',
              responsible: { person: 'request.applicant.id' },
            }),
          ]);
        });
    });

    it('the office may report for the traveller; a colleague may not', () => {
      spec()
        .given(...filed)
        .when(depart(office))
        .thenExpect(({ state }) => expect(state.state).toBe('away'));
      spec()
        .given(...filed)
        .when(depart(colleague))
        .thenError('CASE.FORBIDDEN');
    });

    it('a departure time that is not an instant is bad input', () => {
      spec()
        .given(...filed)
        .when(sent('DEPART', { at: 'now' }, applicant))
        .thenError('CASE.INVALID_PAYLOAD');
      spec()
        .given(...filed)
        .when(sent('DEPART', {}, applicant))
        .thenError('CASE.INVALID_PAYLOAD');
    });

    it('a departure in the future is bad input; a clock a few minutes ahead is not', () => {
      spec()
        .given(...filed)
        .when(sent('DEPART', { at: DEPARTED }, applicant, { at: '2020-10-01T00:03:00.000Z' }))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues).toEqual([{ property: 'at', constraints: { isNotInFuture: expect.any(String) } }]),
        );
      spec()
        .given(...filed)
        .when(sent('DEPART', { at: DEPARTED }, applicant, { at: '2020-10-02T00:56:00.000Z' }))
        .thenExpect(({ state }) => expect(state.context.departure.at).toBe(DEPARTED));
    });

    it('a departure before the request was made is bad input', () => {
      spec()
        .given(...filed)
        .when(depart(applicant, '2020-09-30T23:00:00.000Z'))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues[0].constraints).toHaveProperty('isAfterRequest'),
        );
    });
  });

  describe('return', () => {
    it('RETURN ends the trip and requests a returnScreening case', () => {
      spec()
        .given(...away)
        .when(back())
        .thenExpect(({ event, state, history }) => {
          expect(state.state).toBe('returned');
          expect(state.status).toBe('done');
          expect(event?.metadata.cancelledTimers).toEqual([history[3].metadata.timers[0].id]);
          expect(event?.metadata.effects).toEqual([
            {
              id: `${event?.id}_0`,
              kind: 'startCase',
              params: {
                process: 'returnScreening',
                input: {
                  person: application.applicant,
                  returnedAt: '2020-10-04T09:00:00.000Z',
                  fromPlace: application.destination,
                  tripCaseId: 'leaveApproval-trip1',
                },
              },
            },
          ]);
          expect(Object.values(state.pendingEffects).map((effect) => effect.kind)).toEqual(['startCase']);
        });
    });

    it('the office may report the return; the chief may not', () => {
      spec()
        .given(...away)
        .when(back(office))
        .thenExpect(({ state }) => expect(state.state).toBe('returned'));
      spec()
        .given(...away)
        .when(back(chief))
        .thenError('CASE.FORBIDDEN');
    });

    it('not back by returnAt + 12 h: overdue recorded, the office told, the unit head escalated to; the case stays away', () => {
      spec()
        .given(...away)
        .when(timerFired({ kind: 'deadline', state: 'away' }, { at: '2020-10-05T00:00:00.000Z' }))
        .thenExpect(({ event, state }) => {
          expect(event?.type).toBe('DEADLINE_MISSED');
          expect(event?.data).toEqual({
            timerId: expect.any(String),
            state: 'away',
            responsible: { person: 'request.applicant.id' },
            heldBy: { person: applicant.id },
            dueAt: '2020-10-04T22:00:00.000Z',
            lateByMs: 2 * 3_600_000,
          });
          expect(state.state).toBe('away');
          expect(state.context.overdue).toEqual({
            dueAt: '2020-10-04T22:00:00.000Z',
            recordedAt: '2020-10-05T00:00:00.000Z',
          });
          expect(
            event?.metadata.effects.map((effect) => [effect.kind, effect.params.template, effect.params.to]),
          ).toEqual([
            ['notify', 'leaveApproval.returnOverdue', [{ role: 'office' }]],
            ['notify', 'deadline.missed', [{ unitHeadOf: applicant.id }]],
          ]);
          expect(state.overdue).toHaveLength(1);
        });
    });

    it('a return in the future, or before the departure, is bad input', () => {
      spec()
        .given(...away)
        .when(sent('RETURN', { at: RETURNED }, applicant, { at: '2020-10-03T00:00:00.000Z' }))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues[0].constraints).toHaveProperty('isNotInFuture'),
        );
      spec()
        .given(...away)
        .when(back(applicant, '2020-10-02T00:30:00.000Z'))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues[0].constraints).toHaveProperty('isAfterDeparture'),
        );
    });

    it('a late return still closes the trip and clears the overdue list', () => {
      spec()
        .given(...away, timerFired({ kind: 'deadline', state: 'away' }, { at: '2020-10-05T00:00:00.000Z' }))
        .when(sent('RETURN', { at: '2020-10-05T03:00:00.000Z' }, applicant, { at: '2020-10-05T03:00:00.000Z' }))
        .thenExpect(({ state }) => {
          expect(state.state).toBe('returned');
          expect(state.overdue).toEqual([]);
          expect(state.missedDeadlines).toHaveLength(1);
          expect(state.context.overdue).not.toBeNull();
        });
    });
  });

  describe('withdrawal', () => {
    it.each([
      ['awaitingChiefApproval', [apply()]],
      ['awaitingOfficeFiling', approved],
      ['cleared', filed],
    ])('the applicant may withdraw from %s', (_state, given) => {
      spec()
        .given(...given)
        .when(sent('WITHDRAW', { reason: '计划取消' }, applicant))
        .thenExpect(({ event, state }) => {
          expect(state.state).toBe('withdrawn');
          expect(state.context.withdrawal).toMatchObject({ reason: '计划取消', by: { id: applicant.id } });
          expect(event?.metadata.cancelledTimers).toHaveLength(1);
          expect(state.armedTimers).toEqual({});
        });
    });

    it('not once away', () => {
      spec()
        .given(...away)
        .when(sent('WITHDRAW', {}, applicant))
        .thenError('CASE.EVENT_NOT_ALLOWED');
    });

    it('only the applicant may withdraw', () => {
      for (const actor of [office, chief, colleague]) {
        spec()
          .given(apply())
          .when(sent('WITHDRAW', {}, actor))
          .thenError('CASE.FORBIDDEN');
      }
    });
  });

  describe('risk level changes (risk-area register)', () => {
    const raised = (level = 'high', placeCode = application.destination.placeCode) =>
      sent('RISK_LEVEL_CHANGED', { placeCode, level, asOf: '2020-10-02T06:00:00.000Z' }, register);

    it.each([
      ['cleared', filed],
      ['away', away],
    ])('turning medium/high while %s flags the case and tells traveller and office', (stateName, given) => {
      spec()
        .given(...given)
        .when(raised('medium'))
        .thenExpect(({ event, state }) => {
          expect(state.state).toBe(stateName);
          expect(state.context.riskAlert).toEqual({
            placeCode: application.destination.placeCode,
            level: 'medium',
            asOf: '2020-10-02T06:00:00.000Z',
            flaggedAt: event?.metadata.occurredAt,
          });
          expect(state.context.destinationRisk).toEqual({ level: 'medium', asOf: '2020-10-02T06:00:00.000Z' });
          expect(event?.metadata.effects).toEqual([
            expect.objectContaining({
              kind: 'notify',
              params: expect.objectContaining({
                to: [{ person: applicant.id }, { role: 'office' }],
                template: 'leaveApproval.destinationRiskRaised',
              }),
            }),
          ]);
          // The deadline of the state is untouched.
          expect(event?.metadata.cancelledTimers).toEqual([]);
        });
    });

    it('a change to low is recorded without an alert', () => {
      spec()
        .given(...away)
        .when(raised('low'))
        .thenExpect(({ event, state }) => {
          expect(state.context.riskAlert).toBeNull();
          expect(state.context.destinationRisk.level).toBe('low');
          expect(event?.metadata.effects).toEqual([]);
        });
    });

    it('a change for another place is not this case’s', () => {
      spec()
        .given(...away)
        .when(raised('high', '999999'))
        .thenError('CASE.EVENT_NOT_ALLOWED');
    });

    it('before approval and filing it is not accepted (the catalogue scopes it to cleared/away)', () => {
      spec().given(apply()).when(raised()).thenError('CASE.EVENT_NOT_ALLOWED');
    });

    it('only the register may send it, and only well-formed', () => {
      spec()
        .given(...away)
        .when(
          sent('RISK_LEVEL_CHANGED', { placeCode: '150102', level: 'high', asOf: '2020-10-02T06:00:00.000Z' }, chief),
        )
        .thenError('CASE.FORBIDDEN');
      spec()
        .given(...away)
        .when(
          sent(
            'RISK_LEVEL_CHANGED',
            { placeCode: '150102', level: 'severe', asOf: '2020-10-02T06:00:00.000Z' },
            register,
          ),
        )
        .thenError('CASE.INVALID_PAYLOAD');
    });
  });

  describe('closed cases and effects', () => {
    it('a finished case takes no more events', () => {
      spec()
        .given(apply(application, risk('high')))
        .when(sent('APPROVE', {}, chief))
        .thenError('CASE.EVENT_NOT_ALLOWED', (error) => expect(error.allowed).toEqual([]));
    });

    it('the startCase effect is settled by the worker’s report', () => {
      spec()
        .given(...away, back())
        .when(
          effectReported('EFFECT_SUCCEEDED', (state) => ({
            effectId: Object.keys(state.pendingEffects)[0],
            attempt: 1,
          })),
        )
        .thenExpect(({ state }) => expect(state.pendingEffects).toEqual({}));
    });
  });
});
