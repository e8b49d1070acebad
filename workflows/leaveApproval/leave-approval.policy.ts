import type { Policy, PolicyRule } from '@app/engine';

/**
 * Who may open a leave request: every member of staff, retirees, and the
 * office on someone's behalf; auditors and system actors may not.
 */
export const LEAVE_APPLICANT_ROLES = ['staff', 'retiree', 'unitHead', 'office', 'deputy', 'chief', 'dutyOfficer'];

/** Who may open a leave request (see {@link LEAVE_APPLICANT_ROLES}). */
export const leaveApprovalStartPolicy: PolicyRule[] = LEAVE_APPLICANT_ROLES.map((role) => ({ role }));

/** 外出审批 permissions per event (DOMAIN.md process 1). */
export const leaveApprovalPolicy: Policy = {
  // 报主要领导同意: the main leader (bureau chief).
  APPROVE: [{ role: 'chief' }],
  REJECT: [{ role: 'chief' }],
  // 向机关办公室报备.
  FILE: [{ role: 'office' }],
  // The traveller reports, or the office for them.
  DEPART: [{ subject: true }, { role: 'office' }],
  RETURN: [{ subject: true }, { role: 'office' }],
  WITHDRAW: [{ subject: true }],
  RISK_LEVEL_CHANGED: [{ system: 'register' }],
};
