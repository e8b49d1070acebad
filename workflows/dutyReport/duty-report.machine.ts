import {
  type DEADLINE_MISSED,
  type DeadlineMissedData,
  effectActions,
  type MachineEvent,
  type MachineInput,
  type StartCaseParams,
  type WaitingStateMeta,
} from '@app/engine';
import { assign, setup } from 'xstate';
import type { FeverDetection } from '../feverEscalation/fever-escalation.events';
import type { ReturnScreeningInput } from '../returnScreening/return-screening.events';
import type { DutyReportInput, DutyReportKind, TriageAction, TriageData } from './duty-report.events';

/** Who did something, as the case keeps it. */
export interface PersonRef {
  id: string;
  name: string;
}

/** The case's context: the report as recorded, and its triage. */
export interface DutyReportContext {
  caseId: string;
  reporter: { name: string; phone: string; unit?: string };
  subject: { name: string; place: string };
  kind: DutyReportKind;
  details: string;
  receivedAt: string;
  recordedAt: string;
  recordedBy: PersonRef;
  triage: { action: TriageAction; reason: string | null; at: string; by: PersonRef } | null;
}

export type DutyReportEvent =
  | MachineEvent<'TRIAGE', TriageData>
  | MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>;

type TriageEvent = MachineEvent<'TRIAGE', TriageData>;

const who = (event: { actor: { id: string; name: string } }): PersonRef => ({
  id: event.actor.id,
  name: event.actor.name,
});

function feverCase(context: DutyReportContext, event: DutyReportEvent): StartCaseParams {
  const data = (event as TriageEvent).data;
  const input: FeverDetection = {
    person: data.person ?? { name: context.subject.name },
    celsius: data.celsius!,
    detectedAt: data.detectedAt ?? context.receivedAt,
    source: 'dutyReport',
    sourceCaseId: context.caseId,
    place: context.subject.place,
    notes: context.details,
  };
  return { process: 'feverEscalation', input: { ...input } };
}

function screeningCase(context: DutyReportContext, event: DutyReportEvent): StartCaseParams {
  const data = (event as TriageEvent).data;
  const person = data.person as { id: string; name: string; unit: string };
  const input: ReturnScreeningInput = {
    person: { id: person.id, name: person.name, unit: person.unit },
    returnedAt: data.returnedAt!,
    fromPlace: data.fromPlace!,
    sourceCaseId: context.caseId,
    sourceProcess: 'dutyReport',
  };
  return { process: 'returnScreening', input: { ...input } };
}

/**
 * 信息报告, version 1 (DOMAIN.md process 5). The duty officer records a
 * duty-line report and triages it within an hour of the call: a fever
 * escalation, a return screening, or closed with a reason.
 */
export const dutyReportMachineV1 = setup({
  types: {
    context: {} as DutyReportContext,
    events: {} as DutyReportEvent,
    input: {} as MachineInput<DutyReportInput>,
    meta: {} as WaitingStateMeta,
  },
  actions: {
    ...effectActions,
    recordTriage: assign({
      triage: ({ event }) => {
        const data = (event as TriageEvent).data;
        return { action: data.action, reason: data.reason ?? null, at: event.occurredAt, by: who(event) };
      },
    }),
  },
  guards: {
    // detectedAt is checked as input (validateEvent), so the fever case opened here will accept it.
    escalate: ({ event }) => event.type === 'TRIAGE' && event.data.action === 'feverEscalation',
    openScreening: ({ event }) => event.type === 'TRIAGE' && event.data.action === 'returnScreening',
    dismiss: ({ event }) => event.type === 'TRIAGE' && event.data.action === 'dismiss',
  },
}).createMachine({
  id: 'dutyReport',
  context: ({ input }) => ({
    caseId: input.caseId,
    reporter: input.data.reporter,
    subject: input.data.subject,
    kind: input.data.kind,
    details: input.data.details,
    receivedAt: input.data.receivedAt,
    recordedAt: input.occurredAt,
    recordedBy: who(input),
    triage: null,
  }),
  initial: 'awaitingTriage',
  states: {
    awaitingTriage: {
      // "At once" (立即报告): 1 h from the call, however late it was recorded.
      meta: {
        deadline: { at: 'receivedAt', plus: 'PT1H' },
        responsible: { role: 'dutyOfficer' },
        label: '待研判',
      },
      on: {
        TRIAGE: [
          {
            guard: 'escalate',
            target: 'escalated',
            actions: ['recordTriage', { type: 'startCase', params: ({ context, event }) => feverCase(context, event) }],
          },
          {
            guard: 'openScreening',
            target: 'screeningOpened',
            actions: [
              'recordTriage',
              { type: 'startCase', params: ({ context, event }) => screeningCase(context, event) },
            ],
          },
          { guard: 'dismiss', target: 'dismissed', actions: 'recordTriage' },
        ],
      },
    },
    escalated: { type: 'final', meta: { label: '已转发热处置' } },
    screeningOpened: { type: 'final', meta: { label: '已转返岗筛查' } },
    dismissed: { type: 'final', meta: { label: '已办结（不予处置）' } },
  },
});
