import { parseInstant, type ValidationIssue, type WorkflowDefinition } from '@app/engine';
import {
  returnScreeningEvents,
  type ReturnScreeningInput,
  ReturnScreeningInput as ReturnScreeningInputClass,
} from './return-screening.events';
import { type ReturnScreeningContext, returnScreeningMachineV1 } from './return-screening.machine';
import { returnScreeningPolicy, returnScreeningStartPolicy } from './return-screening.policy';

export * from './return-screening.events';
export * from './return-screening.machine';
export * from './return-screening.policy';

/** Older returns are typos, not late paperwork. */
const MAX_RETURN_AGE_MS = 90 * 24 * 3_600_000;

/**
 * Cross-field rules (bad input, never a refusal): the return lies within the
 * past 90 days. A return time slightly ahead is tolerated on purpose: the
 * trip's RETURN takes the traveller's word for `at`, and a refused start
 * would leave the effect worker an incident instead of a screening.
 */
export function validateReturnScreening(input: ReturnScreeningInput, occurredAt: string): ValidationIssue[] {
  const returnedAt = parseInstant(input.returnedAt)!;
  const now = parseInstant(occurredAt)!;
  if (returnedAt < now - MAX_RETURN_AGE_MS) {
    return [{ property: 'returnedAt', constraints: { isRecent: 'returnedAt must be within the last 90 days' } }];
  }
  return [];
}

/** 返岗筛查 v1. */
export const returnScreeningV1: WorkflowDefinition<ReturnScreeningContext> = {
  process: 'returnScreening',
  version: 1,
  title: '返岗筛查',
  machine: returnScreeningMachineV1,
  startInput: ReturnScreeningInputClass,
  events: returnScreeningEvents,
  startPolicy: returnScreeningStartPolicy,
  policy: returnScreeningPolicy,
  subjectOf: (context) => context.person.id,
  validateStart: validateReturnScreening,
};

/** Every version of returnScreening, oldest first. */
export const returnScreeningDefinitions: readonly WorkflowDefinition[] = [returnScreeningV1];
