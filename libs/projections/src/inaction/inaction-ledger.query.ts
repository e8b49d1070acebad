import { DirectoryService, readScopeFilter } from '@app/auth';
import type { Actor } from '@app/engine';
import { Injectable } from '@nestjs/common';
import { groupName, ROLE_LABELS, unitName } from '../cases/party-names';
import { ProjectionDatabase } from '../runner/projection-database';
import { StatementCache } from '../runner/statement-cache';

export interface InactionQuery {
  /** Deadlines due at or after this instant. */
  from?: string;
  /** Deadlines due before this instant. */
  to?: string;
  /** Whoever held the case belongs to this unit (a person's unit, a role's holders' units, a group's staffing units). */
  unit?: string;
  /** Whoever held the case is, or belongs to, this group. */
  group?: string;
  process?: string;
  /** Only entries whose case is still waiting in the state (true) or has left it (false). */
  open?: boolean;
  page?: number;
  pageSize?: number;
}

/** Who held a case when its deadline passed, resolved against the organisation directory now. */
export interface Holder {
  kind: 'role' | 'group' | 'person';
  id: string;
  name: string;
  /** The people it stands for: the person, the holders of the role, the members of the group. */
  people: Array<{ id: string; name: string }>;
  units: Array<{ id: string; name: string }>;
  groups: Array<{ id: string; name: string }>;
}

/** One missed deadline (a DEADLINE_MISSED) and what became of it. */
export interface InactionEntry {
  eventId: string;
  caseId: string;
  process: string;
  title: string;
  state: string;
  stateLabel: string | null;
  /** As the state declares it. */
  responsible: unknown;
  heldBy: Holder;
  subject: { id: string | null; name: string | null; unit: string | null };
  /** When the case entered the state (the deadline was armed). */
  enteredAt: string | null;
  dueAt: string;
  /** When the miss was recorded, and how late it was then. */
  missedAt: string;
  lateByMsAtRecord: number;
  /** When the case left the state; null while it still waits there. */
  leftAt: string | null;
  leftTo: unknown;
  stillWaiting: boolean;
  /** Time past the deadline until the case left the state (or until now). */
  overdueMs: number;
  /** Time in the state in all, from entering to leaving (or now). */
  waitedMs: number | null;
}

export interface InactionReport {
  items: InactionEntry[];
  page: number;
  pageSize: number;
  total: number;
  /** Over every matching entry, not only this page. */
  totals: {
    entries: number;
    stillWaiting: number;
    overdueMs: number;
    byHolder: Array<{ kind: string; id: string; name: string; entries: number; overdueMs: number }>;
  };
  asOf: string;
}

interface InactionRow {
  event_id: string;
  case_id: string;
  process: string;
  title: string;
  state: string;
  state_label: string | null;
  responsible: string;
  held_by_kind: 'role' | 'group' | 'person';
  held_by_id: string;
  due_at: string;
  missed_at: string;
  late_by_ms: number;
  entered_at: string | null;
  left_at: string | null;
  left_to: string | null;
  subject_id: string | null;
  subject_name: string | null;
  subject_unit: string | null;
}

/** The accountability report is for the leadership and auditors (and admins, who see every case). */
export function mayReadInaction(actor: Actor): boolean {
  if (actor.kind !== 'user') return false;
  const scope = readScopeFilter(actor);
  return scope.all && scope.reason !== 'system';
}

/** `GET /accountability/inaction`. */
@Injectable()
export class InactionLedgerQuery {
  private readonly statements: StatementCache;

  constructor(
    db: ProjectionDatabase,
    private readonly directory: DirectoryService,
  ) {
    this.statements = new StatementCache(db.reader);
  }

