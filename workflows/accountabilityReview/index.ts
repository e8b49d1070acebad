import type { WorkflowDefinition } from '@app/engine';
import {
  AccountabilityReviewInput as AccountabilityReviewInputClass,
  accountabilityReviewEvents,
} from './accountability-review.events';
import { type AccountabilityReviewContext, accountabilityReviewMachineV1 } from './accountability-review.machine';
import { accountabilityReviewPolicy } from './accountability-review.policy';

export * from './accountability-review.events';
export * from './accountability-review.machine';
export * from './accountability-review.policy';

/** 问责审查 v1. */
export const accountabilityReviewV1: WorkflowDefinition<AccountabilityReviewContext> = {
  process: 'accountabilityReview',
  version: 1,
  title: '问责审查',
  machine: accountabilityReviewMachineV1,
  startInput: AccountabilityReviewInputClass,
  events: accountabilityReviewEvents,
  policy: accountabilityReviewPolicy,
  subjectOf: (context) => context.subject.id,
};

/** Every version of accountabilityReview, oldest first. */
export const accountabilityReviewDefinitions: readonly WorkflowDefinition[] = [accountabilityReviewV1];
