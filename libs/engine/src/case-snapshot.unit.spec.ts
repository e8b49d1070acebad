import type { AnyMachineSnapshot } from 'xstate';
import {
  type CaseSnapshotRecord,
  type CaseState,
  canTake,
  decide,
  EFFECT_FAILED,
  EFFECT_SUCCEEDED,
  EngineError,
  fold,
  foldFrom,
  fromSnapshotRecord,
  recordEffectOutcome,
  requestEffectRetry,
  snapshotMatches,
  toSnapshotRecord,
  type WorkflowDefinition,
} from '.';
import { at, boss, clerk, demoV1, demoV2, owner, reviewer } from './testing/demo-workflow';
import { History } from './testing/history';

/** Every type the demo machine knows, plus the engine's own and one it does not know. */
const TYPES = ['SUBMIT', 'PING', 'NEXT', 'APPROVE', 'REJECT', 'DEADLINE_MISSED', 'NOPE'];

/** A record as the store gives it back: through JSON. */
function stored(record: CaseSnapshotRecord): CaseSnapshotRecord {
  return JSON.parse(JSON.stringify(record));
}

/** Everything of a state the runtime reads, with the XState snapshot reduced to what later transitions and views read. */
function view(caseState: CaseState, sortNodes = false) {
  const { snapshot, ...rest } = caseState;
  const s = snapshot as AnyMachineSnapshot & { _nodes: Array<{ id: string }> };
  return {
    ...rest,
    snapshot: {
      json: JSON.parse(JSON.stringify(s)),
      value: s.value,
      context: s.context,
      status: s.status,
      output: s.output,
      historyValue: s.historyValue,
      children: s.children,
      nodes: sortNodes ? s._nodes.map((node) => node.id).sort() : s._nodes.map((node) => node.id),
      tags: [...s.tags].sort(),
    },
    can: Object.fromEntries(
      TYPES.map((type) => [
        type,
        canTake(caseState, { type, data: {}, occurredAt: at(10_000), actor: boss, eventId: 'x' }),
      ]),
    ),
  };
}

function effectOutcome(h: History, type: typeof EFFECT_SUCCEEDED | typeof EFFECT_FAILED, data: object, minute: number) {
  const decision = recordEffectOutcome(h.def, h.state, {
    type,
    data,
    eventId: h.nextId(),
    occurredAt: at(minute),
  } as Parameters<typeof recordEffectOutcome>[2]);
  if (!decision) throw new Error('nothing recorded');
  h.accept(decision);
}

function pendingOf(h: History, kind: string): string {
  const effect = Object.values(h.state.pendingEffects).find((e) => e.kind === kind);
  if (!effect) throw new Error(`no pending ${kind}`);
  return effect.id;
}

/**
 * A few hundred events through every book the state keeps: `after` and
 * deadline timers armed, fired and cancelled, effects pending, failed,
 * succeeded, an incident retried and one left open, deadlines missed (one
 * still overdue at the end), a waiting state left and entered again.
 */
function richHistory(): History {
  const h = new History(demoV1);
  h.start(0);
  for (let i = 0; i < 40; i++) h.send('PING', {}, clerk, 1 + i * 0.5);
  h.fire((t) => t.kind === 'after'); // 30 min reminder: notify, in place
  h.fire((t) => t.kind === 'deadline'); // 60 min: DEADLINE_MISSED, startCase, overdue
  effectOutcome(
    h,
    EFFECT_FAILED,
    { effectId: pendingOf(h, 'notify'), attempt: 1, error: 'smtp down', final: false },
    61,
  );
  effectOutcome(h, EFFECT_SUCCEEDED, { effectId: pendingOf(h, 'notify'), attempt: 2 }, 62);
  const startCase = pendingOf(h, 'startCase');
  effectOutcome(h, EFFECT_FAILED, { effectId: startCase, attempt: 3, error: 'no such process', final: true }, 63);
  h.accept(
    requestEffectRetry(h.def, h.state, {
      eventId: h.nextId(),
      occurredAt: at(64),
      actor: boss,
      data: { effectId: startCase },
    }),
  );
  for (let i = 0; i < 80; i++) h.send('PING', {}, clerk, 65 + i * 0.1);
  h.send('SUBMIT', { note: 'first', items: [{ name: 'mask', quantity: 2 }] }, owner, 80);
  effectOutcome(h, EFFECT_FAILED, { effectId: startCase, attempt: 4, error: 'still no such process', final: true }, 81);
  h.send('REJECT', {}, reviewer, 90); // back to open: timers armed again
  for (let i = 0; i < 100; i++) h.send('PING', {}, clerk, 91 + i * 0.1);
  h.fire((t) => t.kind === 'deadline'); // missed again: still overdue at the end
  effectOutcome(h, EFFECT_SUCCEEDED, { effectId: pendingOf(h, 'reportUpward'), attempt: 1 }, 160);
  for (let i = 0; i < 30; i++) h.send('PING', {}, clerk, 161 + i * 0.1);
  return h;
}