  /** The ledger as of `now`; check `mayReadInaction` first. */
  report(query: InactionQuery, now: Date): InactionReport {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (query.from !== undefined) {
      where.push('i.due_at >= @from');
      params.from = new Date(query.from).toISOString();
    }
    if (query.to !== undefined) {
      where.push('i.due_at < @to');
      params.to = new Date(query.to).toISOString();
    }
    if (query.process !== undefined) {
      where.push('i.process = @process');
      params.process = query.process;
    }
    if (query.open !== undefined) where.push(query.open ? 'i.left_at IS NULL' : 'i.left_at IS NOT NULL');
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.statements
      .get(`SELECT i.* FROM inaction i ${whereSql} ORDER BY i.due_at, i.event_id`)
      .all(params) as InactionRow[];

    const holders = new Map<string, Holder>();
    const holderOf = (row: InactionRow): Holder => {
      const key = `${row.held_by_kind}:${row.held_by_id}`;
      let holder = holders.get(key);
      if (!holder) {
        holder = this.resolveHolder(row.held_by_kind, row.held_by_id);
        holders.set(key, holder);
      }
      return holder;
    };
    const entries = rows
      .map((row) => this.toEntry(row, holderOf(row), now))
      .filter(
        (entry) =>
          (query.unit === undefined || entry.heldBy.units.some((unit) => unit.id === query.unit)) &&
          (query.group === undefined || entry.heldBy.groups.some((group) => group.id === query.group)),
      );

    const byHolder = new Map<string, { kind: string; id: string; name: string; entries: number; overdueMs: number }>();
    for (const entry of entries) {
      const key = `${entry.heldBy.kind}:${entry.heldBy.id}`;
      const sum = byHolder.get(key) ?? {
        kind: entry.heldBy.kind,
        id: entry.heldBy.id,
        name: entry.heldBy.name,
        entries: 0,
        overdueMs: 0,
      };
      sum.entries++;
      sum.overdueMs += entry.overdueMs;
      byHolder.set(key, sum);
    }
    const page = Math.max(1, Math.floor(query.page ?? 1));
    const pageSize = Math.min(1000, Math.max(1, Math.floor(query.pageSize ?? 100)));
    return {
      items: entries.slice((page - 1) * pageSize, page * pageSize),
      page,
      pageSize,
      total: entries.length,
      totals: {
        entries: entries.length,
        stillWaiting: entries.filter((entry) => entry.stillWaiting).length,
        overdueMs: entries.reduce((sum, entry) => sum + entry.overdueMs, 0),
        byHolder: [...byHolder.values()].sort((a, b) => b.overdueMs - a.overdueMs),
      },
      asOf: now.toISOString(),
    };
  }

  /** Who a `heldBy` stands for, by the directory as it is now. */
  resolveHolder(kind: Holder['kind'], id: string): Holder {
    const ref = (unit: string) => ({ id: unit, name: unitName(this.directory, unit) });
    const group = (g: string) => ({ id: g, name: groupName(this.directory, g) });
    if (kind === 'person') {
      const person = this.directory.byId(id);
      return {
        kind,
        id,
        name: person?.name ?? id,
        people: person ? [{ id: person.id, name: person.name }] : [],
        units: person?.unit ? [ref(person.unit)] : [],
        groups: person ? this.directory.groupsOf(person).map(group) : [],
      };
    }
    if (kind === 'group') {
      const members = this.directory.membersOfGroup(id);
      return {
        kind,
        id,
        name: groupName(this.directory, id),
        people: members.map((p) => ({ id: p.id, name: p.name })),
        units: (this.directory.workingGroup(id)?.staffedBy ?? []).map(ref),
        groups: [group(id)],
      };
    }
    const holders = this.directory.peopleWithRole(id);
    const units = [...new Set(holders.map((p) => p.unit).filter((u): u is string => u !== undefined))];
    // The groups every holder of the role belongs to (the office role → the coordination group).
    let shared: Set<string> | undefined;
    for (const holder of holders) {
      const groups = new Set<string>(this.directory.groupsOf(holder));
      if (shared === undefined) shared = groups;
      else for (const g of shared) if (!groups.has(g)) shared.delete(g);
    }
    return {
      kind: 'role',
      id,
      name: ROLE_LABELS[id] ?? id,
      people: holders.map((p) => ({ id: p.id, name: p.name })),
      units: units.map(ref),
      groups: [...(shared ?? [])].map(group),
    };
  }

  private toEntry(row: InactionRow, heldBy: Holder, now: Date): InactionEntry {
    const end = row.left_at === null ? now.getTime() : Date.parse(row.left_at);
    return {
      eventId: row.event_id,
      caseId: row.case_id,
      process: row.process,
      title: row.title,
      state: row.state,
      stateLabel: row.state_label,
      responsible: JSON.parse(row.responsible),
      heldBy,
      subject: { id: row.subject_id, name: row.subject_name, unit: row.subject_unit },
      enteredAt: row.entered_at,
      dueAt: row.due_at,
      missedAt: row.missed_at,
      lateByMsAtRecord: row.late_by_ms,
      leftAt: row.left_at,
      leftTo: row.left_to === null ? null : JSON.parse(row.left_to),
      stillWaiting: row.left_at === null,
      overdueMs: Math.max(0, end - Date.parse(row.due_at)),
      waitedMs: row.entered_at === null ? null : Math.max(0, end - Date.parse(row.entered_at)),
    };
  }
}
