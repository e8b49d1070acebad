import {
  DEADLINE_MISSED,
  type DeadlineMissedData,
  effectActions,
  type MachineEvent,
  type MachineInput,
  type StartCaseParams,
  type WaitingStateMeta,
} from '@app/engine';
import { and, assign, not, setup } from 'xstate';
import type {
  AccountabilityReason,
  AccountabilityReviewInput,
} from '../accountabilityReview/accountability-review.events';
import {
  type ChecklistEntry,
  CHECKLIST_LABELS,
  findingsHaveProblems,
  type InspectionPlan,
  type InspectionSector,
  type Problem,
  type RecordFindingsData,
  type ReferForAccountabilityData,
  type StartData,
  type SubmitRectificationData,
  type TargetKind,
  type VerifyData,
} from './supervision-inspection.events';

/** Who did something, as the case keeps it. */
export interface PersonRef {
  id: string;
  name: string;
}

/** The case's context: the plan, the findings, and the rectification rounds. */
export interface SupervisionInspectionContext {
  caseId: string;
  target: { unitId: string; name: string; kind: TargetKind };
  sector: InspectionSector;
  plannedDate: string;
  /** The first is the lead inspector (`inspectors.0.id` holds the inspectors' states). */
  inspectors: PersonRef[];
  unitHead: PersonRef;
  notes: string | null;
  openedAt: string;
  openedBy: PersonRef;
  inspection: { startedAt: string; by: PersonRef; note: string | null } | null;
  findings: {
    checklist: ChecklistEntry[];
    problems: Problem[];
    recordedAt: string;
    by: PersonRef;
  } | null;
  /**
   * The rectification currently owed: `deadline` is the state's deadline,
   * `responsible` the person who holds it (and whom a missed deadline names).
   */
  rectification: { round: number; deadline: string; responsible: PersonRef; orderedAt: string } | null;
  submissions: Array<{ round: number; summary: string; evidence: string[]; at: string; by: PersonRef }>;
  verifications: Array<{ round: number; passed: boolean; note: string; at: string; by: PersonRef }>;
  /** Accountability reviews this case asked for (each a startCase effect). */
  referrals: Array<{ person: PersonRef & { unit: string }; reason: AccountabilityReason; at: string }>;
}

export type SupervisionInspectionEvent =
  | MachineEvent<'START', StartData>
  | MachineEvent<'RECORD_FINDINGS', RecordFindingsData>
  | MachineEvent<'SUBMIT_RECTIFICATION', SubmitRectificationData>
  | MachineEvent<'VERIFY', VerifyData>
  | MachineEvent<'REFER_FOR_ACCOUNTABILITY', ReferForAccountabilityData>
  | MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>;

type FindingsEvent = MachineEvent<'RECORD_FINDINGS', RecordFindingsData>;
type VerifyEvent = MachineEvent<'VERIFY', VerifyData>;
type ReferEvent = MachineEvent<'REFER_FOR_ACCOUNTABILITY', ReferForAccountabilityData>;
type MissedEvent = MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>;

const who = (event: { actor: { id: string; name: string } }): PersonRef => ({
  id: event.actor.id,
  name: event.actor.name,
});

/** The accountabilityReview start input for a person this inspection holds accountable. */
function reviewCase(
  context: SupervisionInspectionContext,
  person: PersonRef & { unit: string },
  reason: AccountabilityReason,
  details: string,
): StartCaseParams {
  const input: AccountabilityReviewInput = {
    subject: person,
    reason,
    sourceCaseId: context.caseId,
    sourceProcess: 'supervisionInspection',
    details,
  };
  return { process: 'accountabilityReview', input: { ...input } };
}

/** The rectification owner as a review subject: in the inspected unit. */
function owner(context: SupervisionInspectionContext): PersonRef & { unit: string } {
  const { id, name } = context.rectification!.responsible;
  return { id, name, unit: context.target.unitId };
}

function problemSummary(context: SupervisionInspectionContext): string {
  return (context.findings?.problems ?? [])
    .map((problem) =>
      problem.item === 'other' ? problem.description : `${CHECKLIST_LABELS[problem.item]}: ${problem.description}`,
    )
    .join('; ');
}

