import { DirectoryService, readScopeFilter } from '@app/auth';
import type { Actor } from '@app/engine';
import { Injectable } from '@nestjs/common';
import { unitName } from '../cases/party-names';
import { ProjectionDatabase } from '../runner/projection-database';
import { StatementCache } from '../runner/statement-cache';
import type { MovementPhase } from './movement-register.projection';

/** `?status=` of the register: a phase, `overdue` (away and not back by the due time), or `all`. */
export const MOVEMENT_STATUSES = ['pending', 'planned', 'away', 'overdue', 'returned', 'cancelled', 'all'] as const;
export type MovementStatusFilter = (typeof MOVEMENT_STATUSES)[number];

export interface MovementQuery {
  /** Default: the register proper, `planned`, `away` (overdue included) and `returned`. */
  status?: MovementStatusFilter;
  /** The applicant's unit (id; the unit's name as the application gives it also matches). */
  unit?: string;
  /** Part of the applicant's name or the destination (case-insensitive). */
  q?: string;
  page?: number;
  pageSize?: number;
}

/** One line of the register (登记造册). */
export interface MovementEntry {
  caseId: string;
  applicant: { id: string | null; name: string | null; unit: { id: string; name: string } | null };
  destination: { placeCode: string | null; name: string | null };
  leavesCity: boolean;
  specialReason: string | null;
  companions: Array<{ name: string; relation?: string }>;
  /** Planned departure and return (as filed). */
  departAt: string | null;
  returnAt: string | null;
  /** Due back by: the return time plus the grace; the traveller is overdue after it. */
  returnDueAt: string | null;
  /** Reported departure and return. */
  departedAt: string | null;
  returnedAt: string | null;
  epidemiologicalHistory: unknown;
  destinationRisk: unknown;
  /** The destination turned medium/high risk after approval. */
  riskAlert: unknown;
  status: MovementPhase;
  /** Away and past the due time (or a missed return deadline is on record). */
  overdue: boolean;
  /** How far past the due time, now (away) or at the return (returned late). */
  overdueByMs: number | null;
  returnedLate: boolean;
  /** The case's leaf state. */
  state: string;
  requestedAt: string | null;
  approvedAt: string | null;
  filedAt: string | null;
  updatedAt: string;
}

export interface MovementPage {
  items: MovementEntry[];
  page: number;
  pageSize: number;
  total: number;
  /** The moment `overdue` was judged at. */
  asOf: string;
}

interface MovementRow {
  case_id: string;
  applicant_id: string | null;
  applicant_name: string | null;
  applicant_unit: string | null;
  destination_code: string | null;
  destination_name: string | null;
  leaves_city: number;
  special_reason: string | null;
  companions: string;
  depart_at: string | null;
  return_at: string | null;
  return_due_at: string | null;
  departed_at: string | null;
  returned_at: string | null;
  epidemiological_history: string | null;
  destination_risk: string | null;
  risk_alert: string | null;
  overdue_recorded_at: string | null;
  state: string;
  phase: MovementPhase;
  requested_at: string | null;
  approved_at: string | null;
  filed_at: string | null;
  updated_at: string;
}

/**
 * Who may read the register: the office that keeps it (the coordination
 * group, the office role), the leadership, auditors (and admins, who read
 * every case anyway).
 */
export function mayReadMovements(actor: Actor): boolean {
  if (actor.kind !== 'user') return false;
  const scope = readScopeFilter(actor);
  if (scope.all) return true;
  return (actor.groups ?? []).includes('coordination') || actor.roles.includes('office');
}

const OVERDUE_SQL = "(m.phase = 'away' AND (m.overdue_recorded_at IS NOT NULL OR m.return_due_at < @now))";

/** `GET /register/movements`. */
@Injectable()
export class MovementRegisterQuery {
  private readonly statements: StatementCache;
  private readonly snapshot: <T>(read: () => T) => T;

