import {
  type DEADLINE_MISSED,
  type DeadlineMissedData,
  effectActions,
  type MachineEvent,
  type MachineInput,
  type WaitingStateMeta,
} from '@app/engine';
import { assign, setup } from 'xstate';
import type {
  AccountabilityDecision,
  AccountabilityReason,
  AccountabilityReviewInput,
  AssignReviewerData,
  DecideData,
} from './accountability-review.events';

/** Who did something, as the case keeps it. */
export interface PersonRef {
  id: string;
  name: string;
}

/** The case's context: who is reviewed for what, by whom, and the decision. */
export interface AccountabilityReviewContext {
  caseId: string;
  subject: { id: string; name: string; unit: string };
  reason: AccountabilityReason;
  sourceCaseId: string;
  sourceProcess: string | null;
  details: string;
  openedAt: string;
  openedBy: PersonRef;
  /** Set on ASSIGN_REVIEWER; `reviewer.id` is the responsible person while under review. */
  reviewer: PersonRef | null;
  /** The current reviewer's assignment. */
  assignment: { by: PersonRef; at: string; note: string | null } | null;
  /** Reviewers replaced while under review, oldest first, with who replaced them and when. */
  reassignments: Array<{ from: PersonRef; to: PersonRef; by: PersonRef; at: string; note: string | null }>;
  decision: { decision: AccountabilityDecision; rationale: string; by: PersonRef; at: string } | null;
}

export type AccountabilityReviewEvent =
  | MachineEvent<'ASSIGN_REVIEWER', AssignReviewerData>
  | MachineEvent<'DECIDE', DecideData>
  | MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>;

const who = (event: { actor: { id: string; name: string } }): PersonRef => ({
  id: event.actor.id,
  name: event.actor.name,
});

type AssignEvent = MachineEvent<'ASSIGN_REVIEWER', AssignReviewerData>;

/** Tells the (new) reviewer the review is theirs. */
function assignedNotice(context: AccountabilityReviewContext) {
  return {
    to: [{ person: context.reviewer!.id }],
    template: 'accountabilityReview.assigned',
    data: { caseId: context.caseId, subject: context.subject, reason: context.reason },
  };
}

/**
 * 问责审查, version 1 (DOMAIN.md process 4, accountability). The leadership
 * group assigns a reviewer, the reviewer decides with a rationale. The
 * leadership group may re-assign a review under way (a reviewer on leave, a
 * conflict of interest): the new reviewer gets a fresh 7 days (`underReview`
 * is re-entered, so the engine re-arms its deadline) and the old one is told.
 *
 * Nobody reviews themselves. A reviewer who is the subject is bad input
 * (`validateEvent`, `CASE.INVALID_PAYLOAD`); a subject who assigns or decides
 * their own review is turned down by a guard (`CASE.EVENT_NOT_ALLOWED`): that
 * is about who acts, and the policy can only allow.
 */
export const accountabilityReviewMachineV1 = setup({
  types: {
    context: {} as AccountabilityReviewContext,
    events: {} as AccountabilityReviewEvent,
    input: {} as MachineInput<AccountabilityReviewInput>,
    meta: {} as WaitingStateMeta,
  },
  actions: {
    ...effectActions,
    assignReviewer: assign({
      reviewer: ({ event }) => {
        const { reviewer } = (event as AssignEvent).data;
        return { id: reviewer.id, name: reviewer.name };
      },
      assignment: ({ event }) => ({
        by: who(event),
        at: event.occurredAt,
        note: (event as AssignEvent).data.note ?? null,
      }),
    }),
  },
  guards: {
    notBySubject: ({ context, event }) => event.actor.id !== context.subject.id,
    byAssignedReviewer: ({ context, event }) =>
      event.type === 'DECIDE' && event.actor.id === context.reviewer?.id && event.actor.id !== context.subject.id,
  },
}).createMachine({
  id: 'accountabilityReview',
  context: ({ input }) => ({
    caseId: input.caseId,
    subject: input.data.subject,
    reason: input.data.reason,
    sourceCaseId: input.data.sourceCaseId,
    sourceProcess: input.data.sourceProcess ?? null,
    details: input.data.details,
    openedAt: input.occurredAt,
    openedBy: who(input),
    reviewer: null,
    assignment: null,
    reassignments: [],
    decision: null,
  }),
  initial: 'open',
  states: {
    open: {
      meta: { deadline: 'P3D', responsible: { group: 'leadership' }, label: '待指定审查人' },
      entry: {
        type: 'notify',
        params: ({ context }) => ({
          to: [{ group: 'leadership' }],
          template: 'accountabilityReview.opened',
          data: {
            caseId: context.caseId,
            subject: context.subject,
            reason: context.reason,
            sourceCaseId: context.sourceCaseId,
          },
        }),
      },
      on: {
        ASSIGN_REVIEWER: {
          guard: 'notBySubject',
          target: 'underReview',
          actions: ['assignReviewer', { type: 'notify', params: ({ context }) => assignedNotice(context) }],
        },
      },
    },
    underReview: {
      meta: { deadline: 'P7D', responsible: { person: 'reviewer.id' }, label: '审查中' },
      on: {
        // Re-assignment: re-entered, so the new reviewer's 7 days run from now.
        ASSIGN_REVIEWER: {
          guard: 'notBySubject',
          target: 'underReview',
          reenter: true,
          actions: [
            {
              type: 'notify',
              params: ({ context }) => ({
                to: [{ person: context.reviewer!.id }],
                template: 'accountabilityReview.reassigned',
                data: { caseId: context.caseId, subject: context.subject, reason: context.reason },
              }),
            },
            assign({
              reassignments: ({ context, event }) => [
                ...context.reassignments,
                {
                  from: context.reviewer!,
                  to: { id: event.data.reviewer.id, name: event.data.reviewer.name },
                  by: who(event),
                  at: event.occurredAt,
                  note: event.data.note ?? null,
                },
              ],
            }),
            'assignReviewer',
            { type: 'notify', params: ({ context }) => assignedNotice(context) },
          ],
        },
        DECIDE: {
          guard: 'byAssignedReviewer',
          target: 'decided',
          actions: [
            assign({
              decision: ({ event }) => ({
                decision: event.data.decision,
                rationale: event.data.rationale,
                by: who(event),
                at: event.occurredAt,
              }),
            }),
            {
              type: 'notify',
              params: ({ context }) => ({
                to: [{ person: context.subject.id }, { group: 'leadership' }],
                template: 'accountabilityReview.decided',
                data: {
                  caseId: context.caseId,
                  subject: context.subject,
                  reason: context.reason,
                  decision: context.decision!.decision,
                },
              }),
            },
          ],
        },
      },
    },
    decided: { type: 'final', meta: { label: '已作出问责决定' } },
  },
});
