import { deadlineDueAt, leafStateKeys, toIso } from '@app/engine';
import type Database from 'better-sqlite3';
import type { CaseChange, Projection, ProjectionWriter } from '../runner/projection';

/** The request as filed: `context.request` in workflows/leaveApproval (top-level fields in older shapes). */
interface LeaveRequest {
  applicant: { id: string; name: string; unit: string };
  destination: { placeCode: string; name: string };
  leavesCity: boolean;
  specialReason: string | null;
  companions: Array<{ name: string; relation?: string }>;
  departAt: string;
  returnAt: string;
  epidemiologicalHistory: Record<string, unknown>;
}

/**
 * What the register reads of a leaveApproval case's context (every field
 * optional, so a case of another version is shown with what it has).
 */
interface LeaveApprovalContext extends LeaveRequest {
  request: LeaveRequest;
  destinationRisk: { level: string; asOf: string | null };
  requestedAt: string;
  approval: { at: string } | null;
  filing: { at: string } | null;
  departure: { at: string } | null;
  return: { at: string } | null;
  overdue: { dueAt: string; recordedAt: string } | null;
  riskAlert: Record<string, unknown> | null;
}

/** The process the register is kept from. */
export const MOVEMENT_PROCESS = 'leaveApproval';

/**
 * Where a trip stands in the register: `pending` (awaiting approval or
 * filing), `planned` (approved and filed, not yet left), `away`,
 * `returned`, `cancelled` (refused, rejected or withdrawn).
 */
export type MovementPhase = 'pending' | 'planned' | 'away' | 'returned' | 'cancelled';

const PHASE_BY_STATE: Readonly<Record<string, MovementPhase>> = {
  screening: 'pending',
  awaitingChiefApproval: 'pending',
  awaitingOfficeFiling: 'pending',
  cleared: 'planned',
  away: 'away',
  returned: 'returned',
  refused: 'cancelled',
  rejected: 'cancelled',
  withdrawn: 'cancelled',
};

/** The plan's default grace after the registered return time (DOMAIN.md), used when the definition names none. */
const DEFAULT_RETURN_GRACE_MS = 12 * 3_600_000;

/**
 * The register of movements (登记造册), kept from leaveApproval cases: who
 * travels where, with whom, when they leave and are due back, when they
 * actually left and returned, and their epidemiological history.
 */
export class MovementRegisterProjection implements Projection {
  readonly name = 'movementRegister';
  readonly version = 1;

