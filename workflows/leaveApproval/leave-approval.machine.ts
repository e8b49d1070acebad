import {
  DEADLINE_MISSED,
  type DeadlineMissedData,
  effectActions,
  type MachineEvent,
  type MachineInput,
  type WaitingStateMeta,
} from '@app/engine';
import { assign, setup } from 'xstate';
import {
  type ApproveData,
  type DepartData,
  type DestinationRisk,
  FORBIDDEN_RISK_LEVELS,
  type FileData,
  type LeaveApplicationData,
  type RejectData,
  type ReturnData,
  type RiskLevel,
  type RiskLevelChangedData,
  type WithdrawData,
} from './leave-approval.events';

/** Who did something, as the case keeps it. */
export interface PersonRef {
  id: string;
  name: string;
}

/** The application as filed (the start input without the register's answer). */
export interface LeaveRequest extends Omit<LeaveApplicationData, 'specialReason' | 'destinationRisk'> {
  specialReason: string | null;
}

/**
 * The case's context: the request as filed, the register's current answer,
 * and what happened to it. Few top-level keys on purpose: XState's `assign`
 * copies the context with Object.assign, and V8 makes a copy with 20 or more
 * properties a slow dictionary-mode object (every transition ~5x slower).
 */
export interface LeaveApprovalContext {
  caseId: string;
  request: LeaveRequest;
  /** The risk-area register's level for the destination: at start, then as RISK_LEVEL_CHANGED reports it. */
  destinationRisk: DestinationRisk;
  requestedAt: string;
  requestedBy: PersonRef;
  /** Why the request was refused at once (destination medium/high risk). */
  refusal: { reason: string; level: RiskLevel; asOf: string | null } | null;
  approval: { by: PersonRef; at: string; comment: string | null } | null;
  rejection: { by: PersonRef; at: string; reason: string } | null;
  filing: { by: PersonRef; at: string; note: string | null } | null;
  departure: { at: string; reportedAt: string; by: PersonRef } | null;
  return: { at: string; reportedAt: string; by: PersonRef } | null;
  withdrawal: { by: PersonRef; at: string; reason: string | null } | null;
  /** Not back by returnAt + grace (a DEADLINE_MISSED while away). */
  overdue: { dueAt: string; recordedAt: string } | null;
  /** The destination turned medium/high after approval (RISK_LEVEL_CHANGED while cleared or away). */
  riskAlert: { placeCode: string; level: RiskLevel; asOf: string; flaggedAt: string } | null;
}

export type LeaveApprovalEvent =
  | MachineEvent<'APPROVE', ApproveData>
  | MachineEvent<'REJECT', RejectData>
  | MachineEvent<'FILE', FileData>
  | MachineEvent<'DEPART', DepartData>
  | MachineEvent<'RETURN', ReturnData>
  | MachineEvent<'WITHDRAW', WithdrawData>
  | MachineEvent<'RISK_LEVEL_CHANGED', RiskLevelChangedData>
  | MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>;

const isForbidden = (level: RiskLevel): boolean => FORBIDDEN_RISK_LEVELS.includes(level);
const who = (event: { actor: { id: string; name: string } }): PersonRef => ({
  id: event.actor.id,
  name: event.actor.name,
});

