import {
  activeStateKeys,
  CASE_STARTED,
  DEADLINE_MISSED,
  EFFECT_SUCCEEDED,
  type EffectRecord,
  type HeldBy,
  leafStateKeys,
} from '@app/engine';
import type Database from 'better-sqlite3';
import type { CaseChange, Projection, ProjectionWriter } from '../runner/projection';
import {
  currentDueAt,
  currentParties,
  isCaseRef,
  isCaseUuid,
  openedCaseRef,
  type PartyRef,
  partiesOf,
  sourceCaseRefs,
  stateLabels,
  subjectFacts,
} from './case-facts';

/**
 * The case index: one row per case (`case_index`), the states it is in
 * (`case_states`, ancestors included, for `?state=`), every party that has
 * ever been responsible for it (`case_parties`, `current = 1` for those
 * responsible now), and the `startCase` effects it emitted
 * (`case_start_effects`), which link a child case to its parent.
 */
export class CaseIndexProjection implements Projection {
  readonly name = 'caseIndex';
  readonly version = 1;

  create(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS case_index (
        id TEXT PRIMARY KEY,
        uuid TEXT NOT NULL,
        process TEXT NOT NULL,
        version INTEGER NOT NULL,
        title TEXT NOT NULL,
        state_value TEXT NOT NULL,
        states TEXT NOT NULL,
        labels TEXT NOT NULL,
        status TEXT NOT NULL,
        subject_id TEXT,
        subject_name TEXT,
        subject_unit TEXT,
        started_by_id TEXT NOT NULL,
        started_by_name TEXT NOT NULL,
        started_at TEXT NOT NULL,
        started_position INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        revision INTEGER NOT NULL,
        position INTEGER NOT NULL,
        responsible TEXT NOT NULL,
        due_at TEXT,
        overdue INTEGER NOT NULL,
        overdue_since TEXT,
        parent_id TEXT,
        search TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS case_index_updated ON case_index (updated_at DESC, id);
      CREATE INDEX IF NOT EXISTS case_index_process ON case_index (process, status);
      CREATE INDEX IF NOT EXISTS case_index_parent ON case_index (parent_id);
      CREATE INDEX IF NOT EXISTS case_index_uuid ON case_index (uuid);
      CREATE INDEX IF NOT EXISTS case_index_subject ON case_index (subject_id);
      CREATE TABLE IF NOT EXISTS case_states (
        case_id TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (case_id, state)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS case_states_state ON case_states (state);
      CREATE TABLE IF NOT EXISTS case_parties (
        case_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        current INTEGER NOT NULL,
        PRIMARY KEY (case_id, kind, value)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS case_parties_value ON case_parties (kind, value, current);
      CREATE TABLE IF NOT EXISTS case_start_effects (
        effect_id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        parent_id TEXT NOT NULL,
        process TEXT NOT NULL,
        child_ref TEXT
      );
      CREATE INDEX IF NOT EXISTS case_start_effects_event ON case_start_effects (event_id);
      CREATE INDEX IF NOT EXISTS case_start_effects_child ON case_start_effects (child_ref);
    `);
  }

  drop(db: Database.Database): void {
    db.exec(`
      DROP TABLE IF EXISTS case_index;
      DROP TABLE IF EXISTS case_states;
      DROP TABLE IF EXISTS case_parties;
      DROP TABLE IF EXISTS case_start_effects;
    `);
  }

  writer(db: Database.Database): ProjectionWriter {
    return new CaseIndexWriter(db);
  }
}

class CaseIndexWriter implements ProjectionWriter {
  private readonly upsert: Database.Statement;
  private readonly parentOf: Database.Statement;
  private readonly setParent: Database.Statement;
  private readonly deleteStates: Database.Statement;
  private readonly insertState: Database.Statement;
  private readonly clearCurrent: Database.Statement;
  private readonly upsertParty: Database.Statement;
  private readonly insertEffect: Database.Statement;
  private readonly effectById: Database.Statement;
  private readonly effectForChild: Database.Statement;
  private readonly effectByCause: Database.Statement;
  private readonly openEffectOf: Database.Statement;
  private readonly setEffectChild: Database.Statement;
  private readonly caseById: Database.Statement;
  private readonly caseByUuid: Database.Statement;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(`
      INSERT INTO case_index (id, uuid, process, version, title, state_value, states, labels, status, subject_id, subject_name,
        subject_unit, started_by_id, started_by_name, started_at, started_position, updated_at, revision, position, responsible, due_at,
        overdue, overdue_since, parent_id, search)
      VALUES (@id, @uuid, @process, @version, @title, @stateValue, @states, @labels, @status, @subjectId, @subjectName,
        @subjectUnit, @startedById, @startedByName, @startedAt, @position, @updatedAt, @revision, @position, @responsible, @dueAt,
        @overdue, @overdueSince, NULL, @search)
      ON CONFLICT(id) DO UPDATE SET version = excluded.version, title = excluded.title,
        state_value = excluded.state_value, states = excluded.states, labels = excluded.labels, status = excluded.status,
        subject_id = excluded.subject_id, subject_name = excluded.subject_name, subject_unit = excluded.subject_unit,
        updated_at = excluded.updated_at, revision = excluded.revision, position = excluded.position,
        responsible = excluded.responsible, due_at = excluded.due_at, overdue = excluded.overdue,
        overdue_since = excluded.overdue_since, search = excluded.search`);
    this.parentOf = db.prepare('SELECT parent_id FROM case_index WHERE id = ?').pluck();
    this.setParent = db.prepare('UPDATE case_index SET parent_id = ? WHERE id = ? AND parent_id IS NULL');
    this.deleteStates = db.prepare('DELETE FROM case_states WHERE case_id = ?');
    this.insertState = db.prepare('INSERT OR IGNORE INTO case_states (case_id, state) VALUES (?, ?)');
    this.clearCurrent = db.prepare('UPDATE case_parties SET current = 0 WHERE case_id = ? AND current = 1');
    this.upsertParty = db.prepare(`
      INSERT INTO case_parties (case_id, kind, value, current) VALUES (?, ?, ?, ?)
      ON CONFLICT(case_id, kind, value) DO UPDATE SET current = max(current, excluded.current)`);
    this.insertEffect = db.prepare(
      'INSERT OR IGNORE INTO case_start_effects (effect_id, event_id, parent_id, process, child_ref) VALUES (?, ?, ?, ?, NULL)',
    );
    this.effectById = db.prepare('SELECT parent_id, process, child_ref FROM case_start_effects WHERE effect_id = ?');
    this.effectForChild = db.prepare(
      'SELECT effect_id, parent_id FROM case_start_effects WHERE child_ref IN (?, ?) ORDER BY effect_id LIMIT 1',
    );
    this.effectByCause = db.prepare(`
      SELECT effect_id, parent_id FROM case_start_effects
      WHERE (effect_id = @cause OR event_id = @cause) AND process = @process AND child_ref IS NULL
      ORDER BY effect_id LIMIT 1`);
    this.openEffectOf = db
      .prepare(`
      SELECT effect_id FROM case_start_effects
      WHERE parent_id = ? AND process = ? AND child_ref IS NULL ORDER BY effect_id LIMIT 1`)
      .pluck();
    this.setEffectChild = db.prepare('UPDATE case_start_effects SET child_ref = ? WHERE effect_id = ?');
    this.caseById = db.prepare('SELECT id FROM case_index WHERE id = ?').pluck();
    this.caseByUuid = db.prepare('SELECT id FROM case_index WHERE uuid = ?').pluck();
  }

  apply(change: CaseChange): void {
    const { event, metadata, def, after } = change;
    const id = after.streamId;
    const subject = subjectFacts(def, after.context);
    const overdue = after.overdue;
    const responsible = currentParties(def, after);
    this.upsert.run({
      id,
      uuid: after.caseId,
      process: after.process,
      version: after.version,
      title: def.title,
      stateValue: JSON.stringify(after.state),
      states: JSON.stringify(leafStateKeys(after.state)),
      labels: JSON.stringify(stateLabels(def, after.state)),
      status: after.status,
      subjectId: subject.id ?? null,
      subjectName: subject.name ?? null,
      subjectUnit: subject.unit ?? null,
      startedById: after.startedBy.id,
      startedByName: after.startedBy.name,
      startedAt: after.startedAt,
      updatedAt: after.updatedAt,
      revision: after.revision,
      position: event.position,
      responsible: JSON.stringify(responsible),
      dueAt: currentDueAt(after) ?? null,
      overdue: overdue.length > 0 ? 1 : 0,
      overdueSince: overdue.length > 0 ? overdue.map((missed) => missed.dueAt).sort()[0] : null,
      search: [id, subject.name, subject.id, def.title].filter(Boolean).join(' ').toLowerCase(),
    });

    this.deleteStates.run(id);
    for (const key of activeStateKeys(after.state)) this.insertState.run(id, key);

    // Every party ever responsible stays (read scope); `current` marks who must act now.
    this.clearCurrent.run(id);
    const ever: PartyRef[] = partiesOf(def, metadata.stateAfter, after.context);
    // People the case names as working on it (inspectors, the reviewer) may read it too.
    for (const person of def.involvedOf?.(after.context) ?? []) ever.push({ kind: 'person', id: person });
    if (event.type === DEADLINE_MISSED) {
      const heldBy = (event.data as { heldBy?: HeldBy }).heldBy;
      if (heldBy) ever.push(heldByParty(heldBy));
    }
    for (const party of ever) this.upsertParty.run(id, party.kind, party.id, 0);
    for (const party of responsible) this.upsertParty.run(id, party.kind, party.id, 1);

    for (const effect of (metadata.effects ?? []) as EffectRecord[]) {
      if (effect.kind !== 'startCase') continue;
      const process = (effect.params as { process?: unknown }).process;
      if (typeof process === 'string') this.insertEffect.run(effect.id, event.id, id, process);
    }

    if (event.type === CASE_STARTED) this.linkToParent(change);
    if (event.type === EFFECT_SUCCEEDED) this.linkOpenedChild(change);
  }

  /**
   * A new case finds the case that opened it, most certain first: a
   * `startCase` outcome already naming it; the effect (or its event) that
   * caused the CASE_STARTED; a case reference in the start input.
   */
  private linkToParent(change: CaseChange): void {
    const { after, metadata, event } = change;
    const id = after.streamId;
    const byResult = this.effectForChild.get(id, after.caseId) as { effect_id: string; parent_id: string } | undefined;
    if (byResult) {
      this.link(byResult.parent_id, id);
      return;
    }
    if (metadata.causationId) {
      const byCause = this.effectByCause.get({ cause: metadata.causationId, process: after.process }) as
        | { effect_id: string; parent_id: string }
        | undefined;
      if (byCause) {
        this.setEffectChild.run(id, byCause.effect_id);
        this.link(byCause.parent_id, id);
        return;
      }
    }
    for (const ref of sourceCaseRefs(event.data)) {
      const parent = this.resolve(ref);
      if (!parent || parent === id) continue;
      const effect = this.openEffectOf.get(parent, after.process) as string | undefined;
      if (effect) this.setEffectChild.run(id, effect);
      this.link(parent, id);
      return;
    }
  }

  /** A `startCase` effect succeeded and its result names the opened case. */
  private linkOpenedChild(change: CaseChange): void {
    const { effectId, result } = change.event.data as { effectId?: string; result?: unknown };
    if (typeof effectId !== 'string') return;
    const effect = this.effectById.get(effectId) as { parent_id: string; child_ref: string | null } | undefined;
    if (!effect) return;
    const ref = openedCaseRef(result);
    if (!ref) return;
    if (effect.child_ref === null) this.setEffectChild.run(ref, effectId);
    const child = this.resolve(ref);
    if (child && child !== effect.parent_id) this.link(effect.parent_id, child);
  }

  /** Sets a child's parent once; a link that would close a loop is refused. */
  private link(parent: string, child: string): void {
    let cursor: string | null | undefined = parent;
    for (let depth = 0; cursor && depth < 100; depth++) {
      if (cursor === child) return;
      cursor = this.parentOf.get(cursor) as string | null | undefined;
    }
    this.setParent.run(parent, child);
  }

  private resolve(ref: string): string | undefined {
    if (!isCaseRef(ref)) return undefined;
    return ((isCaseUuid(ref) ? this.caseByUuid.get(ref) : this.caseById.get(ref)) ?? undefined) as string | undefined;
  }
}

function heldByParty(heldBy: HeldBy): PartyRef {
  if ('person' in heldBy) return { kind: 'person', id: heldBy.person };
  if ('group' in heldBy) return { kind: 'group', id: heldBy.group };
  return { kind: 'role', id: heldBy.role };
}