  create(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS movements (
        case_id TEXT PRIMARY KEY,
        applicant_id TEXT,
        applicant_name TEXT,
        applicant_unit TEXT,
        destination_code TEXT,
        destination_name TEXT,
        leaves_city INTEGER NOT NULL,
        special_reason TEXT,
        companions TEXT NOT NULL,
        depart_at TEXT,
        return_at TEXT,
        return_due_at TEXT,
        return_due_fixed INTEGER NOT NULL,
        departed_at TEXT,
        returned_at TEXT,
        epidemiological_history TEXT,
        destination_risk TEXT,
        risk_alert TEXT,
        overdue_recorded_at TEXT,
        state TEXT NOT NULL,
        phase TEXT NOT NULL,
        requested_at TEXT,
        approved_at TEXT,
        filed_at TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS movements_phase ON movements (phase, depart_at);
      CREATE INDEX IF NOT EXISTS movements_applicant ON movements (applicant_id);
    `);
  }

  drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS movements');
  }

  writer(db: Database.Database): ProjectionWriter {
    const upsert = db.prepare(`
      INSERT INTO movements (case_id, applicant_id, applicant_name, applicant_unit, destination_code, destination_name,
        leaves_city, special_reason, companions, depart_at, return_at, return_due_at, return_due_fixed, departed_at,
        returned_at, epidemiological_history, destination_risk, risk_alert, overdue_recorded_at, state, phase, requested_at,
        approved_at, filed_at, updated_at)
      VALUES (@caseId, @applicantId, @applicantName, @applicantUnit, @destinationCode, @destinationName,
        @leavesCity, @specialReason, @companions, @departAt, @returnAt, @returnDueAt, @returnDueFixed, @departedAt,
        @returnedAt, @epidemiologicalHistory, @destinationRisk, @riskAlert, @overdueRecordedAt, @state, @phase, @requestedAt,
        @approvedAt, @filedAt, @updatedAt)
      ON CONFLICT(case_id) DO UPDATE SET applicant_id = excluded.applicant_id, applicant_name = excluded.applicant_name,
        applicant_unit = excluded.applicant_unit, destination_code = excluded.destination_code,
        destination_name = excluded.destination_name, leaves_city = excluded.leaves_city,
        special_reason = excluded.special_reason, companions = excluded.companions, depart_at = excluded.depart_at,
        return_at = excluded.return_at,
        return_due_at = CASE WHEN movements.return_due_fixed = 1 THEN movements.return_due_at ELSE excluded.return_due_at END,
        return_due_fixed = max(movements.return_due_fixed, excluded.return_due_fixed), departed_at = excluded.departed_at,
        returned_at = excluded.returned_at, epidemiological_history = excluded.epidemiological_history,
        destination_risk = excluded.destination_risk, risk_alert = excluded.risk_alert,
        overdue_recorded_at = excluded.overdue_recorded_at, state = excluded.state, phase = excluded.phase,
        requested_at = excluded.requested_at, approved_at = excluded.approved_at, filed_at = excluded.filed_at,
        updated_at = excluded.updated_at`);
    return {
      apply(change: CaseChange): void {
        if (change.def.process !== MOVEMENT_PROCESS) return;
        const { after } = change;
        const context = after.context as Partial<LeaveApprovalContext>;
        const request: Partial<LeaveRequest> = context.request ?? context;
        const due = returnDue(change, request);
        const leaf = leafStateKeys(after.state)[0] ?? '';
        const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
        upsert.run({
          caseId: after.streamId,
          applicantId: request.applicant?.id ?? null,
          applicantName: request.applicant?.name ?? null,
          applicantUnit: request.applicant?.unit ?? null,
          destinationCode: request.destination?.placeCode ?? null,
          destinationName: request.destination?.name ?? null,
          leavesCity: request.leavesCity ? 1 : 0,
          specialReason: request.specialReason ?? null,
          companions: JSON.stringify(request.companions ?? []),
          departAt: request.departAt ?? null,
          returnAt: request.returnAt ?? null,
          returnDueAt: due.at,
          returnDueFixed: due.fixed ? 1 : 0,
          departedAt: context.departure?.at ?? null,
          returnedAt: context.return?.at ?? null,
          epidemiologicalHistory: json(request.epidemiologicalHistory),
          destinationRisk: json(context.destinationRisk),
          riskAlert: json(context.riskAlert),
          overdueRecordedAt: context.overdue?.recordedAt ?? null,
          state: leaf,
          phase: PHASE_BY_STATE[leaf] ?? (after.status === 'active' ? 'pending' : 'cancelled'),
          requestedAt: context.requestedAt ?? null,
          approvedAt: context.approval?.at ?? null,
          filedAt: context.filing?.at ?? null,
          updatedAt: after.updatedAt,
        });
      },
    };
  }
}

/**
 * When the traveller is due back. Fixed once they have left: the armed
 * deadline of `away`, which the engine computed (returnAt plus this
 * deployment's grace) and which the register keeps after the return so a
 * late return shows. Before that, an estimate by the same rule from the
 * planned departure.
 */
function returnDue(change: CaseChange, request: Partial<LeaveRequest>): { at: string | null; fixed: boolean } {
  const { after } = change;
  const armed = Object.values(after.armedTimers).find((timer) => timer.kind === 'deadline' && timer.state === 'away');
  if (armed) return { at: armed.dueAt, fixed: true };
  if (!request.returnAt) return { at: null, fixed: false };
  const context = after.context as Partial<LeaveApprovalContext>;
  // The deadline this case was opened under (the deployment's at the time), as the engine will arm it.
  const spec = after.deadlines?.away;
  const enteredAt = Date.parse(context.departure?.at ?? request.departAt ?? request.returnAt);
  try {
    if (spec !== undefined) return { at: toIso(deadlineDueAt(spec, enteredAt, context)), fixed: false };
  } catch {
    // A spec this context cannot satisfy: the plan's default below.
  }
  return { at: toIso(Date.parse(request.returnAt) + DEFAULT_RETURN_GRACE_MS), fixed: false };
}
