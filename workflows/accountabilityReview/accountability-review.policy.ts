import type { Policy } from '@app/engine';

/**
 * 问责审查 permissions per event. Reviews are opened by the effect worker
 * (an overdue or failed rectification, a referral by inspectors) or by the
 * leadership group; the leadership group assigns the reviewer; only the
 * assigned reviewer (the state's responsible person) decides.
 */
export const accountabilityReviewPolicy: Policy = {
  START: [{ system: 'effects' }, { group: 'leadership' }],
  ASSIGN_REVIEWER: [{ group: 'leadership' }],
  DECIDE: [{ responsible: true }],
};
