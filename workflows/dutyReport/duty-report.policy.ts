import type { Policy, PolicyRule } from '@app/engine';

/** Who records a duty-line report (opens the case): the duty officer (值班员). */
export const dutyReportStartPolicy: PolicyRule[] = [{ role: 'dutyOfficer' }];

/** 信息报告 permissions per event (DOMAIN.md process 5): only the duty officer triages a report. */
export const dutyReportPolicy: Policy = {
  TRIAGE: [{ role: 'dutyOfficer' }],
};
