import { type DirectoryService, readScopeFilter } from '@app/auth';
import type { Actor } from '@app/engine';

/** A read-scope condition for a query over `case_index` (aliased), with its named parameters. */
export interface ScopeSql {
  sql: string;
  params: Record<string, string>;
}

/**
 * libs/auth's read scope (`readScopeFilter` + `canReadCase`) as a WHERE
 * clause, so lists page and count only what single reads would show:
 * the actor's own cases (subject, starter, named as responsible), the units
 * they head (checked against the directory, not only the token), the groups
 * and duty roles that have ever been responsible. `undefined`: no restriction.
 *
 * The unit rule matches `matchesReadScope` with the summaries
 * `CaseSummaryReader` gives: a subject who is a user is placed by the
 * directory's unit; only a subject who is not (an inspected enterprise, an
 * outsider) by the unit the case records.
 */
export function readScopeSql(actor: Actor, directory: DirectoryService, alias = 'c'): ScopeSql | undefined {
  const filter = readScopeFilter(actor);
  if (filter.all) return undefined;
  const units = filter.units.filter((unit) => directory.headOf(unit)?.id === actor.id);
  const people = directory.people();
  const unitPeople = people.filter((p) => p.unit !== undefined && units.includes(p.unit)).map((p) => p.id);
  const party = (kind: string, param: string) =>
    `EXISTS (SELECT 1 FROM case_parties sp WHERE sp.case_id = ${alias}.id AND sp.kind = '${kind}' AND sp.value IN (SELECT value FROM json_each(@${param})))`;
  const sql = `(
    ${alias}.subject_id IN (SELECT value FROM json_each(@scopePersons))
    OR ${alias}.started_by_id IN (SELECT value FROM json_each(@scopePersons))
    OR ${party('person', 'scopePersons')}
    OR ${alias}.subject_id IN (SELECT value FROM json_each(@scopeUnitPeople))
    OR ((${alias}.subject_id IS NULL OR ${alias}.subject_id NOT IN (SELECT value FROM json_each(@scopeAllPeople)))
        AND ${alias}.subject_unit IN (SELECT value FROM json_each(@scopeUnits)))
    OR ${party('group', 'scopeGroups')}
    OR ${party('role', 'scopeRoles')}
  )`;
  return {
    sql,
    params: {
      scopePersons: JSON.stringify(filter.personIds),
      scopeUnitPeople: JSON.stringify(unitPeople),
      scopeAllPeople: JSON.stringify(units.length > 0 ? people.map((p) => p.id) : []),
      scopeUnits: JSON.stringify(units),
      scopeGroups: JSON.stringify(filter.groups),
      scopeRoles: JSON.stringify(filter.roles),
    },
  };
}
