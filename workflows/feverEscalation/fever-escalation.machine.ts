import {
  type DeadlineMissedData,
  DEADLINE_MISSED,
  effectActions,
  type MachineEvent,
  type MachineInput,
  type ReportUpwardParams,
  type WaitingStateMeta,
} from '@app/engine';
import { assign, setup } from 'xstate';
import {
  type ConsultationOutcome,
  type FeverDetection,
  type FeverSource,
  isFever,
  type RecordConsultationData,
  type TransferToClinicData,
} from './fever-escalation.events';

/** Who did something, as the case keeps it. */
export interface PersonRef {
  id: string;
  name: string;
}

/** One expert consultation as recorded. */
export interface Consultation {
  outcome: ConsultationOutcome;
  experts: string[];
  notes: string;
  celsius: number | null;
  recordedAt: string;
  by: PersonRef;
}

/** The case's context: the detection as opened, and what happened to the person. */
export interface FeverEscalationContext {
  caseId: string;
  person: { id?: string; name: string; unit?: string };
  celsius: number;
  detectedAt: string;
  source: FeverSource;
  sourceCaseId: string | null;
  place: string | null;
  notes: string | null;
  openedAt: string;
  openedBy: PersonRef;
  transfer: { clinic: string; at: string; notes: string | null; recordedAt: string; by: PersonRef } | null;
  /** Every consultation, oldest first. */
  consultations: Consultation[];
  /** When the person was isolated (a suspected case). */
  isolatedAt: string | null;
  /** The final outcome: `excluded` (cleared) or `confirmed`. */
  outcome: ConsultationOutcome | null;
}

export type FeverEscalationEvent =
  | MachineEvent<'TRANSFER_TO_CLINIC', TransferToClinicData>
  | MachineEvent<'RECORD_CONSULTATION', RecordConsultationData>
  | MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>;

type ConsultationEvent = MachineEvent<'RECORD_CONSULTATION', RecordConsultationData>;

const who = (event: { actor: { id: string; name: string } }): PersonRef => ({
  id: event.actor.id,
  name: event.actor.name,
});

const consultationOf = (event: FeverEscalationEvent): RecordConsultationData | undefined =>
  event.type === 'RECORD_CONSULTATION' ? event.data : undefined;

/**
 * What the higher authority is told of a suspected or confirmed case
 * (疑似/确诊 → 上报). The report names the case, so a retried job cannot
 * report a different person.
 */
function upwardReport(
  report: 'feverEscalation.suspected' | 'feverEscalation.confirmed',
  context: FeverEscalationContext,
  event: FeverEscalationEvent,
): ReportUpwardParams {
  const consultation = (event as ConsultationEvent).data;
  return {
    report,
    data: {
      caseId: context.caseId,
      person: context.person,
      celsius: context.celsius,
      detectedAt: context.detectedAt,
      source: context.source,
      sourceCaseId: context.sourceCaseId,
      clinic: context.transfer?.clinic ?? null,
      outcome: consultation.outcome,
      experts: consultation.experts,
      notes: consultation.notes,
      decidedAt: event.occurredAt,
    },
  };
}

/**
 * 发热处置, version 1 (DOMAIN.md process 3). Detected → fever clinic →
 * expert consultation → outcome. Time comes only from `occurredAt` and the
 * detection time in the context.
 *
 * An exclusion while the temperature is still ≥ 37.3 °C does not clear the
 * person: the consultation is recorded, the prevention group is told, and
 * the case waits in its state for a later consultation (the plan clears
 * only "excluded with a normal temperature").
 */