/** 外出审批, version 1 (DOMAIN.md process 1). Time comes only from `occurredAt`. */
export const leaveApprovalMachineV1 = setup({
  types: {
    context: {} as LeaveApprovalContext,
    events: {} as LeaveApprovalEvent,
    input: {} as MachineInput<LeaveApplicationData>,
    meta: {} as WaitingStateMeta,
  },
  actions: {
    ...effectActions,
    recordWithdrawal: assign({
      withdrawal: ({ event }) => ({
        by: who(event),
        at: event.occurredAt,
        reason: (event as MachineEvent<'WITHDRAW', WithdrawData>).data.reason ?? null,
      }),
    }),
    recordRiskLevel: assign({
      destinationRisk: ({ event }) => {
        const { level, asOf } = (event as MachineEvent<'RISK_LEVEL_CHANGED', RiskLevelChangedData>).data;
        return { level, asOf };
      },
    }),
    flagRisk: assign({
      riskAlert: ({ event }) => {
        const { placeCode, level, asOf } = (event as MachineEvent<'RISK_LEVEL_CHANGED', RiskLevelChangedData>).data;
        return { placeCode, level, asOf, flaggedAt: event.occurredAt };
      },
    }),
  },
  guards: {
    destinationForbidden: ({ context }) => isForbidden(context.destinationRisk.level),
    concernsDestination: ({ context, event }) =>
      event.type === 'RISK_LEVEL_CHANGED' && event.data.placeCode === context.request.destination.placeCode,
    destinationTurnedForbidden: ({ context, event }) =>
      event.type === 'RISK_LEVEL_CHANGED' &&
      event.data.placeCode === context.request.destination.placeCode &&
      isForbidden(event.data.level),
  },
}).createMachine({
  id: 'leaveApproval',
  context: ({ input }) => ({
    caseId: input.caseId,
    request: {
      applicant: input.data.applicant,
      destination: input.data.destination,
      leavesCity: input.data.leavesCity,
      specialReason: input.data.specialReason ?? null,
      departAt: input.data.departAt,
      returnAt: input.data.returnAt,
      companions: input.data.companions,
      epidemiologicalHistory: input.data.epidemiologicalHistory,
    },
    destinationRisk: input.data.destinationRisk,
    requestedAt: input.occurredAt,
    requestedBy: who(input),
    refusal: null,
    approval: null,
    rejection: null,
    filing: null,
    departure: null,
    return: null,
    withdrawal: null,
    overdue: null,
    riskAlert: null,
  }),
  initial: 'screening',
  states: {
    /** Transient: the register's answer decides at once. */
    screening: {
      always: [
        {
          guard: 'destinationForbidden',
          target: 'refused',
          actions: assign({
            refusal: ({ context }) => ({
              reason: `中高风险地区禁止外出 (travel to medium/high-risk areas is forbidden): ${context.request.destination.name} (${context.request.destination.placeCode}) is ${context.destinationRisk.level} risk${context.destinationRisk.asOf ? ` as of ${context.destinationRisk.asOf}` : ''}`,
              level: context.destinationRisk.level,
              asOf: context.destinationRisk.asOf,
            }),
          }),
        },
        { target: 'awaitingChiefApproval' },
      ],
    },
    awaitingChiefApproval: {
      meta: { deadline: 'PT8H', responsible: { role: 'chief' }, label: '待主要领导审批' },
      on: {
        APPROVE: {
          target: 'awaitingOfficeFiling',
          actions: assign({
            approval: ({ event }) => ({ by: who(event), at: event.occurredAt, comment: event.data.comment ?? null }),
          }),
        },
        REJECT: {
          target: 'rejected',
          actions: assign({
            rejection: ({ event }) => ({ by: who(event), at: event.occurredAt, reason: event.data.reason }),
          }),
        },
        WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
      },
    },
    awaitingOfficeFiling: {
      meta: { deadline: 'PT4H', responsible: { role: 'office' }, label: '待办公室报备' },
      on: {
        FILE: {
          target: 'cleared',
          actions: assign({
            filing: ({ event }) => ({ by: who(event), at: event.occurredAt, note: event.data.note ?? null }),
          }),
        },
        WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
      },
    },
    cleared: {
      // Our default (the plan is silent): report the departure within a day of the planned time.
      meta: {
        deadline: { at: 'request.departAt', plus: 'PT24H' },
        responsible: { person: 'request.applicant.id' },
        label: '已报备待出发',
      },
      on: {
        DEPART: {
          target: 'away',
          actions: assign({
            departure: ({ event }) => ({ at: event.data.at, reportedAt: event.occurredAt, by: who(event) }),
          }),
        },
        WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
        RISK_LEVEL_CHANGED: [
          {
            guard: 'destinationTurnedForbidden',
            actions: [
              'recordRiskLevel',
              'flagRisk',
              {
                type: 'notify',
                params: ({ context, event }) => riskRaisedNotice(context, event),
              },
            ],
          },
          { guard: 'concernsDestination', actions: 'recordRiskLevel' },
        ],
      },
    },
    away: {
      meta: {
        deadline: { at: 'request.returnAt', plus: 'PT12H' },
        responsible: { person: 'request.applicant.id' },
        label: '外出中',
      },
      on: {
        RETURN: {
          target: 'returned',
          actions: [
            assign({
              return: ({ event }) => ({ at: event.data.at, reportedAt: event.occurredAt, by: who(event) }),
            }),
            {
              type: 'startCase',
              params: ({ context, event }) => ({
                process: 'returnScreening',
                input: {
                  person: {
                    id: context.request.applicant.id,
                    name: context.request.applicant.name,
                    unit: context.request.applicant.unit,
                  },
                  returnedAt: (event as MachineEvent<'RETURN', ReturnData>).data.at,
                  fromPlace: {
                    placeCode: context.request.destination.placeCode,
                    name: context.request.destination.name,
                  },
                  tripCaseId: context.caseId,
                },
              }),
            },
          ],
        },
        RISK_LEVEL_CHANGED: [
          {
            guard: 'destinationTurnedForbidden',
            actions: [
              'recordRiskLevel',
              'flagRisk',
              {
                type: 'notify',
                params: ({ context, event }) => riskRaisedNotice(context, event),
              },
            ],
          },
          { guard: 'concernsDestination', actions: 'recordRiskLevel' },
        ],
        [DEADLINE_MISSED]: {
          actions: [
            assign({
              overdue: ({ event }) => ({
                dueAt: (event as MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>).data.dueAt,
                recordedAt: event.occurredAt,
              }),
            }),
            {
              type: 'notify',
              params: ({ context }) => ({
                to: [{ role: 'office' }],
                template: 'leaveApproval.returnOverdue',
                data: {
                  caseId: context.caseId,
                  applicant: context.request.applicant,
                  destination: context.request.destination,
                  returnAt: context.request.returnAt,
                },
              }),
            },
          ],
        },
      },
    },
    refused: { type: 'final', meta: { label: '不予外出(中高风险地区)' } },
    rejected: { type: 'final', meta: { label: '未获批准' } },
    withdrawn: { type: 'final', meta: { label: '已撤回' } },
    returned: { type: 'final', meta: { label: '已返回' } },
  },
});

/** Tells the traveller and the office that the destination turned medium/high risk. */
function riskRaisedNotice(context: LeaveApprovalContext, event: LeaveApprovalEvent) {
  const { level, asOf } = (event as MachineEvent<'RISK_LEVEL_CHANGED', RiskLevelChangedData>).data;
  return {
    to: [{ person: context.request.applicant.id }, { role: 'office' }],
    template: 'leaveApproval.destinationRiskRaised',
    data: {
      caseId: context.caseId,
      applicant: context.request.applicant,
      destination: context.request.destination,
      level,
      asOf,
    },
  };
}
