import type { AnyMachineSnapshot } from 'xstate';
import { CASE_STARTED, EFFECT_OUTCOME_TYPES, type EventMetadata, type StoredEventLike } from './case-event';
import { type CaseState, emptyLedger, type Ledger, ledgerOf, record } from './case-state';
import { EngineError } from './engine-error';
import { publicCaseId, stateOf } from './event-builder';
import { replayer, replayInitial } from './replay-transition';
import { parseInstant } from './time';
import type { WorkflowDefinition } from './workflow-definition';

/**
 * Replays a case stream (CASE_STARTED first) into its state. Side-effect
 * free: actions are never run; timers and effects are tracked from what each
 * event recorded, not recomputed. `def` must be the version the case started
 * on (`metadata.machineVersion` of the first event; see `WorkflowRegistry.forHistory`).
 *
 * @throws EngineError `CASE.NOT_FOUND` for no events, `ENGINE.CORRUPT_HISTORY`
 *   when the stream is not a case of this process and version.
 */
export function fold(def: WorkflowDefinition, events: readonly StoredEventLike[]): CaseState {
  if (events.length === 0) throw new EngineError('CASE.NOT_FOUND', `No events: not a ${def.process} case`);
  const first = events[0];
  const metadata = first.metadata as EventMetadata;
  if (first.type !== CASE_STARTED) {
    throw new EngineError('ENGINE.CORRUPT_HISTORY', `The first event is ${first.type}, not ${CASE_STARTED}`);
  }
  if (metadata.process !== def.process || metadata.machineVersion !== def.version) {
    throw new EngineError(
      'ENGINE.CORRUPT_HISTORY',
      `The case is ${metadata.process} v${metadata.machineVersion}; it cannot be replayed on ${def.process} v${def.version}`,
      { process: metadata.process, version: metadata.machineVersion },
    );
  }
  const snapshot = replayInitial(def.machine, {
    caseId: publicCaseId(def.process, metadata.caseId),
    data: first.data,
    occurredAt: metadata.occurredAt,
    actor: metadata.actor,
  });
  const ledger = emptyLedger();
  record(ledger, first);
  return run(def, undefined, snapshot, ledger, events, 1, first.revision ?? 0n, first);
}

/**
 * Continues a state with newer events (revision `caseState.revision + 1` on).
 * The given state is not changed, so it can come from a cache.
 */
export function foldFrom(def: WorkflowDefinition, caseState: CaseState, events: readonly StoredEventLike[]): CaseState {
  if (caseState.process !== def.process || caseState.version !== def.version) {
    throw new EngineError(
      'ENGINE.CORRUPT_HISTORY',
      `The case is ${caseState.process} v${caseState.version}; it cannot be continued on ${def.process} v${def.version}`,
    );
  }
  if (events.length === 0) return caseState;
  const next = events[0].revision;
  if (next !== undefined && next !== caseState.revision + 1n) {
    throw new EngineError(
      'ENGINE.CORRUPT_HISTORY',
      `Expected revision ${caseState.revision + 1n} after ${caseState.revision}, got ${next}`,
    );
  }
  return run(def, caseState, caseState.snapshot, ledgerOf(caseState), events, 0, caseState.revision);
}

/** Where a time-travel fold stops: at a revision (inclusive) or at an instant (events that occurred by then). */
export type FoldLimit = { revision: bigint } | { at: string };

/**
 * The case as it was at a revision or an instant (`GET /cases/:id/state`).
 *
 * @throws EngineError `CASE.NOT_FOUND` when the case did not exist yet then.
 */
export function foldUntil(def: WorkflowDefinition, events: readonly StoredEventLike[], limit: FoldLimit): CaseState {
  let count: number;
  if ('revision' in limit) {
    count = events.findIndex((event, i) => (event.revision ?? BigInt(i)) > limit.revision);
  } else {
    const at = parseInstant(limit.at);
    if (at === undefined) {
      throw new EngineError('CASE.INVALID_PAYLOAD', 'at must be an ISO-8601 instant with an offset', {
        issues: [{ property: 'at', constraints: { isIsoInstant: 'at must be an ISO-8601 instant with an offset' } }],
      });
    }
    count = events.findIndex((event) => Date.parse((event.metadata as EventMetadata).occurredAt) > at);
  }
  const prefix = count < 0 ? events : events.slice(0, count);
  if (prefix.length === 0) throw new EngineError('CASE.NOT_FOUND', 'The case did not exist at that point');
  return fold(def, prefix);
}

function run(
  def: WorkflowDefinition,
  previous: CaseState | undefined,
  snapshot: AnyMachineSnapshot,
  ledger: Ledger,
  events: readonly StoredEventLike[],
  from: number,
  revisionBefore: bigint,
  first?: StoredEventLike,
): CaseState {
  const step = replayer(def.machine);
  for (let i = from; i < events.length; i++) {
    const event = events[i];
    if (!EFFECT_OUTCOME_TYPES.has(event.type)) {
      const metadata = event.metadata;
      snapshot = step(snapshot, {
        type: event.type,
        data: event.data,
        occurredAt: metadata.occurredAt,
        actor: metadata.actor,
        eventId: event.id,
      });
    }
    record(ledger, event);
  }
  const last = events[events.length - 1];
  const revision = last.revision ?? revisionBefore + BigInt(events.length - from);
  if (snapshot.status === 'error') {
    throw new EngineError('ENGINE.CORRUPT_HISTORY', `Replay failed at revision ${revision}: ${String(snapshot.error)}`);
  }
  return stateOf(def, previous, last, snapshot, ledger, revision, first);
}
