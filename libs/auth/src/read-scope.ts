import type { Actor } from '@app/engine/actor';
import type { DirectoryService } from './directory.service';

/**
 * What read scope needs to know about a case. Projections should keep
 * `responsibleGroups` / `responsibleRoles` as every group and role that has been
 * responsible for the case so far (not only the current state's), so the office
 * still sees a departure it filed after the case moved on.
 */
export interface CaseSummary {
  process: string;
  /** The person the case is about (applicant, returnee, the person with a fever, the reviewed person). */
  subjectId?: string;
  /** The subject's unit, or the inspected unit / enterprise. Derived from `subjectId` when absent. */
  subjectUnit?: string;
  startedBy?: string;
  responsibleGroups?: string[];
  responsibleRoles?: string[];
  /** Everyone else the case names: companions, inspectors, a reviewer, assigned people. */
  involvedPersonIds?: string[];
}

/**
 * Read scope for list queries: a case is visible when ANY condition holds.
 * `{ all: true }` means no restriction. Translate it into the query's WHERE clause:
 * `subjectId IN personIds OR startedBy IN personIds OR involvedPersonIds ∩ personIds
 *  OR subjectUnit IN units OR responsibleGroups ∩ groups OR responsibleRoles ∩ roles`.
 */
export type ReadScopeFilter =
  | { all: true; reason: 'leadership' | 'auditor' | 'admin' | 'system' }
  | {
      all: false;
      /** The actor's own id: cases they are the subject of, started, or are named in. */
      personIds: string[];
      /** Units the actor heads: cases whose subject (or inspected unit) is in them. */
      units: string[];
      /** Working groups the actor belongs to: cases a group of theirs has been responsible for. */
      groups: string[];
      /** Roles the actor holds that cases name as responsible (office, dutyOfficer, ...). */
      roles: string[];
    };

/**
 * Roles too broad to grant reading by themselves: every employee holds `staff`,
 * so a state naming `{ role: 'staff' }` must not open the case to everybody.
 */
const NON_SCOPING_ROLES = new Set(['staff', 'retiree', 'auditor']);

/**
 * Describes which cases the actor may read (see `ReadScopeFilter`).
 * Leadership-group members (the chief, the deputies, the members), auditors and
 * admins see all cases; everyone else sees their own, their unit's if they head
 * it, and those their working groups or duty roles have been responsible for.
 * System actors see all (the engine's own workers).
 */
export function readScopeFilter(actor: Actor): ReadScopeFilter {
  if (actor.kind === 'system') return { all: true, reason: 'system' };
  const roles = actor.roles;
  if (roles.includes('auditor')) return { all: true, reason: 'auditor' };
  if (roles.includes('admin')) return { all: true, reason: 'admin' };
  if (roles.includes('chief') || roles.includes('deputy') || (actor.groups ?? []).includes('leadership')) {
    return { all: true, reason: 'leadership' };
  }
  return {
    all: false,
    personIds: [actor.id],
    units: roles.includes('unitHead') && actor.unit !== undefined ? [actor.unit] : [],
    groups: (actor.groups ?? []).filter((g) => g !== 'leadership'),
    roles: roles.filter((r) => !NON_SCOPING_ROLES.has(r)),
  };
}

/** Whether a case summary falls inside a filter. `directory` fills in the subject's unit when the summary lacks it. */
export function matchesReadScope(
  filter: ReadScopeFilter,
  summary: CaseSummary,
  directory?: Pick<DirectoryService, 'byId'>,
): boolean {
  if (filter.all) return true;
  const people = new Set(filter.personIds);
  if (summary.subjectId !== undefined && people.has(summary.subjectId)) return true;
  if (summary.startedBy !== undefined && people.has(summary.startedBy)) return true;
  if ((summary.involvedPersonIds ?? []).some((id) => people.has(id))) return true;
  const unit =
    summary.subjectUnit ?? (summary.subjectId === undefined ? undefined : directory?.byId(summary.subjectId)?.unit);
  if (unit !== undefined && filter.units.includes(unit)) return true;
  if ((summary.responsibleGroups ?? []).some((g) => filter.groups.includes(g))) return true;
  if ((summary.responsibleRoles ?? []).some((r) => filter.roles.includes(r))) return true;
  return false;
}

/**
 * Whether the actor may read this case (single reads: `GET /cases/:id`, its history).
 * Same rule as `readScopeFilter`, so a list never shows a case a single read refuses.
 * The actor's unit-head standing is checked against the directory, not only the token.
 */
export function canReadCase(
  actor: Actor,
  directory: Pick<DirectoryService, 'byId' | 'headOf'>,
  caseSummary: CaseSummary,
): boolean {
  const filter = readScopeFilter(actor);
  if (!filter.all && filter.units.length > 0) {
    filter.units = filter.units.filter((u) => directory.headOf(u)?.id === actor.id);
  }
  return matchesReadScope(filter, caseSummary, directory);
}

/** Auditors read everything and change nothing: refuse every command, start and admin action for them. */
export function isReadOnly(actor: Actor): boolean {
  return actor.kind === 'user' && actor.roles.includes('auditor');
}
