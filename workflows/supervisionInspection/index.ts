import { parseInstant, type ValidationIssue, type WorkflowDefinition } from '@app/engine';
import {
  type InspectionPlan,
  InspectionPlan as InspectionPlanClass,
  type RecordFindingsData,
  supervisionInspectionEvents,
  type VerifyData,
} from './supervision-inspection.events';
import { type SupervisionInspectionContext, supervisionInspectionMachineV1 } from './supervision-inspection.machine';
import { supervisionInspectionPolicy, supervisionInspectionStartPolicy } from './supervision-inspection.policy';

export * from './supervision-inspection.events';
export * from './supervision-inspection.machine';
export * from './supervision-inspection.policy';

const DAY_MS = 24 * 3_600_000;

/**
 * Cross-field rules of a plan (bad input, never a refusal): the planned
 * date within a month back (an inspection recorded after the fact) and a
 * year ahead; an enterprise inspected in its sector, an office of the bureau
 * as `office`; each inspector once; and nobody inspects their own unit's
 * head, so the head cannot verify their own rectification.
 */
export function validateInspectionPlan(input: InspectionPlan, occurredAt: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const planned = parseInstant(input.plannedDate)!;
  const now = parseInstant(occurredAt)!;
  if (planned < now - 30 * DAY_MS || planned > now + 366 * DAY_MS) {
    issues.push({
      property: 'plannedDate',
      constraints: { isInRange: 'plannedDate must be within the past 30 days and the coming year' },
    });
  }
  if (input.target.kind === 'enterprise' && input.sector === 'office') {
    issues.push({
      property: 'sector',
      constraints: { matchesTarget: 'an enterprise is inspected in its sector, not as office' },
    });
  }
  if (input.target.kind === 'office' && input.sector !== 'office') {
    issues.push({ property: 'sector', constraints: { matchesTarget: 'an office of the bureau has sector office' } });
  }
  const ids = input.inspectors.map((inspector) => inspector.id);
  if (new Set(ids).size !== ids.length) {
    issues.push({ property: 'inspectors', constraints: { unique: 'each inspector may be named once' } });
  }
  if (ids.includes(input.unitHead.id)) {
    issues.push({
      property: 'inspectors',
      constraints: { notInspected: "the inspected unit's head may not be one of its inspectors" },
    });
  }
  return issues;
}

/** A rectification deadline further out than this is a typo. */
const MAX_RECTIFICATION_MS = 366 * DAY_MS;

/**
 * Checks of findings and verifications against the event's time (bad input,
 * never a refusal): a rectification deadline lies after the command (a past
 * one would be missed at once) and within a year.
 */
export function validateInspectionEvent(
  type: string,
  data: unknown,
  _context: unknown,
  occurredAt: string,
): ValidationIssue[] {
  if (type !== 'RECORD_FINDINGS' && type !== 'VERIFY') return [];
  const { rectificationDeadline } = data as RecordFindingsData | VerifyData;
  if (rectificationDeadline === undefined) return [];
  const due = parseInstant(rectificationDeadline)!;
  const now = parseInstant(occurredAt)!;
  if (due <= now) {
    return [
      {
        property: 'rectificationDeadline',
        constraints: { isInFuture: 'rectificationDeadline must lie in the future' },
      },
    ];
  }
  if (due > now + MAX_RECTIFICATION_MS) {
    return [
      {
        property: 'rectificationDeadline',
        constraints: { isWithinAYear: 'rectificationDeadline must lie within a year' },
      },
    ];
  }
  return [];
}

/** 督导检查 v1. */
export const supervisionInspectionV1: WorkflowDefinition<SupervisionInspectionContext> = {
  process: 'supervisionInspection',
  version: 1,
  title: '督导检查',
  machine: supervisionInspectionMachineV1,
  startInput: InspectionPlanClass,
  events: supervisionInspectionEvents,
  startPolicy: supervisionInspectionStartPolicy,
  policy: supervisionInspectionPolicy,
  // The inspected unit's head: they see the case and may submit its rectification.
  subjectOf: (context) => context.unitHead.id,
  // The inspectors and whoever was ordered to rectify act on the case, so they may read it.
  involvedOf: (context) => [
    ...context.inspectors.map((inspector) => inspector.id),
    ...(context.rectification ? [context.rectification.responsible.id] : []),
  ],
  validateStart: validateInspectionPlan,
  validateEvent: validateInspectionEvent,
};

/** Every version of supervisionInspection, oldest first. */
export const supervisionInspectionDefinitions: readonly WorkflowDefinition[] = [supervisionInspectionV1];
