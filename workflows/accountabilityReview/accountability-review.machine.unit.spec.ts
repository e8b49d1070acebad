import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Actor, CaseSpec, SYSTEM_ACTORS, sent, started, timerFired, machineInfo } from '@app/engine';
import { parse } from 'yaml';
import { createWorkflowRegistry } from '../registry';
import { accountabilityReviewV1 } from './index';

const chief: Actor = { id: 'p-chief', name: '局长', roles: ['chief'], groups: ['leadership'], kind: 'user' };
const deputy: Actor = { id: 'p-deputy', name: '副局长', roles: ['deputy'], groups: ['leadership'], kind: 'user' };
const subject: Actor = {
  id: 'p-enterprise-head',
  name: '演示化工企业负责人',
  roles: ['unitHead'],
  unit: 'ent-chem',
  kind: 'user',
};
/** A leadership-group member who is also the subject of a review. */
const memberUnderReview: Actor = {
  id: 'p-basics-head',
  name: '安全生产基础室主任',
  roles: ['unitHead', 'inspector'],
  unit: 'basics',
  groups: ['leadership', 'prevention'],
  kind: 'user',
};
const staff: Actor = { id: 'p-staff', name: '干部职工', roles: ['staff'], unit: 'hazchem', kind: 'user' };

const reviewInput = (overrides: Record<string, unknown> = {}) => ({
  subject: { id: 'p-enterprise-head', name: '演示化工企业负责人', unit: 'ent-chem' },
  reason: 'rectificationOverdue',
  sourceCaseId: 'inspection-1',
  sourceProcess: 'supervisionInspection',
  details: '整改逾期未提交',
  ...overrides,
});
const spec = () => CaseSpec.for(accountabilityReviewV1, { now: '2020-10-10T08:00:00.000Z' });
const opened = started(reviewInput(), SYSTEM_ACTORS.effects);
const assignDeputy = sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-deputy', name: '副局长' } }, chief);
const decision = { decision: 'criticism', rationale: '整改逾期三日，予以批评教育' };

