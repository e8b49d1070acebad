import type { Policy, PolicyRule } from '@app/engine';

/**
 * Who opens a screening: the effect worker (a trip's RETURN, a duty-line
 * triage) or the office, for someone who came back without a leave request.
 */
export const returnScreeningStartPolicy: PolicyRule[] = [{ system: 'effects' }, { role: 'office' }];

/**
 * 返岗筛查 permissions per event (DOMAIN.md process 2): the returnee reports
 * their own steps, or the office for them.
 */
export const returnScreeningPolicy: Policy = {
  REPORT_CONTACT_HISTORY: [{ subject: true }, { role: 'office' }],
  RECORD_TEMPERATURE: [{ subject: true }, { role: 'office' }],
  // Ending an observation is the office's call, never the returnee's own.
  END_OBSERVATION: [{ role: 'office' }],
};
