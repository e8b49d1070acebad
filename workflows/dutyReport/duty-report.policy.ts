import type { Policy } from '@app/engine';

/**
 * 信息报告 permissions per event (DOMAIN.md process 5): the duty officer
 * (值班员) records the report and only the duty officer triages it.
 */
export const dutyReportPolicy: Policy = {
  START: [{ role: 'dutyOfficer' }],
  TRIAGE: [{ role: 'dutyOfficer' }],
};
