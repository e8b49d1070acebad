import { type FactRequest, parseInstant, type ValidationIssue, type WorkflowDefinition } from '@app/engine';
import {
  type DepartData,
  type LeaveApplication,
  leaveApprovalEvents,
  LeaveApplication as LeaveApplicationClass,
  type ReturnData,
} from './leave-approval.events';
import { type LeaveApprovalContext, leaveApprovalMachineV1 } from './leave-approval.machine';
import { leaveApprovalPolicy, leaveApprovalStartPolicy } from './leave-approval.policy';

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

/** A clock a few minutes ahead of the server's is not an error; a departure or return in the future is. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Checks of a reported departure or return against the case and the report's
 * time (bad input, never a refusal): the traveller reports what happened, so
 * `at` may not lie in the future; a departure not before the request was
 * made, a return not before the departure.
 */
export function validateTripReport(
  type: string,
  data: unknown,
  context: LeaveApprovalContext,
  occurredAt: string,
): ValidationIssue[] {
  if (type !== 'DEPART' && type !== 'RETURN') return [];
  const at = parseInstant((data as DepartData | ReturnData).at)!;
  if (at > parseInstant(occurredAt)! + CLOCK_SKEW_MS) {
    return [{ property: 'at', constraints: { isNotInFuture: `${type} at must not be in the future` } }];
  }
  if (type === 'DEPART' && at < parseInstant(context.requestedAt)!) {
    return [{ property: 'at', constraints: { isAfterRequest: 'DEPART at must not be before the request was made' } }];
  }
  const departedAt = context.departure ? parseInstant(context.departure.at)! : undefined;
  if (type === 'RETURN' && departedAt !== undefined && at < departedAt) {
    return [{ property: 'at', constraints: { isAfterDeparture: 'RETURN at must not be before the departure' } }];
  }
  return [];
}

/** 外出审批 v1. */
export const leaveApprovalV1: WorkflowDefinition<LeaveApprovalContext> = {
  process: 'leaveApproval',
  version: 1,
  title: '外出审批',
  machine: leaveApprovalMachineV1,
  startInput: LeaveApplicationClass,
  events: leaveApprovalEvents,
  startPolicy: leaveApprovalStartPolicy,
  policy: leaveApprovalPolicy,
  subjectOf: (context) => context.request.applicant.id,
  validateStart: validateLeaveApplication,
  validateEvent: validateTripReport,
  // The register is consulted once, at start; the answer is recorded, so replay never asks again.
  startFacts: (input: LeaveApplication): FactRequest[] => [
    { key: 'destinationRisk', kind: 'riskArea', placeCode: input.destination.placeCode },
  ],
};

/** Every version of leaveApproval, oldest first. */
export const leaveApprovalDefinitions: readonly WorkflowDefinition[] = [leaveApprovalV1];
