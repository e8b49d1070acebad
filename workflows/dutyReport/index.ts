import { parseInstant, type ValidationIssue, type WorkflowDefinition } from '@app/engine';
import {
  type DutyReportInput,
  DutyReportInput as DutyReportInputClass,
  dutyReportEvents,
  type TriageData,
} from './duty-report.events';
import { type DutyReportContext, dutyReportMachineV1 } from './duty-report.machine';
import { dutyReportPolicy, dutyReportStartPolicy } from './duty-report.policy';

export * from './duty-report.events';
export * from './duty-report.machine';
export * from './duty-report.policy';

/** A clock a few minutes ahead of the server's is not an error; a call from the future is. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** The duty line is recorded as calls come in; a week back is already a typo. */
const MAX_REPORT_AGE_MS = 7 * 24 * 3_600_000;

/** Cross-field rules (bad input, never a refusal): the call came in during the past week. */
export function validateDutyReport(input: DutyReportInput, occurredAt: string): ValidationIssue[] {
  const receivedAt = parseInstant(input.receivedAt)!;
  const now = parseInstant(occurredAt)!;
  if (receivedAt > now + CLOCK_SKEW_MS) {
    return [{ property: 'receivedAt', constraints: { isNotInFuture: 'receivedAt must not be in the future' } }];
  }
  if (receivedAt < now - MAX_REPORT_AGE_MS) {
    return [{ property: 'receivedAt', constraints: { isRecent: 'receivedAt must be within the last 7 days' } }];
  }
  return [];
}

/** A fever case refuses a detection older than this (feverEscalation's own rule). */
const MAX_DETECTION_AGE_MS = 30 * 24 * 3_600_000;

/**
 * Checks of a triage against its time (bad input, never a refusal): a
 * fever's `detectedAt` may not lie in the future, nor more than 30 days
 * back. The fever escalation opened from it would refuse either, leaving the
 * effect worker an incident instead of a case.
 */
export function validateTriage(type: string, data: unknown, _context: unknown, occurredAt: string): ValidationIssue[] {
  if (type !== 'TRIAGE') return [];
  const { action, detectedAt } = data as TriageData;
  if (action !== 'feverEscalation' || detectedAt === undefined) return [];
  const detected = parseInstant(detectedAt)!;
  const now = parseInstant(occurredAt)!;
  if (detected > now + CLOCK_SKEW_MS) {
    return [{ property: 'detectedAt', constraints: { isNotInFuture: 'detectedAt must not be in the future' } }];
  }
  if (detected < now - MAX_DETECTION_AGE_MS) {
    return [{ property: 'detectedAt', constraints: { isRecent: 'detectedAt must be within the last 30 days' } }];
  }
  return [];
}

/** 信息报告 v1. */
export const dutyReportV1: WorkflowDefinition<DutyReportContext> = {
  process: 'dutyReport',
  version: 1,
  title: '信息报告',
  machine: dutyReportMachineV1,
  startInput: DutyReportInputClass,
  events: dutyReportEvents,
  startPolicy: dutyReportStartPolicy,
  policy: dutyReportPolicy,
  // The reported person is rarely in the directory; the case is the duty line's.
  subjectOf: () => undefined,
  validateStart: validateDutyReport,
  validateEvent: validateTriage,
};

/** Every version of dutyReport, oldest first. */
export const dutyReportDefinitions: readonly WorkflowDefinition[] = [dutyReportV1];