describe('case snapshots', () => {
  const h = richHistory();
  const events = h.stored();
  const whole = fold(demoV1, events);

  it('builds a history that exercises every book', () => {
    expect(events.length).toBeGreaterThan(250);
    expect(Object.keys(whole.armedTimers).length).toBeGreaterThan(0);
    expect(Object.keys(whole.pendingEffects).length).toBeGreaterThan(0);
    expect(Object.keys(whole.incidents).length).toBe(1);
    expect(whole.missedDeadlines.length).toBe(2);
    expect(whole.overdue.length).toBe(1);
    expect(view(whole)).toEqual(view(h.state));
  });

  it('restores, at every revision, the state fold gives there, and continues to the state fold gives at the end', () => {
    for (let split = 1; split < events.length; split++) {
      const prefix = events.slice(0, split);
      const atSplit = fold(demoV1, prefix);
      const record = stored(toSnapshotRecord(demoV1, atSplit));
      expect(record.revision).toBe(String(split - 1));
      const restored = fromSnapshotRecord(demoV1, record);
      expect(view(restored)).toEqual(view(atSplit));
      const continued = foldFrom(demoV1, restored, events.slice(split));
      expect(view(continued)).toEqual(view(whole));
    }
  });

  it('restores a state the engine decides on exactly as on the folded one', () => {
    const restored = fromSnapshotRecord(demoV1, stored(toSnapshotRecord(demoV1, whole)));
    const command = { type: 'SUBMIT', data: { note: 'again' }, actor: owner, occurredAt: at(200), eventId: h.nextId() };
    const fromRestored = decide(demoV1, restored, command);
    const fromFolded = decide(demoV1, whole, command);
    expect(fromRestored.event).toEqual(fromFolded.event);
    expect(view(fromRestored.state)).toEqual(view(fromFolded.state));
  });

  it('is plain JSON, and taking it does not touch the state', () => {
    const record = toSnapshotRecord(demoV1, whole);
    const text = (state: CaseState) => JSON.stringify(view(state), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    const before = text(whole);
    expect(stored(record)).toEqual(record);
    expect(typeof record.revision).toBe('string');
    expect(record).toMatchObject({
      format: 1,
      process: 'demo',
      version: 1,
      caseId: 'c1',
      lastEventId: whole.lastEventId,
      lastHash: whole.lastHash,
    });
    expect(text(whole)).toBe(before);
  });

  it('restores a finished case as finished', () => {
    const done = new History(demoV1);
    done.start(0);
    done.send('SUBMIT', { note: 'n' }, owner, 1);
    done.send('NEXT', {}, owner, 2);
    done.send('APPROVE', {}, boss, 3);
    const folded = fold(demoV1, done.stored());
    expect(folded.status).toBe('done');
    const restored = fromSnapshotRecord(demoV1, stored(toSnapshotRecord(demoV1, folded)));
    // XState sorts a finished snapshot's nodes in place (exit order); no transition reads them any more.
    expect(view(restored, true)).toEqual(view(folded, true));
    expect(foldFrom(demoV1, restored, [])).toBe(restored);
  });

  it('runs no action while restoring', () => {
    const calls: string[] = [];
    const spy = (name: string) => () => {
      calls.push(name);
    };
    const spied: WorkflowDefinition = {
      ...demoV1,
      machine: demoV1.machine.provide({
        actions: {
          notify: spy('notify'),
          startCase: spy('startCase'),
          sendEvent: spy('sendEvent'),
          reportUpward: spy('reportUpward'),
        },
      }),
    };
    const restored = fromSnapshotRecord(spied, stored(toSnapshotRecord(demoV1, whole)));
    foldFrom(spied, restored, []);
    expect(restored.snapshot.machine).toBe(spied.machine);
    expect(calls).toEqual([]);
  });

  describe('refuses a record it cannot trust', () => {
    const good = () => stored(toSnapshotRecord(demoV1, whole));
    const refused = (record: unknown, def: WorkflowDefinition = demoV1) => {
      try {
        fromSnapshotRecord(def, record as CaseSnapshotRecord);
      } catch (error) {
        return error instanceof EngineError ? error.code : String(error);
      }
      return 'accepted';
    };

    it.each([
      ['another format', (r: any) => ({ ...r, format: 2 })],
      ['another process', (r: any) => ({ ...r, process: 'other' })],
      ['a revision that is not digits', (r: any) => ({ ...r, revision: '-1' })],
      ['a missing book', (r: any) => ({ ...r, armedTimers: undefined })],
      ['missed deadlines that are not a list', (r: any) => ({ ...r, missedDeadlines: {} })],
      ['no XState snapshot', (r: any) => ({ ...r, persisted: null })],
      ['a state the machine does not have', (r: any) => ({ ...r, persisted: { ...r.persisted, value: 'nowhere' } })],
      ['null', () => null],
    ])('%s', (_name, change) => {
      expect(refused(change(good()))).toBe('ENGINE.CORRUPT_HISTORY');
    });

    it('of another version', () => {
      expect(refused(good(), { ...demoV2 })).toBe('ENGINE.CORRUPT_HISTORY');
      expect(() => toSnapshotRecord(demoV2, whole)).toThrow(EngineError);
    });
  });

  it('matches only the stored event it was taken at', () => {
    const record = stored(toSnapshotRecord(demoV1, fold(demoV1, events.slice(0, 100))));
    expect(snapshotMatches(record, events[99])).toBe(true);
    expect(snapshotMatches(record, events[98])).toBe(false);
    expect(snapshotMatches(record, events[100])).toBe(false);
    expect(snapshotMatches({ ...record, lastHash: 'f'.repeat(64) }, events[99])).toBe(false);
    expect(snapshotMatches(record, { ...events[99], revision: undefined })).toBe(false);
    expect(snapshotMatches(record, { ...events[99], id: events[98].id })).toBe(false);
  });
});
