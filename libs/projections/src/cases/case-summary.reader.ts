import { type CaseSummary, canReadCase, DirectoryService } from '@app/auth';
import type { Actor } from '@app/engine';
import { Injectable } from '@nestjs/common';
import { ProjectionDatabase } from '../runner/projection-database';
import { StatementCache } from '../runner/statement-cache';
import type { PartyRef } from './case-facts';
import { type NamedParty, nameParty, unitName } from './party-names';

/** A `case_index` row as stored. */
export interface CaseRow {
  id: string;
  uuid: string;
  process: string;
  version: number;
  title: string;
  state_value: string;
  states: string;
  labels: string;
  status: string;
  subject_id: string | null;
  subject_name: string | null;
  subject_unit: string | null;
  started_by_id: string;
  started_by_name: string;
  started_at: string;
  started_position: number;
  updated_at: string;
  revision: number;
  position: number;
  responsible: string;
  due_at: string | null;
  overdue: number;
  overdue_since: string | null;
  parent_id: string | null;
}

/** One case as the case index shows it (`GET /cases` items). */
export interface CaseIndexEntry {
  /** The public case id (stream name `<process>-<uuid>`). */
  id: string;
  process: string;
  version: number;
  /** The process title (外出审批…). */
  title: string;
  /** The XState state value. */
  state: unknown;
  /** Leaf state keys. */
  states: string[];
  /** Chinese labels of the leaf states, where the definition has them. */
  stateLabels: Record<string, string>;
  /** `active`, or `done` once a final state is reached. */
  status: string;
  subject: { id: string | null; name: string | null; unit: { id: string; name: string } | null };
  startedBy: { id: string; name: string };
  startedAt: string;
  updatedAt: string;
  revision: number;
  /** Who must act now (the current states' responsible parties, persons resolved). */
  responsible: NamedParty[];
  /** The earliest armed deadline of the current states. */
  dueAt: string | null;
  /** A DEADLINE_MISSED for a state the case has not left since. */
  overdue: boolean;
  overdueSince: string | null;
  parentId: string | null;
  /** Linked cases this one opened (only those the reader may read). */
  children: string[];
}

/**
 * Reads single cases from the case index: the read-scope summary libs/auth's
 * `canReadCase` expects (every group, role and person ever responsible), and
 * the parent and children for a case view. What `GET /cases/:id` can use.
 * Reads what the projection has applied: after an append, wait for its
 * position (`ProjectionRunner.waitForPosition`) to see it.
 */
@Injectable()
export class CaseSummaryReader {
  private readonly statements: StatementCache;

  constructor(
    db: ProjectionDatabase,
    private readonly directory: DirectoryService,
  ) {
    this.statements = new StatementCache(db.reader);
  }

  /** The stored row, or undefined for a case the index does not (yet) have. */
  row(caseId: string): CaseRow | undefined {
    return this.statements.get('SELECT * FROM case_index WHERE id = ?').get(caseId) as CaseRow | undefined;
  }

  /** What read scope needs to know about the case (see libs/auth `CaseSummary`). */
  summary(caseId: string): CaseSummary | undefined {
    const row = this.row(caseId);
    return row ? this.summaryOf(row) : undefined;
  }

  /** Whether the actor may read the case; false for a case the index does not have. */
  canRead(actor: Actor, caseId: string): boolean {
    const summary = this.summary(caseId);
    return summary !== undefined && canReadCase(actor, this.directory, summary);
  }

  /** The case as the index shows it, if the actor may read it. */
  entry(actor: Actor, caseId: string): CaseIndexEntry | undefined {
    const row = this.row(caseId);
    if (!row || !canReadCase(actor, this.directory, this.summaryOf(row))) return undefined;
    return this.toEntry(row, this.readableChildren(actor, row.id));
  }

  /** Parent and children ids for a case view (children limited to those the actor may read). */
  links(actor: Actor, caseId: string): { parent: string | null; children: string[] } | undefined {
    const row = this.row(caseId);
    if (!row) return undefined;
    return { parent: row.parent_id, children: this.readableChildren(actor, caseId) };
  }

  /** @internal Rows of a case's children, oldest first. */
  childRows(caseId: string): CaseRow[] {
    return this.statements
      .get('SELECT * FROM case_index WHERE parent_id = ? ORDER BY started_position')
      .all(caseId) as CaseRow[];
  }

  /** @internal */
  summaryOf(row: CaseRow): CaseSummary {
    const parties = this.statements.get('SELECT kind, value FROM case_parties WHERE case_id = ?').all(row.id) as Array<{
      kind: string;
      value: string;
    }>;
    const summary: CaseSummary = {
      process: row.process,
      startedBy: row.started_by_id,
      responsibleGroups: parties.filter((p) => p.kind === 'group').map((p) => p.value),
      responsibleRoles: parties.filter((p) => p.kind === 'role').map((p) => p.value),
      involvedPersonIds: parties.filter((p) => p.kind === 'person').map((p) => p.value),
    };
    if (row.subject_id !== null) summary.subjectId = row.subject_id;
    // A subject who is a user is placed by the directory (canReadCase's fallback); the unit a case
    // records counts only for a subject who is not one (an inspected enterprise), and only if it is a real unit.
    const subjectIsUser = row.subject_id !== null && this.directory.byId(row.subject_id) !== undefined;
    if (!subjectIsUser && row.subject_unit !== null && this.directory.unitById(row.subject_unit) !== undefined) {
      summary.subjectUnit = row.subject_unit;
    }
    return summary;
  }

  /** @internal */
  toEntry(row: CaseRow, children: string[]): CaseIndexEntry {
    const responsible = (JSON.parse(row.responsible) as PartyRef[]).map((party) =>
      nameParty(this.directory, party, party.id === row.subject_id ? (row.subject_name ?? undefined) : undefined),
    );
    return {
      id: row.id,
      process: row.process,
      version: row.version,
      title: row.title,
      state: JSON.parse(row.state_value),
      states: JSON.parse(row.states),
      stateLabels: JSON.parse(row.labels),
      status: row.status,
      subject: {
        id: row.subject_id,
        name: row.subject_name,
        unit:
          row.subject_unit === null ? null : { id: row.subject_unit, name: unitName(this.directory, row.subject_unit) },
      },
      startedBy: { id: row.started_by_id, name: row.started_by_name },
      startedAt: row.started_at,
      updatedAt: row.updated_at,
      revision: row.revision,
      responsible,
      dueAt: row.due_at,
      overdue: row.overdue === 1,
      overdueSince: row.overdue_since,
      parentId: row.parent_id,
      children,
    };
  }

  private readableChildren(actor: Actor, caseId: string): string[] {
    return this.childRows(caseId)
      .filter((child) => canReadCase(actor, this.directory, this.summaryOf(child)))
      .map((child) => child.id);
  }
}