describe('accountabilityReview v1', () => {
  it('config/deadlines.yaml states these deadlines, and the registry takes them', () => {
    const file = parse(readFileSync(join(__dirname, '../../config/deadlines.yaml'), 'utf8'));
    const defaults = Object.fromEntries(
      machineInfo(accountabilityReviewV1).deadlineStates.map((s) => [s.key, s.deadline]),
    );
    expect(file[accountabilityReviewV1.process]).toEqual(defaults);
    const registry = createWorkflowRegistry({ [accountabilityReviewV1.process]: file[accountabilityReviewV1.process] });
    expect(registry.latest(accountabilityReviewV1.process).deadlines).toEqual(defaults);
  });
  it('opened by the effect worker: the leadership group holds it for 3 days and is told', () => {
    spec()
      .given()
      .when(opened)
      .thenExpect(({ state, event }) => {
        expect(state.state).toBe('open');
        expect(event!.metadata.timers).toEqual([
          expect.objectContaining({
            state: 'open',
            dueAt: '2020-10-13T08:00:00.000Z',
            responsible: { group: 'leadership' },
          }),
        ]);
        expect(event!.metadata.effects).toEqual([
          expect.objectContaining({
            kind: 'notify',
            params: expect.objectContaining({ to: [{ group: 'leadership' }] }),
          }),
        ]);
      });
  });

  it('an unknown reason is bad input', () => {
    spec()
      .given()
      .when(started(reviewInput({ reason: 'dislike' }), chief))
      .thenError('CASE.INVALID_PAYLOAD');
  });

  it('ordinary staff may not open a review', () => {
    spec().given().when(started(reviewInput(), staff)).thenError('CASE.FORBIDDEN');
  });

  describe('assigning', () => {
    it('the leadership group assigns a reviewer: under review for 7 days, held by that person', () => {
      spec()
        .given(opened)
        .when(assignDeputy)
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('underReview');
          expect(state.context.reviewer).toEqual({ id: 'p-deputy', name: '副局长' });
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({ state: 'underReview', responsible: { person: 'reviewer.id' } }),
          ]);
          expect(event!.metadata.effects).toEqual([
            expect.objectContaining({ params: expect.objectContaining({ to: [{ person: 'p-deputy' }] }) }),
          ]);
        });
    });

    it('the reviewer may not be the subject: bad input', () => {
      spec()
        .given(opened)
        .when(sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-enterprise-head', name: '演示化工企业负责人' } }, chief))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues).toEqual([{ property: 'reviewer.id', constraints: { notSubject: expect.any(String) } }]),
        );
    });

    it('a leadership member under review may not assign their own reviewer', () => {
      spec()
        .given(started(reviewInput({ subject: { id: 'p-basics-head', name: '基础室主任', unit: 'basics' } }), chief))
        .when(sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-deputy', name: '副局长' } }, memberUnderReview))
        .thenError('CASE.FORBIDDEN');
    });

    it('only the leadership group assigns', () => {
      spec()
        .given(opened)
        .when(sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-deputy', name: '副局长' } }, subject))
        .thenError('CASE.FORBIDDEN');
    });

    it('a missed assignment deadline names the leadership group and keeps the case open', () => {
      spec()
        .given(opened)
        .when(timerFired({ kind: 'deadline', state: 'open' }))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('open');
          expect(event!.data).toMatchObject({ heldBy: { group: 'leadership' } });
        });
    });
  });

  describe('re-assigning', () => {
    const chiefReviews = sent(
      'ASSIGN_REVIEWER',
      { reviewer: { id: 'p-chief', name: '局长' }, note: '副局长回避' },
      deputy,
      {
        at: '2020-10-14T08:00:00.000Z',
      },
    );

    it('the leadership group re-assigns a review under way: the new reviewer gets a fresh 7 days, the old one is told', () => {
      spec()
        .given(opened, assignDeputy)
        .when(chiefReviews)
        .thenExpect(({ state, event, history }) => {
          expect(state.state).toBe('underReview');
          expect(state.context.reviewer).toEqual({ id: 'p-chief', name: '局长' });
          expect(state.context.assignment).toMatchObject({ by: { id: 'p-deputy' }, note: '副局长回避' });
          expect(state.context.reassignments).toEqual([
            {
              from: { id: 'p-deputy', name: '副局长' },
              to: { id: 'p-chief', name: '局长' },
              by: { id: 'p-deputy', name: '副局长' },
              at: '2020-10-14T08:00:00.000Z',
              note: '副局长回避',
            },
          ]);
          // The old reviewer's deadline goes; the new one runs from the re-assignment.
          expect(event!.metadata.cancelledTimers).toEqual([history[1].metadata.timers[0].id]);
          expect(event!.metadata.timers).toEqual([
            expect.objectContaining({
              state: 'underReview',
              dueAt: '2020-10-21T08:00:00.000Z',
              responsible: { person: 'reviewer.id' },
            }),
          ]);
          expect(Object.values(state.armedTimers).map((timer) => timer.dueAt)).toEqual(['2020-10-21T08:00:00.000Z']);
          expect(event!.metadata.effects.map((effect) => [effect.params.template, effect.params.to])).toEqual([
            ['accountabilityReview.reassigned', [{ person: 'p-deputy' }]],
            ['accountabilityReview.assigned', [{ person: 'p-chief' }]],
          ]);
        });
    });

    it('a missed deadline then names the new reviewer', () => {
      spec()
        .given(opened, assignDeputy, chiefReviews)
        .when(timerFired({ kind: 'deadline', state: 'underReview' }))
        .thenExpect(({ event }) =>
          expect(event!.data).toMatchObject({ heldBy: { person: 'p-chief' }, dueAt: '2020-10-21T08:00:00.000Z' }),
        );
    });

    it('the new reviewer decides; the old one no longer may', () => {
      spec()
        .given(opened, assignDeputy, chiefReviews)
        .when(sent('DECIDE', decision, deputy))
        .thenError('CASE.FORBIDDEN');
      spec()
        .given(opened, assignDeputy, chiefReviews)
        .when(sent('DECIDE', decision, chief))
        .thenExpect(({ state }) => expect(state.context.decision).toMatchObject({ by: { id: 'p-chief' } }));
    });

    it('re-assigning to the current reviewer, or to the subject, is bad input', () => {
      spec()
        .given(opened, assignDeputy)
        .when(sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-deputy', name: '副局长' } }, chief))
        .thenError('CASE.INVALID_PAYLOAD', (error) =>
          expect(error.issues[0].constraints).toHaveProperty('notCurrentReviewer'),
        );
      spec()
        .given(opened, assignDeputy)
        .when(sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-enterprise-head', name: '演示化工企业负责人' } }, chief))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].constraints).toHaveProperty('notSubject'));
    });

    it('a leadership member under review may not re-assign their own review; staff may not at all', () => {
      spec()
        .given(
          started(reviewInput({ subject: { id: 'p-basics-head', name: '基础室主任', unit: 'basics' } }), chief),
          assignDeputy,
        )
        .when(sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-chief', name: '局长' } }, memberUnderReview))
        .thenError('CASE.FORBIDDEN');
      spec()
        .given(opened, assignDeputy)
        .when(sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-chief', name: '局长' } }, staff))
        .thenError('CASE.FORBIDDEN');
    });

    it('not once decided', () => {
      spec()
        .given(opened, assignDeputy, sent('DECIDE', decision, deputy))
        .when(sent('ASSIGN_REVIEWER', { reviewer: { id: 'p-chief', name: '局长' } }, chief))
        .thenError('CASE.EVENT_NOT_ALLOWED', (error) => expect(error.allowed).toEqual([]));
    });
  });

  describe('deciding', () => {
    it('the assigned reviewer decides with a rationale: decided, subject and leadership told', () => {
      spec()
        .given(opened, assignDeputy)
        .when(sent('DECIDE', decision, deputy))
        .thenExpect(({ state, event }) => {
          expect(state.state).toBe('decided');
          expect(state.status).toBe('done');
          expect(state.context.decision).toMatchObject({ decision: 'criticism', by: { id: 'p-deputy' } });
          expect(event!.metadata.effects).toEqual([
            expect.objectContaining({
              params: expect.objectContaining({ to: [{ person: 'p-enterprise-head' }, { group: 'leadership' }] }),
            }),
          ]);
        });
    });

    it('only the assigned reviewer decides, not even the chief', () => {
      spec()
        .given(opened, assignDeputy)
        .when(sent('DECIDE', decision, chief))
        .thenError('CASE.FORBIDDEN');
    });

    it('the subject can never decide on themselves', () => {
      spec()
        .given(opened, assignDeputy)
        .when(sent('DECIDE', decision, subject))
        .thenError('CASE.FORBIDDEN');
    });

    it('a decision needs a rationale', () => {
      spec()
        .given(opened, assignDeputy)
        .when(sent('DECIDE', { decision: 'warning', rationale: '  ' }, deputy))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('rationale'));
    });

    it('an unknown decision is bad input', () => {
      spec()
        .given(opened, assignDeputy)
        .when(sent('DECIDE', { decision: 'dismissal', rationale: 'x' }, deputy))
        .thenError('CASE.INVALID_PAYLOAD', (error) => expect(error.issues[0].property).toBe('decision'));
    });

    it('no decision before a reviewer is assigned', () => {
      spec()
        .given(opened)
        .when(sent('DECIDE', decision, deputy))
        .thenError('CASE.EVENT_NOT_ALLOWED');
    });

    it('a missed review deadline names the reviewer', () => {
      spec()
        .given(opened, assignDeputy)
        .when(timerFired({ kind: 'deadline', state: 'underReview' }))
        .thenExpect(({ event }) => expect(event!.data).toMatchObject({ heldBy: { person: 'p-deputy' } }));
    });
  });
});
