import type { ValidationIssue, WorkflowDefinition } from '@app/engine';
import {
  AccountabilityReviewInput as AccountabilityReviewInputClass,
  type AssignReviewerData,
  accountabilityReviewEvents,
} from './accountability-review.events';
import { type AccountabilityReviewContext, accountabilityReviewMachineV1 } from './accountability-review.machine';
import { accountabilityReviewPolicy, accountabilityReviewStartPolicy } from './accountability-review.policy';

export * from './accountability-review.events';
export * from './accountability-review.machine';
export * from './accountability-review.policy';

/**
 * Checks of an assignment against the case (bad input, never a refusal):
 * the reviewer is not the person under review, and a re-assignment names
 * someone other than the current reviewer.
 */
export function validateReviewEvent(
  type: string,
  data: unknown,
  context: AccountabilityReviewContext,
): ValidationIssue[] {
  if (type !== 'ASSIGN_REVIEWER') return [];
  const { reviewer } = data as AssignReviewerData;
  if (reviewer.id === context.subject.id) {
    return [
      { property: 'reviewer.id', constraints: { notSubject: 'the reviewer may not be the person under review' } },
    ];
  }
  if (reviewer.id === context.reviewer?.id) {
    return [{ property: 'reviewer.id', constraints: { notCurrentReviewer: 'this person already reviews the case' } }];
  }
  return [];
}

/** 问责审查 v1. */
export const accountabilityReviewV1: WorkflowDefinition<AccountabilityReviewContext> = {
  process: 'accountabilityReview',
  version: 1,
  title: '问责审查',
  machine: accountabilityReviewMachineV1,
  startInput: AccountabilityReviewInputClass,
  events: accountabilityReviewEvents,
  startPolicy: accountabilityReviewStartPolicy,
  policy: accountabilityReviewPolicy,
  subjectOf: (context) => context.subject.id,
  // The assigned reviewer decides the case, so may read it (earlier reviewers keep nothing).
  involvedOf: (context) => (context.reviewer ? [context.reviewer.id] : []),
  validateEvent: validateReviewEvent,
};

/** Every version of accountabilityReview, oldest first. */
export const accountabilityReviewDefinitions: readonly WorkflowDefinition[] = [accountabilityReviewV1];
