import { activeStateKeys, DEADLINE_MISSED, type DeadlineMissedData, machineInfo } from '@app/engine';
import type Database from 'better-sqlite3';
import { subjectFacts } from '../cases/case-facts';
import type { CaseChange, Projection, ProjectionWriter } from '../runner/projection';

/**
 * The inaction ledger: one row per DEADLINE_MISSED (who held the case, the
 * due time, how late when recorded), closed when the case later leaves the
 * state, so the report can tell how long the work really waited.
 */
export class InactionLedgerProjection implements Projection {
  readonly name = 'inactionLedger';
  readonly version = 1;

  create(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS inaction (
        event_id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        process TEXT NOT NULL,
        title TEXT NOT NULL,
        state TEXT NOT NULL,
        state_label TEXT,
        timer_id TEXT NOT NULL,
        responsible TEXT NOT NULL,
        held_by_kind TEXT NOT NULL,
        held_by_id TEXT NOT NULL,
        due_at TEXT NOT NULL,
        missed_at TEXT NOT NULL,
        late_by_ms INTEGER NOT NULL,
        entered_at TEXT,
        left_at TEXT,
        left_to TEXT,
        subject_id TEXT,
        subject_name TEXT,
        subject_unit TEXT,
        position INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS inaction_due ON inaction (due_at);
      CREATE INDEX IF NOT EXISTS inaction_open ON inaction (case_id, left_at);
    `);
  }

  drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS inaction');
  }

  writer(db: Database.Database): ProjectionWriter {
    const insert = db.prepare(`
      INSERT OR IGNORE INTO inaction (event_id, case_id, process, title, state, state_label, timer_id, responsible,
        held_by_kind, held_by_id, due_at, missed_at, late_by_ms, entered_at, subject_id, subject_name, subject_unit, position)
      VALUES (@eventId, @caseId, @process, @title, @state, @stateLabel, @timerId, @responsible, @heldByKind, @heldById,
        @dueAt, @missedAt, @lateByMs, @enteredAt, @subjectId, @subjectName, @subjectUnit, @position)`);
    const open = db.prepare('SELECT event_id, state FROM inaction WHERE case_id = ? AND left_at IS NULL');
    const close = db.prepare('UPDATE inaction SET left_at = ?, left_to = ? WHERE event_id = ?');
    return {
      apply(change: CaseChange): void {
        const { event, metadata, after, before, def } = change;
        if (event.type === DEADLINE_MISSED) {
          const data = event.data as DeadlineMissedData;
          const [kind, id] = Object.entries(data.heldBy)[0] as [string, string];
          const subject = subjectFacts(def, after.context);
          insert.run({
            eventId: event.id,
            caseId: after.streamId,
            process: after.process,
            title: def.title,
            state: data.state,
            stateLabel: machineInfo(def).states.get(data.state)?.label ?? null,
            timerId: data.timerId,
            responsible: JSON.stringify(data.responsible),
            heldByKind: kind,
            heldById: id,
            dueAt: data.dueAt,
            missedAt: metadata.occurredAt,
            lateByMs: data.lateByMs,
            // The timer was armed when the case entered the state.
            enteredAt: before?.armedTimers[data.timerId]?.armedAt ?? null,
            subjectId: subject.id ?? null,
            subjectName: subject.name ?? null,
            subjectUnit: subject.unit ?? null,
            position: event.position,
          });
          return;
        }
        const rows = open.all(after.streamId) as Array<{ event_id: string; state: string }>;
        if (rows.length === 0) return;
        const active = new Set(after.status === 'active' ? activeStateKeys(after.state) : []);
        for (const row of rows) {
          if (!active.has(row.state)) close.run(metadata.occurredAt, JSON.stringify(after.state), row.event_id);
        }
      },
    };
  }
}