/**
 * REFER_FOR_ACCOUNTABILITY, taken in every open state; the case does not
 * move. Declared per state rather than at the root so the process
 * description lists it with each state (the engine refuses any event once
 * the case is closed, root-level handlers included).
 */
const referral = {
  actions: [
    'recordReferral',
    {
      type: 'startCase',
      params: ({ context, event }: { context: SupervisionInspectionContext; event: SupervisionInspectionEvent }) =>
        reviewCase(
          context,
          referredPerson(context, event),
          'poorImplementation',
          `督导检查 ${context.target.name}: ${(event as ReferEvent).data.reason}`,
        ),
    },
  ],
} as const;

/**
 * 督导检查, version 1 (DOMAIN.md process 4). Planned → in progress →
 * findings; any problem orders a rectification with its own deadline, which
 * is submitted and verified; a failed verification orders it again. A
 * missed rectification deadline, a failed verification, or a referral opens
 * an accountability review (a startCase effect); the inspection itself
 * stays where it is, because the rectification is still owed.
 */
export const supervisionInspectionMachineV1 = setup({
  types: {
    context: {} as SupervisionInspectionContext,
    events: {} as SupervisionInspectionEvent,
    input: {} as MachineInput<InspectionPlan>,
    meta: {} as WaitingStateMeta,
  },
  actions: {
    ...effectActions,
    recordFindings: assign({
      findings: ({ event }) => {
        const { checklist, problems } = (event as FindingsEvent).data;
        return { checklist, problems, recordedAt: event.occurredAt, by: who(event) };
      },
    }),
    recordReferral: assign({
      referrals: ({ context, event }) => [
        ...context.referrals,
        { person: referredPerson(context, event), reason: 'poorImplementation' as const, at: event.occurredAt },
      ],
    }),
    recordVerification: assign({
      verifications: ({ context, event }) => {
        const { passed, note } = (event as VerifyEvent).data;
        return [
          ...context.verifications,
          { round: context.rectification!.round, passed, note, at: event.occurredAt, by: who(event) },
        ];
      },
    }),
  },
  guards: {
    noProblems: ({ event }) => event.type === 'RECORD_FINDINGS' && !findingsHaveProblems(event.data),
    passed: ({ event }) => event.type === 'VERIFY' && event.data.passed,
    /** Whoever must rectify does not verify their own work. */
    notOwnRectification: ({ context, event }) => event.actor.id !== context.rectification?.responsible.id,
  },
}).createMachine({
  id: 'supervisionInspection',
  context: ({ input }) => ({
    caseId: input.caseId,
    target: input.data.target,
    sector: input.data.sector,
    plannedDate: input.data.plannedDate,
    inspectors: input.data.inspectors.map(({ id, name }) => ({ id, name })),
    unitHead: { id: input.data.unitHead.id, name: input.data.unitHead.name },
    notes: input.data.notes ?? null,
    openedAt: input.occurredAt,
    openedBy: who(input),
    inspection: null,
    findings: null,
    rectification: null,
    submissions: [],
    verifications: [],
    referrals: [],
  }),
  initial: 'planned',
  states: {
    planned: {
      meta: { deadline: { at: 'plannedDate' }, responsible: { person: 'inspectors.0.id' }, label: '待检查' },
      on: {
        REFER_FOR_ACCOUNTABILITY: referral,
        START: {
          target: 'inProgress',
          actions: assign({
            inspection: ({ event }) => ({ startedAt: event.occurredAt, by: who(event), note: event.data.note ?? null }),
          }),
        },
      },
    },
    inProgress: {
      // Our default (the catalogue names none): findings recorded within a day of starting.
      meta: { deadline: 'P1D', responsible: { person: 'inspectors.0.id' }, label: '检查中' },
      on: {
        REFER_FOR_ACCOUNTABILITY: referral,
        RECORD_FINDINGS: [
          { guard: 'noProblems', target: 'closed', actions: 'recordFindings' },
          {
            // The deadline is checked as input (validateEvent): in the future, within a year.
            target: 'rectificationOrdered',
            actions: [
              'recordFindings',
              assign({
                rectification: ({ context, event }) => {
                  const data = (event as FindingsEvent).data;
                  const responsible = data.responsiblePerson ?? context.unitHead;
                  return {
                    round: 1,
                    deadline: data.rectificationDeadline!,
                    responsible: { id: responsible.id, name: responsible.name },
                    orderedAt: event.occurredAt,
                  };
                },
              }),
              { type: 'notify', params: ({ context }) => rectificationNotice(context) },
            ],
          },
        ],
      },
    },
    rectificationOrdered: {
      meta: {
        deadline: { at: 'rectification.deadline' },
        responsible: { person: 'rectification.responsible.id' },
        label: '整改中',
      },
      on: {
        REFER_FOR_ACCOUNTABILITY: referral,
        SUBMIT_RECTIFICATION: {
          target: 'awaitingVerification',
          actions: assign({
            submissions: ({ context, event }) => [
              ...context.submissions,
              {
                round: context.rectification!.round,
                summary: event.data.summary,
                evidence: event.data.evidence ?? [],
                at: event.occurredAt,
                by: who(event),
              },
            ],
          }),
        },
        // 整改逾期: the rectification is still owed; the person holding it is called to account.
        [DEADLINE_MISSED]: {
          actions: [
            assign({
              referrals: ({ context, event }) => [
                ...context.referrals,
                { person: owner(context), reason: 'rectificationOverdue' as const, at: event.occurredAt },
              ],
            }),
            {
              type: 'startCase',
              params: ({ context, event }) =>
                reviewCase(
                  context,
                  owner(context),
                  'rectificationOverdue',
                  `督导检查 ${context.target.name} 整改逾期 (rectification round ${context.rectification!.round} due ${(event as MissedEvent).data.dueAt}): ${problemSummary(context)}`,
                ),
            },
          ],
        },
      },
    },
    awaitingVerification: {
      meta: { deadline: 'P3D', responsible: { person: 'inspectors.0.id' }, label: '待复查验收' },
      on: {
        REFER_FOR_ACCOUNTABILITY: referral,
        VERIFY: [
          { guard: and(['passed', 'notOwnRectification']), target: 'closed', actions: 'recordVerification' },
          {
            // Failed: ordered again with the new deadline, and the owner is called to account (整改未通过).
            guard: and([not('passed'), 'notOwnRectification']),
            target: 'rectificationOrdered',
            actions: [
              'recordVerification',
              assign({
                rectification: ({ context, event }) => ({
                  ...context.rectification!,
                  round: context.rectification!.round + 1,
                  deadline: (event as VerifyEvent).data.rectificationDeadline!,
                  orderedAt: event.occurredAt,
                }),
                referrals: ({ context, event }) => [
                  ...context.referrals,
                  { person: owner(context), reason: 'rectificationFailed' as const, at: event.occurredAt },
                ],
              }),
              {
                type: 'startCase',
                params: ({ context, event }) =>
                  reviewCase(
                    context,
                    owner(context),
                    'rectificationFailed',
                    `督导检查 ${context.target.name} 整改未通过复查: ${(event as VerifyEvent).data.note}`,
                  ),
              },
              { type: 'notify', params: ({ context }) => rectificationNotice(context) },
            ],
          },
        ],
      },
    },
    closed: { type: 'final', meta: { label: '已办结' } },
  },
});

function referredPerson(
  context: SupervisionInspectionContext,
  event: SupervisionInspectionEvent,
): PersonRef & { unit: string } {
  const { id, name, unit } = (event as ReferEvent).data.person;
  return { id, name, unit: unit ?? context.target.unitId };
}

/** Tells the person owing the rectification what, and by when. */
function rectificationNotice(context: SupervisionInspectionContext) {
  const rectification = context.rectification!;
  return {
    to: [{ person: rectification.responsible.id }],
    template: 'supervisionInspection.rectificationOrdered',
    data: {
      caseId: context.caseId,
      target: context.target,
      round: rectification.round,
      deadline: rectification.deadline,
      problems: context.findings?.problems ?? [],
    },
  };
}
