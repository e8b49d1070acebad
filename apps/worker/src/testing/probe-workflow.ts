import 'reflect-metadata';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { assign, setup } from 'xstate';
import {
  type Actor,
  effectActions,
  type MachineEvent,
  type MachineInput,
  type WaitingStateMeta,
  type WorkflowDefinition,
  WorkflowRegistry,
} from '@app/engine';

/**
 * A test-only process that exercises every effect kind and both timer kinds
 * with times the tests choose (milliseconds, an instant for the deadline).
 * What a case does depends on its start input's `mode`.
 */

export const PROBE_MODES = ['notify', 'report', 'start', 'send', 'timer', 'deadline', 'idle', 'nobody'] as const;
export type ProbeMode = (typeof PROBE_MODES)[number];

export class ProbeStart {
  @IsIn(PROBE_MODES)
  mode: ProbeMode;

  /** `timer`: the `after` delay in ms. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  delayMs?: number;

  /** `deadline`: when the waiting state's deadline falls (ISO instant). */
  @IsOptional()
  @IsString()
  deadlineAt?: string;

  /** `send`: the case id to PING. */
  @IsOptional()
  @IsString()
  target?: string;

  /** Free text the tests use to find their cases. */
  @IsOptional()
  @IsString()
  tag?: string;
}

export class ProbeEmpty {}

export interface ProbeContext {
  caseId: string;
  mode: ProbeMode;
  delayMs: number;
  deadlineAt: string;
  target: string;
  tag: string;
  pings: number;
}

type ProbeEvent =
  | MachineEvent<'PING', ProbeEmpty>
  | MachineEvent<'CANCEL', ProbeEmpty>
  | MachineEvent<'DONE', ProbeEmpty>
  | MachineEvent<'DEADLINE_MISSED', unknown>;

const routeTo = (mode: ProbeMode, target: string) => ({
  guard: ({ context }: { context: ProbeContext }) => context.mode === mode,
  target,
});

export const probeMachine = setup({
  types: {
    context: {} as ProbeContext,
    events: {} as ProbeEvent,
    input: {} as MachineInput<ProbeStart>,
    meta: {} as WaitingStateMeta,
  },
  actions: { ...effectActions },
  delays: { probeDelay: ({ context }) => context.delayMs },
}).createMachine({
  id: 'probe',
  context: ({ input }) => ({
    caseId: input.caseId,
    mode: input.data.mode,
    delayMs: input.data.delayMs ?? 1000,
    deadlineAt: input.data.deadlineAt ?? input.occurredAt,
    target: input.data.target ?? '',
    tag: input.data.tag ?? '',
    pings: 0,
  }),
  initial: 'route',
  on: {
    PING: { actions: assign({ pings: ({ context }) => context.pings + 1 }) },
  },
  states: {
    route: {
      always: [
        routeTo('notify', 'notifying'),
        routeTo('report', 'reporting'),
        routeTo('start', 'spawning'),
        routeTo('send', 'sending'),
        routeTo('timer', 'waiting'),
        routeTo('deadline', 'overdue'),
        routeTo('nobody', 'unheard'),
        { target: 'idle' },
      ],
    },
    notifying: {
      entry: {
        type: 'notify',
        params: ({ context }) => ({
          to: [{ role: 'chief' }],
          template: 'probe.hello',
          data: { caseId: context.caseId, tag: context.tag },
        }),
      },
      on: { DONE: 'done' },
    },
    unheard: {
      entry: { type: 'notify', params: { to: [{ role: 'nobodyHasThisRole' }], template: 'probe.void' } },
      on: { DONE: 'done' },
    },
    reporting: {
      entry: {
        type: 'reportUpward',
        params: ({ context }) => ({ report: 'probe', data: { caseId: context.caseId, tag: context.tag } }),
      },
      on: { DONE: 'done' },
    },
    spawning: {
      entry: {
        type: 'startCase',
        params: ({ context }) => ({ process: 'probe', input: { mode: 'idle', tag: `child-of-${context.caseId}` } }),
      },
      on: { DONE: 'done' },
    },
    sending: {
      entry: {
        type: 'sendEvent',
        params: ({ context }) => ({ process: 'probe', caseId: context.target, type: 'PING' }),
      },
      on: { DONE: 'done' },
    },
    waiting: {
      after: { probeDelay: 'timedOut' },
      on: { CANCEL: 'cancelled' },
    },
    overdue: {
      meta: { deadline: { at: 'deadlineAt' }, responsible: { role: 'office' }, label: '测试等待' },
      on: { CANCEL: 'cancelled', DONE: 'done' },
    },
    idle: { on: { DONE: 'done' } },
    timedOut: { on: { DONE: 'done' } },
    cancelled: { type: 'final' },
    done: { type: 'final' },
  },
});

export const probeDefinition: WorkflowDefinition<ProbeContext> = {
  process: 'probe',
  version: 1,
  title: '测试探针',
  machine: probeMachine,
  startInput: ProbeStart,
  events: { PING: ProbeEmpty, CANCEL: ProbeEmpty, DONE: ProbeEmpty },
  startPolicy: [{ role: 'admin' }, { system: 'effects' }],
  policy: {
    PING: [{ role: 'admin' }, { system: 'effects' }],
    CANCEL: [{ role: 'admin' }],
    DONE: [{ role: 'admin' }],
  },
  subjectOf: () => undefined,
};

export function createProbeRegistry(): WorkflowRegistry {
  return new WorkflowRegistry().register(probeDefinition);
}

/** The demo organisation's administrator, as an actor. */
export const probeAdmin: Actor = { id: 'p-admin', name: '系统管理员', roles: ['admin'], kind: 'user' };
