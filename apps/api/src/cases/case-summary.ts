import type { DirectoryService } from '@app/auth/directory.service';
import type { CaseSummary } from '@app/auth/read-scope';
import { subjectFacts } from '@app/projections';
import {
  type CaseState,
  type EventMetadata,
  type StoredEventLike,
  type WorkflowDefinition,
  activeStateKeys,
  getPath,
  machineInfo,
} from '@app/engine';

/**
 * What read scope needs to know of a case, from its history: the subject,
 * who started it, and every role, group and person that has been responsible
 * for it so far (the office still sees a departure it filed after it moved on).
 */
export function summariseCase(
  def: WorkflowDefinition,
  state: CaseState,
  events: readonly StoredEventLike[],
  directory: Pick<DirectoryService, 'byId' | 'unitById'>,
): CaseSummary {
  const { states } = machineInfo(def);
  const roles = new Set<string>();
  const groups = new Set<string>();
  const people = new Set<string>();
  for (const event of events) {
    const stateAfter = (event.metadata as EventMetadata).stateAfter;
    if (stateAfter === undefined || stateAfter === null) continue;
    for (const key of activeStateKeys(stateAfter)) {
      const responsible = states.get(key)?.responsible;
      if (!responsible) continue;
      if ('role' in responsible) roles.add(responsible.role);
      else if ('group' in responsible) groups.add(responsible.group);
      else {
        const person = getPath(state.context, responsible.person);
        if (typeof person === 'string') people.add(person);
      }
    }
  }
  // The same subject rule as the case index, so a list never shows a case a single read refuses:
  // a subject who is not a person in the directory (an inspected enterprise) scopes by the unit the case names.
  const subject = subjectFacts(def, state.context);
  const subjectIsUser = subject.id !== undefined && directory.byId(subject.id) !== undefined;
  const subjectUnit =
    !subjectIsUser && subject.unit !== undefined && directory.unitById(subject.unit) !== undefined
      ? subject.unit
      : undefined;
  return {
    process: state.process,
    subjectId: subject.id,
    ...(subjectUnit !== undefined ? { subjectUnit } : {}),
    startedBy: state.startedBy.id,
    responsibleRoles: [...roles],
    responsibleGroups: [...groups],
    involvedPersonIds: [...new Set([...people, ...(def.involvedOf?.(state.context) ?? [])])],
  };
}
