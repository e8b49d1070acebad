import 'reflect-metadata';
import {
  type DeadlineOverrides,
  effectActions,
  type MachineEvent,
  type MachineInput,
  type WaitingStateMeta,
  type WorkflowDefinition,
  WorkflowRegistry,
} from '@app/engine';
import { ALL_WORKFLOW_DEFINITIONS } from '@app/workflows/registry';
import { Type } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, ValidateNested } from 'class-validator';
import { setup } from 'xstate';

/**
 * Two small processes that open linked cases, for the projection tests
 * (test use only): a `probeParent` held by the prevention group whose SPAWN
 * requests a `probeChild`, and a `probeChild` held by the person it is
 * about, which can spawn a grandchild in turn.
 */

export class ProbePerson {
  @IsOptional()
  @IsString()
  id?: string;

  @IsString()
  name: string;

  @IsOptional()
  @IsString()
  unit?: string;
}

export class ProbeParentStart {
  @ValidateNested()
  @Type(() => ProbePerson)
  subject: ProbePerson;
}

export class ProbeChildStart {
  @ValidateNested()
  @Type(() => ProbePerson)
  person: ProbePerson;

  /** The opening case's bare uuid, when the parent passes it. */
  @IsOptional()
  @IsString()
  sourceCaseId?: string;
}

export class SpawnData {
  /** Put the parent's case id into the child's start input. */
  @IsOptional()
  @IsBoolean()
  withSource?: boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => ProbePerson)
  person?: ProbePerson;
}

export class NoData {}

type SpawnEvent = MachineEvent<'SPAWN', SpawnData>;

const spawn = {
  type: 'startCase' as const,
  params: ({
    context,
    event,
  }: {
    context: { caseId: string; person?: ProbePerson; subject?: ProbePerson };
    event: unknown;
  }) => {
    const data = (event as SpawnEvent).data;
    return {
      process: 'probeChild',
      input: {
        person: data.person ?? context.subject ?? context.person,
        ...(data.withSource ? { sourceCaseId: context.caseId } : {}),
      },
    };
  },
};

const probeParentMachine = setup({
  types: {
    context: {} as { caseId: string; subject: ProbePerson },
    input: {} as MachineInput<ProbeParentStart>,
    meta: {} as WaitingStateMeta,
  },
  actions: { ...effectActions },
}).createMachine({
  id: 'probeParent',
  context: ({ input }) => ({ caseId: input.caseId, subject: input.data.subject }),
  initial: 'open',
  states: {
    open: {
      meta: { deadline: 'PT1H', responsible: { group: 'prevention' }, label: '待防控组处理' },
      on: { SPAWN: { actions: spawn as never }, CLOSE: 'closed' },
    },
    closed: { type: 'final', meta: { label: '已办结' } },
  },
});

const probeChildMachine = setup({
  types: {
    context: {} as { caseId: string; person: ProbePerson; sourceCaseId: string | null; subject?: undefined },
    input: {} as MachineInput<ProbeChildStart>,
    meta: {} as WaitingStateMeta,
  },
  actions: { ...effectActions },
}).createMachine({
  id: 'probeChild',
  context: ({ input }) => ({
    caseId: input.caseId,
    person: input.data.person,
    sourceCaseId: input.data.sourceCaseId ?? null,
  }),
  initial: 'waiting',
  states: {
    waiting: {
      meta: { deadline: 'PT2H', responsible: { person: 'person.id' }, label: '待本人处理' },
      on: { SPAWN: { actions: spawn as never }, DONE: 'done' },
    },
    done: { type: 'final' },
  },
});

export const probeParentV1: WorkflowDefinition = {
  process: 'probeParent',
  version: 1,
  title: '联动测试（上级）',
  machine: probeParentMachine,
  startInput: ProbeParentStart,
  events: { SPAWN: SpawnData, CLOSE: NoData },
  startPolicy: [{ role: 'inspector' }, { role: 'office' }],
  policy: { SPAWN: [{ group: 'prevention' }], CLOSE: [{ group: 'prevention' }] },
  subjectOf: (context) => context.subject.id,
};

export const probeChildV1: WorkflowDefinition = {
  process: 'probeChild',
  version: 1,
  title: '联动测试（下级）',
  machine: probeChildMachine,
  startInput: ProbeChildStart,
  events: { SPAWN: SpawnData, DONE: NoData },
  startPolicy: [{ system: 'effects' }],
  policy: { SPAWN: [{ responsible: true }], DONE: [{ responsible: true }] },
  subjectOf: (context) => context.person.id,
};

/** The deployment's processes plus the two probes. */
export function createTestRegistry(overrides: DeadlineOverrides = {}): WorkflowRegistry {
  const registry = new WorkflowRegistry(overrides);
  for (const def of [...ALL_WORKFLOW_DEFINITIONS, probeParentV1, probeChildV1]) registry.register(def);
  return registry;
}
