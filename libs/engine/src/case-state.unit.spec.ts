import { SYSTEM_ACTORS } from './actor';
import {
  DEADLINE_MISSED,
  EFFECT_FAILED,
  EFFECT_RETRY_REQUESTED,
  EFFECT_SUCCEEDED,
  type EventMetadata,
  type StoredEventLike,
} from './case-event';
import { type CaseState, emptyLedger, type Ledger, ledgerOf, record } from './case-state';
import { activeStateKeys } from './machine-info';
import { seededRandom } from '../../../test/support/seeded-random';

/** The first ledgerOf and record (spread copies), kept as the reference for the books and their member order. */
function referenceLedgerOf(state: Pick<CaseState, keyof Ledger>): Ledger {
  return {
    armedTimers: { ...state.armedTimers },
    pendingEffects: { ...state.pendingEffects },
    incidents: { ...state.incidents },
    missedDeadlines: [...state.missedDeadlines],
    overdue: [...state.overdue],
  };
}

function referenceRecord(ledger: Ledger, event: StoredEventLike): void {
  const metadata = event.metadata as EventMetadata;
  const data = event.data as Record<string, any> | null;
  if (metadata.actor?.id === SYSTEM_ACTORS.timer.id && typeof data?.timerId === 'string') {
    delete ledger.armedTimers[data.timerId];
  }
  for (const id of metadata.cancelledTimers ?? []) delete ledger.armedTimers[id];
  for (const timer of metadata.timers ?? []) {
    ledger.armedTimers[timer.id] = {
      ...timer,
      armedBy: event.id,
      armedAt: metadata.occurredAt,
      correlationId: metadata.correlationId,
    };
  }
  for (const effect of metadata.effects ?? []) {
    ledger.pendingEffects[effect.id] = {
      id: effect.id,
      kind: effect.kind,
      params: effect.params,
      eventId: event.id,
      emittedAt: metadata.occurredAt,
      correlationId: metadata.correlationId,
      attempts: 0,
    };
  }
  if (ledger.overdue.length > 0) {
    const active = activeStateKeys(metadata.stateAfter);
    ledger.overdue = ledger.overdue.filter((missed) => active.includes(missed.state));
  }
  switch (event.type) {
    case DEADLINE_MISSED: {
      const missed = data as any;
      const entry = {
        timerId: missed.timerId,
        state: missed.state,
        dueAt: missed.dueAt,
        missedAt: metadata.occurredAt,
        responsible: missed.responsible,
        heldBy: missed.heldBy,
        eventId: event.id,
      };
      ledger.missedDeadlines.push(entry);
      ledger.overdue.push(entry);
      break;
    }
    case EFFECT_SUCCEEDED:
      delete ledger.pendingEffects[data!.effectId];
      delete ledger.incidents[data!.effectId];
      break;
    case EFFECT_FAILED: {
      const failed = data as any;
      const pending = ledger.pendingEffects[failed.effectId];
      if (!pending) break;
      if (failed.final) {
        delete ledger.pendingEffects[failed.effectId];
        ledger.incidents[failed.effectId] = {
          effectId: pending.id,
          kind: pending.kind,
          params: pending.params,
          eventId: pending.eventId,
          attempt: failed.attempt,
          error: failed.error,
          failedAt: metadata.occurredAt,
        };
      } else {
        ledger.pendingEffects[failed.effectId] = { ...pending, attempts: failed.attempt, lastError: failed.error };
      }
      break;
    }
    case EFFECT_RETRY_REQUESTED: {
      const incident = ledger.incidents[data!.effectId];
      if (!incident) break;
      delete ledger.incidents[data!.effectId];
      ledger.pendingEffects[data!.effectId] = {
        id: incident.effectId,
        kind: incident.kind,
        params: incident.params,
        eventId: incident.eventId,
        emittedAt: metadata.occurredAt,
        correlationId: metadata.correlationId,
        attempts: incident.attempt,
        lastError: incident.error,
      };
      break;
    }
  }
}

