import { parseInstant, type ValidationIssue, type WorkflowDefinition } from '@app/engine';
import {
  FEVER_THRESHOLD_CELSIUS,
  type FeverDetection,
  FeverDetection as FeverDetectionClass,
  feverEscalationEvents,
  isFever,
} from './fever-escalation.events';
import { type FeverEscalationContext, feverEscalationMachineV1 } from './fever-escalation.machine';
import { feverEscalationPolicy, feverEscalationStartPolicy } from './fever-escalation.policy';

export * from './fever-escalation.events';
export * from './fever-escalation.machine';
export * from './fever-escalation.policy';

/** A clock a few minutes ahead of the server's is not an error; a detection in the future is. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Older detections are typos, not late paperwork. */
const MAX_DETECTION_AGE_MS = 30 * 24 * 3_600_000;

/**
 * Cross-field rules of a detection (bad input, never a refusal): the reading
 * must be a fever, and the detection must lie in the past month, not later
 * than the case's opening.
 */
export function validateFeverDetection(input: FeverDetection, occurredAt: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isFever(input.celsius)) {
    issues.push({
      property: 'celsius',
      constraints: { isFever: `celsius must be at least ${FEVER_THRESHOLD_CELSIUS} °C to open a fever escalation` },
    });
  }
  const detectedAt = parseInstant(input.detectedAt)!;
  const now = parseInstant(occurredAt)!;
  if (detectedAt > now + CLOCK_SKEW_MS) {
    issues.push({ property: 'detectedAt', constraints: { isNotInFuture: 'detectedAt must not be in the future' } });
  } else if (detectedAt < now - MAX_DETECTION_AGE_MS) {
    issues.push({ property: 'detectedAt', constraints: { isRecent: 'detectedAt must be within the last 30 days' } });
  }
  return issues;
}

/** 发热处置 v1. */
export const feverEscalationV1: WorkflowDefinition<FeverEscalationContext> = {
  process: 'feverEscalation',
  version: 1,
  title: '发热处置',
  machine: feverEscalationMachineV1,
  startInput: FeverDetectionClass,
  events: feverEscalationEvents,
  startPolicy: feverEscalationStartPolicy,
  policy: feverEscalationPolicy,
  subjectOf: (context) => context.person.id,
  validateStart: validateFeverDetection,
};

/** Every version of feverEscalation, oldest first. */
export const feverEscalationDefinitions: readonly WorkflowDefinition[] = [feverEscalationV1];
