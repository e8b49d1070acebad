import { type AnyMachineSnapshot, createActor } from 'xstate';
import type { Actor } from './actor';
import type { StoredEventLike } from './case-event';
import type { ArmedTimer, CaseState, Incident, MissedDeadline, PendingEffect } from './case-state';
import { EngineError } from './engine-error';
import type { DeadlineSpec, WorkflowDefinition } from './workflow-definition';

/** Bump when the record's shape or meaning changes: a record of another format is ignored (full fold). */
export const CASE_SNAPSHOT_FORMAT = 1;

/**
 * A case's state at one revision as plain JSON: what a snapshot event
 * stores, so a cold load folds only the events after it. It is a cache of
 * the stream, never a replacement: the events stay the truth (verification,
 * history and time travel read them), and a record that does not match the
 * stream's event at `revision` (`lastEventId`, `lastHash`) is ignored.
 */
export interface CaseSnapshotRecord {
  format: typeof CASE_SNAPSHOT_FORMAT;
  process: string;
  /** The machine version the case runs on; a record is used only with that very version. */
  version: number;
  caseId: string;
  /** Revision of the last event folded in, as decimal digits (JSON has no bigint). */
  revision: string;
  /** Id and hash of the stream's event at `revision`: the record is valid only while they match it. */
  lastEventId: string;
  lastHash: string;
  /** XState's persisted snapshot (`machine.getPersistedSnapshot`): value, context, status, history. */
  persisted: Record<string, unknown>;
  deadlines: Record<string, DeadlineSpec>;
  armedTimers: Record<string, ArmedTimer>;
  pendingEffects: Record<string, PendingEffect>;
  incidents: Record<string, Incident>;
  missedDeadlines: MissedDeadline[];
  overdue: MissedDeadline[];
  startedAt: string;
  startedBy: Actor;
  updatedAt: string;
  correlationId: string;
}

/**
 * The record of a state. Pure: the result shares objects with the state
 * (nothing is copied), so serialise it before the state could change
 * (it never does: states are immutable).
 */
export function toSnapshotRecord(def: WorkflowDefinition, caseState: CaseState): CaseSnapshotRecord {
  if (caseState.process !== def.process || caseState.version !== def.version) {
    throw new EngineError(
      'ENGINE.CORRUPT_HISTORY',
      `The case is ${caseState.process} v${caseState.version}; it cannot be recorded with ${def.process} v${def.version}`,
    );
  }
  return {
    format: CASE_SNAPSHOT_FORMAT,
    process: caseState.process,
    version: caseState.version,
    caseId: caseState.caseId,
    revision: caseState.revision.toString(),
    lastEventId: caseState.lastEventId,
    lastHash: caseState.lastHash,
    persisted: def.machine.getPersistedSnapshot(caseState.snapshot) as Record<string, unknown>,
    deadlines: caseState.deadlines as Record<string, DeadlineSpec>,
    armedTimers: caseState.armedTimers as Record<string, ArmedTimer>,
    pendingEffects: caseState.pendingEffects as Record<string, PendingEffect>,
    incidents: caseState.incidents as Record<string, Incident>,
    missedDeadlines: caseState.missedDeadlines as MissedDeadline[],
    overdue: caseState.overdue as MissedDeadline[],
    startedAt: caseState.startedAt,
    startedBy: caseState.startedBy,
    updatedAt: caseState.updatedAt,
    correlationId: caseState.correlationId,
  };
}

/**
 * The state a record was taken of, as `fold` would give it at that revision.
 * The XState snapshot is restored the way XState restores a persisted actor
 * (`machine.restoreSnapshot`, through an actor that is never started), so no
 * action runs and no timer is armed: side-effect free, like replay. Engine
 * machines have no children (the registry refuses `invoke`), so nothing else
 * is revived.
 *
 * The record is taken over (not copied): pass one freshly parsed.
 *
 * @throws EngineError `ENGINE.CORRUPT_HISTORY` when the record is of another
 *   format, process or version, is malformed, or XState cannot restore it
 *   (e.g. a state the machine no longer has).
 */