const STATES = ['waiting', 'review', 'away', { parallel: 'a' }, { parallel: 'b', other: 'c' }];

/** A random event touching the books, with ids from small pools so that later events meet earlier ones. */
function randomEvent(next: () => number, n: number): StoredEventLike {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const timerId = () => `t${Math.floor(next() * 6)}`;
  const effectId = () => `e${Math.floor(next() * 6)}`;
  const type = pick(['MOVE', 'MOVE', DEADLINE_MISSED, EFFECT_SUCCEEDED, EFFECT_FAILED, EFFECT_RETRY_REQUESTED]);
  const timers = Array.from({ length: Math.floor(next() * 3) }, () =>
    next() < 0.5
      ? {
          id: timerId(),
          kind: 'deadline',
          state: pick(['waiting', 'review', 'parallel.a']),
          dueAt: `d${n}`,
          responsible: { role: 'r' },
        }
      : {
          id: timerId(),
          kind: 'after',
          state: 'away',
          event: { type: 'x' },
          sendId: 's',
          delayMs: 5,
          dueAt: `d${n}`,
          extra: n,
        },
  );
  const metadata = {
    occurredAt: `at${n}`,
    correlationId: `c${n}`,
    actor: next() < 0.2 ? SYSTEM_ACTORS.timer : { id: 'u', name: 'n', roles: [], kind: 'user' },
    stateAfter: pick(STATES),
    timers,
    cancelledTimers: Array.from({ length: Math.floor(next() * 2) }, timerId),
    effects: Array.from({ length: Math.floor(next() * 2) }, () => ({
      id: effectId(),
      kind: 'notify',
      params: { n },
    })),
  };
  const data = {
    timerId: timerId(),
    state: pick(['waiting', 'review', 'parallel', 'parallel.a', 'away']),
    dueAt: `due${n}`,
    responsible: { role: 'r' },
    heldBy: { kind: 'role', role: 'r' },
    effectId: effectId(),
    attempt: Math.floor(next() * 5),
    error: `err${n}`,
    final: next() < 0.4,
  };
  return { id: `ev${n}`, type, data, metadata } as StoredEventLike;
}

describe('ledgerOf and record against the first implementation', () => {
  it('keep the same books, members in the same order, and leave the earlier books alone', () => {
    const next = seededRandom(5);
    for (let run = 0; run < 200; run++) {
      let books: Ledger = emptyLedger();
      let referenceBooks: Ledger = emptyLedger();
      for (let n = 0; n < 30; n++) {
        const event = randomEvent(next, n);
        const before = JSON.stringify(books);
        // As a decision does: a copy of the state's books, then the event.
        const ledger = ledgerOf(books as unknown as CaseState);
        const referenceLedger = referenceLedgerOf(referenceBooks);
        record(ledger, event);
        referenceRecord(referenceLedger, event);
        expect(JSON.stringify(ledger)).toBe(JSON.stringify(referenceLedger));
        expect(JSON.stringify(books)).toBe(before);
        books = ledger;
        referenceBooks = referenceLedger;
      }
    }
  });

  it('copies an own __proto__ member of a timer as a member', () => {
    const timer = JSON.parse('{"id":"t1","kind":"after","__proto__":{"x":1},"dueAt":"d"}');
    const ledger = emptyLedger();
    record(ledger, {
      id: 'e',
      type: 'MOVE',
      data: {},
      metadata: { occurredAt: 'a', correlationId: 'c', timers: [timer] },
    } as never);
    const armed = ledger.armedTimers.t1;
    expect(Object.getPrototypeOf(armed)).toBe(Object.prototype);
    expect(Object.keys(armed)).toEqual(['id', 'kind', '__proto__', 'dueAt', 'armedBy', 'armedAt', 'correlationId']);
  });
});
