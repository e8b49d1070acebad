import type { Policy, PolicyRule } from '@app/engine';

/** Who plans an inspection (opens the case): inspectors, the prevention group, the leadership group. */
export const supervisionInspectionStartPolicy: PolicyRule[] = [
  { role: 'inspector' },
  { group: 'prevention' },
  { group: 'leadership' },
];

/**
 * 督导检查 permissions per event (DOMAIN.md process 4). Inspectors start
 * the inspection (`START`, the catalogue's name), record findings and verify; the lead inspector (the state's
 * responsible person) may too without the role. The rectification is
 * submitted by the person who owes it or by the inspected unit's head (the
 * case's subject). Referrals come from inspectors or the leadership group.
 */
export const supervisionInspectionPolicy: Policy = {
  START: [{ role: 'inspector' }, { responsible: true }],
  RECORD_FINDINGS: [{ role: 'inspector' }, { responsible: true }],
  SUBMIT_RECTIFICATION: [{ responsible: true }, { subject: true }],
  VERIFY: [{ role: 'inspector' }, { responsible: true }],
  REFER_FOR_ACCOUNTABILITY: [{ role: 'inspector' }, { group: 'leadership' }],
};
