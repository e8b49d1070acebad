import { type FactRequest, parseInstant, type ValidationIssue, type WorkflowDefinition } from '@app/engine';
import {
  type LeaveApplication,
  leaveApprovalEvents,
  LeaveApplication as LeaveApplicationClass,
} from './leave-approval.events';
import { type LeaveApprovalContext, leaveApprovalMachineV1 } from './leave-approval.machine';
import { leaveApprovalPolicy } from './leave-approval.policy';

export * from './leave-approval.events';
export * from './leave-approval.machine';
export * from './leave-approval.policy';

/**
 * Cross-field rules of a leave request. Bad input is an error (400), never
 * a refusal: returnAt must follow departAt, and departAt may not lie before
 * the request itself.
 */
export function validateLeaveApplication(input: LeaveApplication, occurredAt: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const departAt = parseInstant(input.departAt)!;
  const returnAt = parseInstant(input.returnAt)!;
  if (returnAt <= departAt) {
    issues.push({ property: 'returnAt', constraints: { isAfterDepartAt: 'returnAt must be after departAt' } });
  }
  if (departAt < parseInstant(occurredAt)!) {
    issues.push({ property: 'departAt', constraints: { isNotInPast: 'departAt must not be in the past' } });
  }
  return issues;
}

/** 外出审批 v1. */
export const leaveApprovalV1: WorkflowDefinition<LeaveApprovalContext> = {
  process: 'leaveApproval',
  version: 1,
  title: '外出审批',
  machine: leaveApprovalMachineV1,
  startInput: LeaveApplicationClass,
  events: leaveApprovalEvents,
  policy: leaveApprovalPolicy,
  subjectOf: (context) => context.request.applicant.id,
  validateStart: validateLeaveApplication,
  // The register is consulted once, at start; the answer is recorded, so replay never asks again.
  startFacts: (input: LeaveApplication): FactRequest[] => [
    { key: 'destinationRisk', kind: 'riskArea', placeCode: input.destination.placeCode },
  ],
};

/** Every version of leaveApproval, oldest first. */
export const leaveApprovalDefinitions: readonly WorkflowDefinition[] = [leaveApprovalV1];
