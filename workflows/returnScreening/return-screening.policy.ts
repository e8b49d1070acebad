import type { Policy } from '@app/engine';

/**
 * 返岗筛查 permissions per event (DOMAIN.md process 2). Cases are opened by
 * the effect worker (a trip's RETURN, a duty-line triage) or by the office
 * for someone who came back without a leave request; the returnee reports
 * their own steps, or the office for them.
 */
export const returnScreeningPolicy: Policy = {
  START: [{ system: 'effects' }, { role: 'office' }],
  REPORT_CONTACT_HISTORY: [{ subject: true }, { role: 'office' }],
  RECORD_TEMPERATURE: [{ subject: true }, { role: 'office' }],
  // Ending an observation is the office's call, never the returnee's own.
  END_OBSERVATION: [{ role: 'office' }],
};
