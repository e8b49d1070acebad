import { EngineError } from './engine-error';
import { machineInfo } from './machine-info';
import { parseDuration } from './time';
import type { DeadlineSpec, WorkflowDefinition } from './workflow-definition';

/**
 * The deadline of every waiting state of a case, by state key: what the case
 * arms when it enters one of them. Recorded in CASE_STARTED
 * (`metadata.deadlines`) from the deployment's configuration at that moment,
 * and kept for the case's life, as its machine version is: a deployment that
 * changes its deadlines changes them for new cases only, so a running case's
 * due times do not shift under it and a replay arms what the live run armed.
 */
export type CaseDeadlines = Readonly<Record<string, DeadlineSpec>>;

/** The deadlines a case opened on `def` now runs under: `meta.deadline`, overridden by the deployment. */
export function effectiveDeadlines(def: WorkflowDefinition): CaseDeadlines {
  return machineInfo(def).deadlines;
}

/**
 * The deadlines a case runs under, from its CASE_STARTED metadata. A case
 * recorded before deadlines were recorded runs under the definition's
 * current ones.
 *
 * @throws EngineError `ENGINE.CORRUPT_HISTORY` when the recorded deadlines
 *   are not ones this version could have recorded (unknown or final state,
 *   no responsible party, a malformed spec).
 */
export function recordedDeadlines(def: WorkflowDefinition, startedMetadata: Record<string, unknown>): CaseDeadlines {
  const recorded = startedMetadata.deadlines;
  if (recorded === undefined) return effectiveDeadlines(def);
  const corrupt = (reason: string): never => {
    throw new EngineError('ENGINE.CORRUPT_HISTORY', `The case's recorded deadlines are invalid: ${reason}`);
  };
  if (recorded === null || typeof recorded !== 'object' || Array.isArray(recorded)) corrupt('not an object');
  const { states } = machineInfo(def);
  for (const [key, spec] of Object.entries(recorded as Record<string, unknown>)) {
    const state = states.get(key);
    if (!state || state.final || !state.responsible) corrupt(`${key} is not a waiting state of v${def.version}`);
    if (deadlineSpecProblem(spec)) corrupt(`${key}: ${deadlineSpecProblem(spec)}`);
  }
  return recorded as CaseDeadlines;
}

/** @throws EngineError `ENGINE.INVALID_CONFIG` naming `where` for a malformed spec. */
export function assertDeadlineSpec(spec: unknown, where: string): asserts spec is DeadlineSpec {
  const problem = deadlineSpecProblem(spec);
  if (problem) throw new EngineError('ENGINE.INVALID_CONFIG', `Deadline for ${where}: ${problem}`, { where });
}

function deadlineSpecProblem(spec: unknown): string | undefined {
  try {
    if (typeof spec === 'string') {
      parseDuration(spec);
    } else if (spec && typeof spec === 'object' && typeof (spec as { at?: unknown }).at === 'string') {
      const { at, plus, ...rest } = spec as { at: string; plus?: unknown };
      if (at === '') return 'at must name a context path';
      if (Object.keys(rest).length > 0) return `unknown keys ${Object.keys(rest).join(', ')}`;
      if (plus !== undefined) parseDuration(plus as string);
    } else {
      return 'expected an ISO-8601 duration or { at: <context path>, plus?: <duration> }';
    }
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}
