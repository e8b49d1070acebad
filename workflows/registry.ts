import { type DeadlineOverrides, type WorkflowDefinition, WorkflowRegistry } from '@app/engine';
import { accountabilityReviewDefinitions } from './accountabilityReview';
import { dutyReportDefinitions } from './dutyReport';
import { feverEscalationDefinitions } from './feverEscalation';
import { leaveApprovalDefinitions } from './leaveApproval';
import { returnScreeningDefinitions } from './returnScreening';
import { supervisionInspectionDefinitions } from './supervisionInspection';

/** Every version of every process this deployment runs. Adding a process is one line here. */
export const ALL_WORKFLOW_DEFINITIONS: readonly WorkflowDefinition[] = [
  ...leaveApprovalDefinitions,
  ...returnScreeningDefinitions,
  ...feverEscalationDefinitions,
  ...supervisionInspectionDefinitions,
  ...accountabilityReviewDefinitions,
  ...dutyReportDefinitions,
];

/**
 * The registry of all known workflows, with the deployment's deadline
 * overrides (`{ [process]: { [state]: 'PT8H' | { at, plus } } }`) applied.
 *
 * @throws EngineError `ENGINE.INVALID_CONFIG` for a malformed override or one naming an unknown state.
 */
export function createWorkflowRegistry(overrides: DeadlineOverrides = {}): WorkflowRegistry {
  const registry = new WorkflowRegistry(overrides);
  for (const def of ALL_WORKFLOW_DEFINITIONS) registry.register(def);
  registry.assertOverridesUsed();
  return registry;
}
