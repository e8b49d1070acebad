import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { assign, setup } from 'xstate';
import type { Actor } from '../actor';
import type { MachineEvent, MachineInput } from '../case-event';
import { effectActions } from '../effects';
import { toIso } from '../time';
import { IsIsoInstant, IsNotBlank } from '../validators';
import type { WaitingStateMeta, WorkflowDefinition } from '../workflow-definition';

/**
 * A small workflow that exercises what leaveApproval does not: `after`
 * timers (in place and moving), nested states, a deadline in a nested state,
 * re-entering a waiting state, a reaction to DEADLINE_MISSED. Test use only.
 */

export class Owner {
  @IsString()
  @IsNotBlank()
  id: string;

  @IsString()
  name: string;
}

export class DemoStart {
  @ValidateNested()
  @Type(() => Owner)
  owner: Owner;

  @IsIsoInstant()
  dueBy: string;
}

export class Item {
  @IsString()
  @IsNotBlank()
  name: string;

  @IsInt()
  @Min(1)
  quantity: number;
}

export class SubmitData {
  @IsString()
  @IsNotBlank()
  note: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(3)
  @ValidateNested({ each: true })
  @Type(() => Item)
  items?: Item[];
}

export class Empty {}

export interface DemoContext {
  caseId: string;
  owner: Owner;
  dueBy: string;
  pings: number;
  note: string | null;
  reminded: number;
  lateNoted: string | null;
}

type DemoEvent =
  | MachineEvent<'SUBMIT', SubmitData>
  | MachineEvent<'PING', Empty>
  | MachineEvent<'NEXT', Empty>
  | MachineEvent<'APPROVE', Empty>
  | MachineEvent<'REJECT', Empty>
  | MachineEvent<'DEADLINE_MISSED', { state: string; dueAt: string }>
  | MachineEvent<`xstate.after.${string}`, unknown>;

export const MINUTE = 60_000;

export const demoMachine = setup({
  types: {
    context: {} as DemoContext,
    events: {} as DemoEvent,
    input: {} as MachineInput<DemoStart>,
    meta: {} as WaitingStateMeta,
  },
  actions: { ...effectActions },
}).createMachine({
  id: 'demo',
  context: ({ input }) => ({
    caseId: input.caseId,
    owner: input.data.owner,
    dueBy: input.data.dueBy,
    pings: 0,
    note: null,
    reminded: 0,
    lateNoted: null,
  }),
  initial: 'open',
  states: {
    open: {
      meta: { deadline: 'PT1H', responsible: { role: 'clerk' }, label: '待提交' },
      // In place: a reminder that does not move the case.
      after: {
        [30 * MINUTE]: {
          actions: [
            assign({ reminded: ({ context }) => context.reminded + 1 }),
            {
              type: 'notify',
              params: ({ context }) => ({ to: [{ person: context.owner.id }], template: 'demo.remind' }),
            },
          ],
        },
      },
      on: {
        SUBMIT: {
          target: 'review',
          actions: [
            assign({ note: ({ event }) => (event as MachineEvent<'SUBMIT', SubmitData>).data.note }),
            {
              type: 'notify',
              params: ({ context }) => ({
                to: [{ role: 'boss' }],
                template: 'demo.submitted',
                data: { caseId: context.caseId },
              }),
            },
            { type: 'reportUpward', params: { report: 'demo', data: { n: 1 } } },
          ],
        },
        PING: { actions: assign({ pings: ({ context }) => context.pings + 1 }) },
        DEADLINE_MISSED: {
          actions: [
            assign({
              lateNoted: ({ event }) => (event as MachineEvent<'DEADLINE_MISSED', { dueAt: string }>).data.dueAt,
            }),
            {
              type: 'startCase',
              params: ({ context }) => ({ process: 'accountabilityReview', input: { caseId: context.caseId } }),
            },
          ],
        },
      },
    },
    review: {
      initial: 'first',
      // Moves the case: the whole review expires after two hours.
      after: { [2 * 60 * MINUTE]: 'expired' },
      on: { REJECT: 'open' },
      states: {
        first: {
          meta: { deadline: { at: 'dueBy', plus: 'PT1H' }, responsible: { person: 'owner.id' }, label: '初审' },
          on: { NEXT: 'second' },
        },
        second: {
          meta: { label: '复审' },
          on: {
            APPROVE: {
              target: '#demo.done',
              actions: { type: 'sendEvent', params: { process: 'other', caseId: 'x1', type: 'DONE' } },
            },
          },
        },
      },
    },
    expired: { type: 'final' },
    done: { type: 'final' },
  },
});

/** Version 2 has other states: a case that started on v1 must never see them. */
export const demoMachineV2 = setup({
  types: {
    context: {} as { caseId: string; owner: Owner },
    input: {} as MachineInput<DemoStart>,
    meta: {} as WaitingStateMeta,
  },
  actions: { ...effectActions },
}).createMachine({
  id: 'demo',
  context: ({ input }) => ({ caseId: input.caseId, owner: input.data.owner }),
  initial: 'triage',
  states: {
    triage: {
      meta: { deadline: 'PT2H', responsible: { role: 'clerk' } },
      on: { SUBMIT: 'closed' },
    },
    closed: { type: 'final' },
  },
});

const startPolicy = [{ role: 'clerk' }];
const policy = {
  SUBMIT: [{ subject: true as const }],
  PING: [{ responsible: true as const }],
  NEXT: [{ responsible: true as const }],
  APPROVE: [{ role: 'boss' }],
  REJECT: [{ group: 'review' }],
};

export const demoV1: WorkflowDefinition<DemoContext> = {
  process: 'demo',
  version: 1,
  title: '演示',
  machine: demoMachine,
  startInput: DemoStart,
  events: { SUBMIT: SubmitData, PING: Empty, NEXT: Empty, APPROVE: Empty, REJECT: Empty },
  startPolicy,
  policy,
  subjectOf: (context) => context.owner.id,
};

export const demoV2: WorkflowDefinition = {
  ...demoV1,
  version: 2,
  machine: demoMachineV2,
  events: { SUBMIT: SubmitData },
  policy: { SUBMIT: policy.SUBMIT },
};

export const clerk: Actor = { id: 'u-clerk', name: '办事员', roles: ['clerk'], kind: 'user' };
export const owner: Actor = { id: 'u-owner', name: '负责人', roles: ['staff'], kind: 'user' };
export const boss: Actor = { id: 'u-boss', name: '领导', roles: ['boss'], kind: 'user' };
export const reviewer: Actor = { id: 'u-rev', name: '评审', roles: ['staff'], groups: ['review'], kind: 'user' };
export const stranger: Actor = { id: 'u-x', name: '路人', roles: ['staff'], kind: 'user' };

export const T0 = '2020-10-01T00:00:00.000Z';
export const demoInput = { owner: { id: owner.id, name: owner.name }, dueBy: '2020-10-01T03:00:00.000Z' };

/** A uuid-shaped id from a number (the store wants uuids). */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** An ISO instant `minutes` after T0. */
export function at(minutes: number): string {
  return toIso(Date.parse(T0) + minutes * MINUTE);
}
