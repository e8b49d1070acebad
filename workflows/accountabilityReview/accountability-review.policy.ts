import type { Policy, PolicyRule } from '@app/engine';

/**
 * Who opens a review: the effect worker (an overdue or failed rectification,
 * a referral by inspectors) or the leadership group.
 */
export const accountabilityReviewStartPolicy: PolicyRule[] = [{ system: 'effects' }, { group: 'leadership' }];

/**
 * 问责审查 permissions per event. The leadership group assigns the reviewer,
 * and may re-assign one under review; only the assigned reviewer (the
 * state's responsible person) decides.
 */
export const accountabilityReviewPolicy: Policy = {
  ASSIGN_REVIEWER: [{ group: 'leadership', notSubject: true }],
  DECIDE: [{ responsible: true }],
};