export function fromSnapshotRecord(def: WorkflowDefinition, record: CaseSnapshotRecord): CaseState {
  assertRecord(def, record);
  let snapshot: AnyMachineSnapshot;
  try {
    // Never started: the constructor only restores (restoreSnapshot), it runs nothing.
    snapshot = createActor(def.machine, { snapshot: record.persisted as never }).getSnapshot() as AnyMachineSnapshot;
  } catch (error) {
    throw corrupt(`XState could not restore it: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!snapshot || snapshot.status === 'error' || snapshot.status !== record.persisted.status) {
    throw corrupt(`XState could not restore it: ${String(snapshot?.error ?? snapshot?.status)}`);
  }
  return {
    caseId: record.caseId,
    process: def.process,
    version: def.version,
    streamId: `${def.process}-${record.caseId}`,
    revision: BigInt(record.revision),
    snapshot,
    state: snapshot.value,
    context: snapshot.context,
    status: snapshot.status,
    lastEventId: record.lastEventId,
    lastHash: record.lastHash,
    deadlines: record.deadlines,
    armedTimers: record.armedTimers,
    pendingEffects: record.pendingEffects,
    incidents: record.incidents,
    missedDeadlines: record.missedDeadlines,
    overdue: record.overdue,
    startedAt: record.startedAt,
    startedBy: record.startedBy,
    updatedAt: record.updatedAt,
    correlationId: record.correlationId,
  };
}

/**
 * Whether a record was taken at this stored event: same revision, same
 * event id, same hash. The cheap check that a record still describes the
 * stream it is loaded with (a stream rewritten since, or a record of another
 * case, fails it).
 */
export function snapshotMatches(
  record: Pick<CaseSnapshotRecord, 'revision' | 'lastEventId' | 'lastHash'>,
  event: StoredEventLike,
): boolean {
  return (
    event.revision !== undefined &&
    event.revision.toString() === record.revision &&
    event.id === record.lastEventId &&
    (event.metadata as { hash?: unknown })?.hash === record.lastHash
  );
}

const REVISION = /^(0|[1-9][0-9]*)$/;
const BOOKS = ['deadlines', 'armedTimers', 'pendingEffects', 'incidents'] as const;
const TEXTS = ['caseId', 'lastEventId', 'lastHash', 'startedAt', 'updatedAt', 'correlationId'] as const;

function assertRecord(def: WorkflowDefinition, record: CaseSnapshotRecord): void {
  if (!isObject(record)) throw corrupt('not an object');
  if (record.format !== CASE_SNAPSHOT_FORMAT) throw corrupt(`format ${String(record.format)}`);
  if (record.process !== def.process || record.version !== def.version) {
    throw corrupt(`taken of ${String(record.process)} v${String(record.version)}, not ${def.process} v${def.version}`);
  }
  if (typeof record.revision !== 'string' || !REVISION.test(record.revision)) {
    throw corrupt(`revision ${String(record.revision)}`);
  }
  for (const key of TEXTS) if (typeof record[key] !== 'string') throw corrupt(`${key} is not a string`);
  for (const key of BOOKS) if (!isObject(record[key])) throw corrupt(`${key} is not an object`);
  if (!Array.isArray(record.missedDeadlines) || !Array.isArray(record.overdue)) {
    throw corrupt('missedDeadlines / overdue are not arrays');
  }
  if (!isObject(record.startedBy)) throw corrupt('startedBy is not an object');
  const persisted = record.persisted;
  if (!isObject(persisted) || persisted.value === undefined || !isObject(persisted.children)) {
    throw corrupt('persisted is not an XState snapshot');
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function corrupt(reason: string): EngineError {
  return new EngineError('ENGINE.CORRUPT_HISTORY', `Unusable case snapshot: ${reason}`);
}