  constructor(
    db: ProjectionDatabase,
    private readonly directory: DirectoryService,
  ) {
    this.statements = new StatementCache(db.reader);
    const tx = db.reader.transaction((read: () => unknown) => read());
    this.snapshot = <T>(read: () => T) => tx.deferred(read) as T;
  }

  /** The register as of `now`; check `mayReadMovements` first. */
  list(query: MovementQuery, now: Date): MovementPage {
    const page = Math.max(1, Math.floor(query.page ?? 1));
    const pageSize = Math.min(500, Math.max(1, Math.floor(query.pageSize ?? 100)));
    const where: string[] = [];
    const params: Record<string, unknown> = { now: now.toISOString() };
    switch (query.status ?? undefined) {
      case undefined:
        where.push("m.phase IN ('planned', 'away', 'returned')");
        break;
      case 'all':
        break;
      case 'overdue':
        where.push(OVERDUE_SQL);
        break;
      default:
        where.push('m.phase = @phase');
        params.phase = query.status;
    }
    if (query.unit !== undefined) {
      where.push('m.applicant_unit IN (@unit, @unitName)');
      params.unit = query.unit;
      params.unitName = unitName(this.directory, query.unit);
    }
    if (query.q !== undefined && query.q.trim() !== '') {
      where.push(
        "(lower(coalesce(m.applicant_name, '') || ' ' || coalesce(m.destination_name, '')) LIKE @q ESCAPE '\\')",
      );
      params.q = `%${query.q
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [total, rows] = this.snapshot(() => [
      this.statements.get(`SELECT count(*) AS n FROM movements m ${whereSql}`).get(params) as { n: number },
      this.statements
        .get(
          `SELECT m.* FROM movements m ${whereSql}
         ORDER BY CASE m.phase WHEN 'away' THEN 0 WHEN 'planned' THEN 1 WHEN 'pending' THEN 2 WHEN 'returned' THEN 3 ELSE 4 END,
           m.depart_at DESC, m.case_id
         LIMIT @limit OFFSET @offset`,
        )
        .all({ ...params, limit: pageSize, offset: (page - 1) * pageSize }) as MovementRow[],
    ]);
    return {
      items: rows.map((row) => this.toEntry(row, now)),
      page,
      pageSize,
      total: total.n,
      asOf: params.now as string,
    };
  }

  private toEntry(row: MovementRow, now: Date): MovementEntry {
    const due = row.return_due_at === null ? undefined : Date.parse(row.return_due_at);
    const away = row.phase === 'away';
    const overdue = away && (row.overdue_recorded_at !== null || (due !== undefined && now.getTime() > due));
    const returnedLate = row.returned_at !== null && due !== undefined && Date.parse(row.returned_at) > due;
    const late = away ? now.getTime() : row.returned_at !== null ? Date.parse(row.returned_at) : undefined;
    const parse = (value: string | null) => (value === null ? null : JSON.parse(value));
    return {
      caseId: row.case_id,
      applicant: {
        id: row.applicant_id,
        name: row.applicant_name,
        unit:
          row.applicant_unit === null
            ? null
            : { id: row.applicant_unit, name: unitName(this.directory, row.applicant_unit) },
      },
      destination: { placeCode: row.destination_code, name: row.destination_name },
      leavesCity: row.leaves_city === 1,
      specialReason: row.special_reason,
      companions: JSON.parse(row.companions),
      departAt: row.depart_at,
      returnAt: row.return_at,
      returnDueAt: row.return_due_at,
      departedAt: row.departed_at,
      returnedAt: row.returned_at,
      epidemiologicalHistory: parse(row.epidemiological_history),
      destinationRisk: parse(row.destination_risk),
      riskAlert: parse(row.risk_alert),
      status: row.phase,
      overdue,
      overdueByMs:
        (overdue || returnedLate) && due !== undefined && late !== undefined ? Math.max(0, late - due) : null,
      returnedLate,
      state: row.state,
      requestedAt: row.requested_at,
      approvedAt: row.approved_at,
      filedAt: row.filed_at,
      updatedAt: row.updated_at,
    };
  }
}
