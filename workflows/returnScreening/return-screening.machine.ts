import {
  DEADLINE_MISSED,
  type DeadlineMissedData,
  effectActions,
  type MachineEvent,
  type MachineInput,
  type NotifyParams,
  type StartCaseParams,
  type WaitingStateMeta,
} from '@app/engine';
import { assign, setup } from 'xstate';
import type { FeverDetection } from '../feverEscalation/fever-escalation.events';
import { isFever } from '../feverEscalation/fever-escalation.events';
import type {
  EndObservationData,
  Exposures,
  RecordTemperatureData,
  ReportContactHistoryData,
  ReturnScreeningInput,
} from './return-screening.events';

/** Who did something, as the case keeps it. */
export interface PersonRef {
  id: string;
  name: string;
}

/** One temperature reading as recorded. */
export interface TemperatureReading {
  celsius: number;
  measuredAt: string;
  recordedAt: string;
  by: PersonRef;
}

/** The case's context: who came back from where, and each screening step. */
export interface ReturnScreeningContext {
  caseId: string;
  person: { id: string; name: string; unit: string };
  returnedAt: string;
  fromPlace: { placeCode: string; name: string };
  /** The leave-approval case of the trip, if a RETURN opened this case. */
  tripCaseId: string | null;
  /** The case that opened this one (the trip, or a duty-line report); `null` when opened by hand. */
  sourceCaseId: string | null;
  sourceProcess: string | null;
  openedAt: string;
  openedBy: PersonRef;
  contactHistory: {
    reportedToCommunity: boolean;
    reportedToOffice: boolean;
    exposures: Exposures;
    notes: string | null;
    reportedAt: string;
    by: PersonRef;
  } | null;
  /** Every reading, oldest first. */
  temperatures: TemperatureReading[];
  /** Why the person is under observation (the exposures reported). */
  observation: { since: string; exposures: Exposures } | null;
  observationEnd: { at: string; by: PersonRef; note: string | null } | null;
  /** The fever reading that escalated the case. */
  fever: { celsius: number; measuredAt: string } | null;
}

export type ReturnScreeningEvent =
  | MachineEvent<'REPORT_CONTACT_HISTORY', ReportContactHistoryData>
  | MachineEvent<'RECORD_TEMPERATURE', RecordTemperatureData>
  | MachineEvent<'END_OBSERVATION', EndObservationData>
  | MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>;

type TemperatureEvent = MachineEvent<'RECORD_TEMPERATURE', RecordTemperatureData>;

const who = (event: { actor: { id: string; name: string } }): PersonRef => ({
  id: event.actor.id,
  name: event.actor.name,
});

/** Any exposure makes the contact history abnormal (接触病例、疑似病例或中高风险地区). */
export function hasExposure(exposures: Exposures): boolean {
  return exposures.confirmedCase || exposures.suspectedCase || exposures.riskArea;
}

/** The feverEscalation start input for a fever found here: its deadline runs from the measurement. */
function feverCase(context: ReturnScreeningContext, event: ReturnScreeningEvent): StartCaseParams {
  const reading = (event as TemperatureEvent).data;
  const input: FeverDetection = {
    person: { id: context.person.id, name: context.person.name, unit: context.person.unit },
    celsius: reading.celsius,
    detectedAt: reading.measuredAt,
    source: 'screening',
    sourceCaseId: context.caseId,
    notes: `返岗筛查发现发热 (fever at return screening after ${context.fromPlace.name})`,
  };
  return { process: 'feverEscalation', input: { ...input } };
}

/** The catalogue's escalation of a returnee's missed step: the office (which keeps the register) is told. */
function missedStepNotice(context: ReturnScreeningContext, event: ReturnScreeningEvent): NotifyParams {
  const missed = (event as MachineEvent<typeof DEADLINE_MISSED, DeadlineMissedData>).data;
  return {
    to: [{ role: 'office' }],
    template: 'returnScreening.stepOverdue',
    data: {
      caseId: context.caseId,
      person: context.person,
      state: missed.state,
      dueAt: missed.dueAt,
      returnedAt: context.returnedAt,
    },
  };
}

/**
 * 返岗筛查, version 1 (DOMAIN.md process 2). Back to work only when the
 * contact history was reported to both community and office, the
 * temperature is below 37.3 °C, and there was no exposure. Time comes only
 * from `occurredAt` and the instants in the context.
 */