export const feverEscalationMachineV1 = setup({
  types: {
    context: {} as FeverEscalationContext,
    events: {} as FeverEscalationEvent,
    input: {} as MachineInput<FeverDetection>,
    meta: {} as WaitingStateMeta,
  },
  actions: {
    ...effectActions,
    recordConsultation: assign({
      consultations: ({ context, event }) => {
        const data = (event as ConsultationEvent).data;
        return [
          ...context.consultations,
          {
            outcome: data.outcome,
            experts: data.experts,
            notes: data.notes,
            celsius: data.celsius ?? null,
            recordedAt: event.occurredAt,
            by: who(event),
          },
        ];
      },
    }),
    recordOutcome: assign({ outcome: ({ event }) => (event as ConsultationEvent).data.outcome }),
  },
  guards: {
    /** Excluded with a normal temperature: the only way to clear the person. */
    excludedAndNormal: ({ event }) => {
      const data = consultationOf(event);
      return data?.outcome === 'excluded' && data.celsius !== undefined && !isFever(data.celsius);
    },
    excludedButFever: ({ event }) => {
      const data = consultationOf(event);
      return data?.outcome === 'excluded' && (data.celsius === undefined || isFever(data.celsius));
    },
    suspected: ({ event }) => consultationOf(event)?.outcome === 'suspected',
    confirmed: ({ event }) => consultationOf(event)?.outcome === 'confirmed',
  },
}).createMachine({
  id: 'feverEscalation',
  context: ({ input }) => ({
    caseId: input.caseId,
    person: input.data.person,
    celsius: input.data.celsius,
    detectedAt: input.data.detectedAt,
    source: input.data.source,
    sourceCaseId: input.data.sourceCaseId ?? null,
    place: input.data.place ?? null,
    notes: input.data.notes ?? null,
    openedAt: input.occurredAt,
    openedBy: who(input),
    transfer: null,
    consultations: [],
    isolatedAt: null,
    outcome: null,
  }),
  initial: 'awaitingTransfer',
  states: {
    awaitingTransfer: {
      // "At once" (立即送到发热门诊): 2 h from detection, not from when a worker opened this case.
      meta: {
        deadline: { at: 'detectedAt', plus: 'PT2H' },
        responsible: { group: 'prevention' },
        label: '待送发热门诊',
      },
      entry: {
        type: 'notify',
        params: ({ context }) => ({
          to: [{ group: 'prevention' }],
          template: 'feverEscalation.detected',
          data: {
            caseId: context.caseId,
            person: context.person,
            celsius: context.celsius,
            detectedAt: context.detectedAt,
            source: context.source,
            place: context.place,
          },
        }),
      },
      on: {
        TRANSFER_TO_CLINIC: {
          target: 'atClinic',
          actions: assign({
            transfer: ({ event }) => ({
              clinic: event.data.clinic,
              at: event.data.at,
              notes: event.data.notes ?? null,
              recordedAt: event.occurredAt,
              by: who(event),
            }),
          }),
        },
      },
    },
    atClinic: {
      meta: { deadline: 'PT24H', responsible: { group: 'prevention' }, label: '发热门诊待会诊' },
      on: {
        RECORD_CONSULTATION: [
          { guard: 'excludedAndNormal', target: 'cleared', actions: ['recordConsultation', 'recordOutcome'] },
          {
            guard: 'excludedButFever',
            actions: [
              'recordConsultation',
              {
                type: 'notify',
                params: ({ context }) => stillFeverNotice(context),
              },
            ],
          },
          {
            guard: 'suspected',
            target: 'isolated',
            actions: [
              'recordConsultation',
              assign({ isolatedAt: ({ event }) => event.occurredAt }),
              {
                type: 'reportUpward',
                params: ({ context, event }) => upwardReport('feverEscalation.suspected', context, event),
              },
            ],
          },
          {
            guard: 'confirmed',
            target: 'confirmed',
            actions: [
              'recordConsultation',
              'recordOutcome',
              {
                type: 'reportUpward',
                params: ({ context, event }) => upwardReport('feverEscalation.confirmed', context, event),
              },
            ],
          },
        ],
      },
    },
    isolated: {
      // Our default (the plan is silent): the next consultation within a day of isolation.
      meta: { deadline: 'PT24H', responsible: { group: 'prevention' }, label: '疑似病例隔离中' },
      on: {
        RECORD_CONSULTATION: [
          { guard: 'excludedAndNormal', target: 'cleared', actions: ['recordConsultation', 'recordOutcome'] },
          {
            guard: 'excludedButFever',
            actions: ['recordConsultation', { type: 'notify', params: ({ context }) => stillFeverNotice(context) }],
          },
          // Still suspected: recorded, the person stays isolated (already reported).
          { guard: 'suspected', actions: 'recordConsultation' },
          {
            guard: 'confirmed',
            target: 'confirmed',
            actions: [
              'recordConsultation',
              'recordOutcome',
              {
                type: 'reportUpward',
                params: ({ context, event }) => upwardReport('feverEscalation.confirmed', context, event),
              },
            ],
          },
        ],
      },
    },
    cleared: { type: 'final', meta: { label: '已排除' } },
    confirmed: { type: 'final', meta: { label: '确诊已上报' } },
  },
});

function stillFeverNotice(context: FeverEscalationContext) {
  return {
    to: [{ group: 'prevention' }],
    template: 'feverEscalation.excludedWithFever',
    data: { caseId: context.caseId, person: context.person },
  };
}