export const returnScreeningMachineV1 = setup({
  types: {
    context: {} as ReturnScreeningContext,
    events: {} as ReturnScreeningEvent,
    input: {} as MachineInput<ReturnScreeningInput>,
    meta: {} as WaitingStateMeta,
  },
  actions: {
    ...effectActions,
    recordTemperature: assign({
      temperatures: ({ context, event }) => {
        const { celsius, measuredAt } = (event as TemperatureEvent).data;
        return [...context.temperatures, { celsius, measuredAt, recordedAt: event.occurredAt, by: who(event) }];
      },
    }),
    recordFever: assign({
      fever: ({ event }) => {
        const { celsius, measuredAt } = (event as TemperatureEvent).data;
        return { celsius, measuredAt };
      },
    }),
  },
  guards: {
    fever: ({ event }) => event.type === 'RECORD_TEMPERATURE' && isFever(event.data.celsius),
    exposed: ({ context }) => context.contactHistory !== null && hasExposure(context.contactHistory.exposures),
  },
}).createMachine({
  id: 'returnScreening',
  context: ({ input }) => ({
    caseId: input.caseId,
    person: input.data.person,
    returnedAt: input.data.returnedAt,
    fromPlace: input.data.fromPlace,
    tripCaseId: input.data.tripCaseId ?? null,
    sourceCaseId: input.data.sourceCaseId ?? input.data.tripCaseId ?? null,
    sourceProcess: input.data.sourceProcess ?? (input.data.tripCaseId ? 'leaveApproval' : null),
    openedAt: input.occurredAt,
    openedBy: who(input),
    contactHistory: null,
    temperatures: [],
    observation: null,
    observationEnd: null,
    fever: null,
  }),
  initial: 'awaitingReport',
  states: {
    awaitingReport: {
      // 24 h after the return itself, whenever the case was opened.
      meta: {
        deadline: { at: 'returnedAt', plus: 'PT24H' },
        responsible: { person: 'person.id' },
        label: '待报告接触史',
      },
      on: {
        REPORT_CONTACT_HISTORY: {
          target: 'awaitingTemperature',
          actions: assign({
            contactHistory: ({ event }) => ({
              reportedToCommunity: event.data.reportedToCommunity,
              reportedToOffice: event.data.reportedToOffice,
              exposures: event.data.exposures,
              notes: event.data.notes ?? null,
              reportedAt: event.occurredAt,
              by: who(event),
            }),
          }),
        },
        [DEADLINE_MISSED]: {
          actions: { type: 'notify', params: ({ context, event }) => missedStepNotice(context, event) },
        },
      },
    },
    awaitingTemperature: {
      meta: { deadline: 'PT24H', responsible: { person: 'person.id' }, label: '待测量体温' },
      on: {
        RECORD_TEMPERATURE: [
          {
            guard: 'fever',
            target: 'feverEscalated',
            actions: [
              'recordTemperature',
              'recordFever',
              { type: 'startCase', params: ({ context, event }) => feverCase(context, event) },
            ],
          },
          {
            guard: 'exposed',
            target: 'underObservation',
            actions: [
              'recordTemperature',
              assign({
                observation: ({ context, event }) => ({
                  since: event.occurredAt,
                  exposures: context.contactHistory!.exposures,
                }),
              }),
              {
                type: 'notify',
                params: ({ context }) => ({
                  to: [{ role: 'office' }],
                  template: 'returnScreening.observationStarted',
                  data: { caseId: context.caseId, person: context.person, exposures: context.observation!.exposures },
                }),
              },
            ],
          },
          { target: 'clearedForWork', actions: 'recordTemperature' },
        ],
        [DEADLINE_MISSED]: {
          actions: { type: 'notify', params: ({ context, event }) => missedStepNotice(context, event) },
        },
      },
    },
    underObservation: {
      // Our default (the plan is silent): a 14-day observation, then the office decides.
      meta: { deadline: 'P14D', responsible: { role: 'office' }, label: '居家观察中' },
      on: {
        RECORD_TEMPERATURE: [
          {
            guard: 'fever',
            target: 'feverEscalated',
            actions: [
              'recordTemperature',
              'recordFever',
              { type: 'startCase', params: ({ context, event }) => feverCase(context, event) },
            ],
          },
          { actions: 'recordTemperature' },
        ],
        END_OBSERVATION: {
          target: 'clearedForWork',
          actions: assign({
            observationEnd: ({ event }) => ({ at: event.occurredAt, by: who(event), note: event.data.note ?? null }),
          }),
        },
      },
    },
    feverEscalated: { type: 'final', meta: { label: '发热，已转发热处置' } },
    clearedForWork: { type: 'final', meta: { label: '无异常，可返岗' } },
  },
});
