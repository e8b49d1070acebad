import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Actor,
  type CaseState,
  canTake,
  EFFECT_FAILED,
  EFFECT_SUCCEEDED,
  fold,
  SYSTEM_ACTORS,
  toSnapshotRecord,
  type WorkflowRegistry,
} from '@app/engine';
import { EVENT_STORE, type EventStore, type RecordedEvent, SqliteEventStore } from '@app/event-store';
import { RuntimeModule } from '../runtime.module';
import { loadRuntimeConfig } from '../runtime.config';
import { EventStoreModule } from '../store/event-store.module';
import { loadStoreConfig } from '../store/store.config';
import { CASE_SNAPSHOT_CATEGORY, CASE_SNAPSHOT_TAKEN, CaseSnapshots, caseSnapshotStreamId } from './case-snapshots';
import { CASE_RUNTIME_OPTIONS, CaseService, WORKFLOW_REGISTRY } from './case.service';
import { Clock } from './clock';
import { StartFactsProvider } from './start-facts.provider';
import { leaveApplication } from '../../../../test/support/fixtures/leave-application';

const STAFF: Actor = { id: 'p-staff', name: '干部职工', roles: ['staff'], unit: 'hazchem', kind: 'user' };
const CHIEF: Actor = { id: 'p-chief', name: '局长', roles: ['chief'], groups: ['leadership'], kind: 'user' };
const OFFICE: Actor = { id: 'p-office', name: '办公室', roles: ['office'], groups: ['coordination'], kind: 'user' };
const EVERY = 50;
const PLACE = '150602';
const LEAVE_EVENTS = ['APPROVE', 'REJECT', 'FILE', 'DEPART', 'RETURN', 'WITHDRAW', 'RISK_LEVEL_CHANGED'];

const trip = () => leaveApplication(STAFF, { placeCode: PLACE, name: '东胜区' });

/** Everything of a state the runtime reads, the XState snapshot reduced to what later transitions and views read. */
function view(state: CaseState) {
  const { snapshot, ...rest } = state;
  const nodes = (snapshot as unknown as { _nodes: Array<{ id: string }> })._nodes.map((node) => node.id);
  return {
    ...rest,
    snapshot: { json: JSON.parse(JSON.stringify(snapshot)), nodes, historyValue: snapshot.historyValue },
    can: LEAVE_EVENTS.map((type) =>
      canTake(state, {
        type,
        data: { placeCode: PLACE, level: 'high', asOf: new Date().toISOString() },
        occurredAt: new Date().toISOString(),
        actor: SYSTEM_ACTORS.register,
        eventId: 'x',
      }),
    ),
  };
}

async function readAllOf(store: EventStore, categories?: string[]): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const e of store.readAll(categories ? { filter: { streamCategories: categories } } : {})) events.push(e);
  return events;
}

async function streamOf(store: EventStore, streamId: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const e of store.readStream(streamId)) events.push(e);
  return events;
}

describe('case snapshots (real SQLite store)', () => {
  let dir: string;
  let close: () => Promise<void>;
  let cases: CaseService;
  let snapshots: CaseSnapshots;
  let store: EventStore;
  let registry: WorkflowRegistry;
  let fresh: (snapshotsOf?: CaseSnapshots) => CaseService;
  let warn: jest.SpyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pwe-snapshots-'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventStoreModule.forRoot(loadStoreConfig({ SQLITE_PATH: join(dir, 'events.db') })),
        RuntimeModule.forRoot(loadRuntimeConfig({ CASE_SNAPSHOT_EVERY: String(EVERY) })),
      ],
    }).compile();
    const app = await moduleRef.init();
    close = () => app.close();
    cases = app.get(CaseService);
    snapshots = app.get(CaseSnapshots);
    store = app.get(EVENT_STORE);
    registry = app.get(WORKFLOW_REGISTRY);
    // A new service is an empty cache, as after a restart.
    fresh = (snapshotsOf = snapshots) =>
      new CaseService(
        store,
        registry,
        app.get(CASE_RUNTIME_OPTIONS),
        app.get(Clock),
        app.get(StartFactsProvider),
        snapshotsOf,
      );
  });
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A cleared trip with `loops` RISK_LEVEL_CHANGED self-loops, effects succeeded, failed and one incident. */
  async function longCase(service: CaseService, loops: number): Promise<string> {
    const id = (await service.start('leaveApproval', trip(), STAFF)).state.streamId;
    await service.send(id, 'APPROVE', {}, CHIEF);
    await service.send(id, 'FILE', {}, OFFICE);
    for (let i = 0; i < loops; i++) {
      const level = i % 4 === 0 ? 'medium' : 'low';
      await service.send(
        id,
        'RISK_LEVEL_CHANGED',
        { placeCode: PLACE, level, asOf: new Date().toISOString() },
        {
          ...SYSTEM_ACTORS.register,
          roles: [...SYSTEM_ACTORS.register.roles],
        },
      );
      if (i === 40 || i === 80) {
        const pending = Object.values((await service.get(id)).pendingEffects);
        await service.recordEffectOutcome(id, {
          type: EFFECT_SUCCEEDED,
          data: { effectId: pending[0].id, attempt: 1 },
        });
        await service.recordEffectOutcome(id, {
          type: EFFECT_FAILED,
          data: { effectId: pending[1].id, attempt: 5, error: 'smtp down', final: i === 80 },
        });
      }
    }
    return id;
  }

  async function fullFold(id: string): Promise<CaseState> {
    const events = await streamOf(store, id);
    return fold(registry.forHistory(events), events);
  }

  it('writes a snapshot each time the event count reaches a multiple of CASE_SNAPSHOT_EVERY, off the command path', async () => {
    const id = await longCase(cases, 2 * EVERY + 30);
    await snapshots.drain();
    const head = (await cases.get(id)).revision;
    expect(head).toBeGreaterThan(BigInt(2 * EVERY));
    const written = await streamOf(store, caseSnapshotStreamId(id));
    const revisions = written.map((e) => (e.data as { revision: string }).revision);
    const expected: string[] = [];
    for (let count = EVERY; count <= Number(head) + 1; count += EVERY) expected.push(String(count - 1));
    expect(revisions).toEqual(expected);
    expect(written[0].streamId).toBe(`${CASE_SNAPSHOT_CATEGORY}-${id.replace('-', '_')}`);
    expect(written.every((e) => e.type === CASE_SNAPSHOT_TAKEN)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('loads a case cold from its newest snapshot and the events after it, as a full fold does', async () => {
    const id = await longCase(cases, 2 * EVERY + 30);
    await snapshots.drain();
    const expected = await fullFold(id);
    expect(Object.keys(expected.incidents)).toHaveLength(1);
    expect(Object.keys(expected.pendingEffects).length).toBeGreaterThan(0);

    const service = fresh();
    const reads = jest.spyOn(store, 'readStream');
    const loaded = await service.get(id);
    expect(reads.mock.calls).toEqual([
      [caseSnapshotStreamId(id), { direction: 'backwards', maxCount: 1 }],
      [id, { fromRevision: BigInt(2 * EVERY - 1) }],
    ]);
    expect(view(loaded)).toEqual(view(expected));
    expect(view(loaded)).toEqual(view(await cases.get(id)));

    // And it decides on the restored state as on the folded one.
    const next = await service.send(
      id,
      'RISK_LEVEL_CHANGED',
      { placeCode: PLACE, level: 'high', asOf: new Date().toISOString() },
      SYSTEM_ACTORS.register,
    );
    expect(view(next.state)).toEqual(view(await fullFold(id)));
    expect(warn).not.toHaveBeenCalled();
  });

  it('reads a deflated snapshot (a large record) as well', async () => {
    const id = await longCase(cases, 10);
    const deflating = new CaseSnapshots(
      store,
      { every: EVERY, inlineMaxBytes: 64 },
      new (class extends Clock {
        now = () => new Date();
      })(),
    );
    const def = registry.latest('leaveApproval');
    await deflating.write(def, await cases.get(id));
    const [event] = await streamOf(store, caseSnapshotStreamId(id));
    expect((event.data as { encoding: string }).encoding).toBe('deflate');
    await cases.send(
      id,
      'RISK_LEVEL_CHANGED',
      { placeCode: PLACE, level: 'low', asOf: new Date().toISOString() },
      SYSTEM_ACTORS.register,
    );
    const reads = jest.spyOn(store, 'readStream');
    const loaded = await fresh().get(id);
    expect(reads.mock.calls[1]).toEqual([id, { fromRevision: (await cases.get(id)).revision - 1n }]);
    expect(view(loaded)).toEqual(view(await fullFold(id)));
  });

  it('ignores a snapshot that does not match the stream (wrong lastHash) and folds the whole stream', async () => {
    const id = await longCase(cases, EVERY + 10);
    await snapshots.drain();
    const good = await snapshots.latest(id);
    const record = await good!.record();
    const forged = { ...record, lastHash: 'f'.repeat(64) };
    await store.appendToStream(caseSnapshotStreamId(id), [
      {
        id: randomUUID(),
        type: CASE_SNAPSHOT_TAKEN,
        data: { ...good!.header, lastHash: forged.lastHash, encoding: 'json', record: forged },
        metadata: { snapshotOf: id },
      },
    ]);
    const reads = jest.spyOn(store, 'readStream');
    const loaded = await fresh().get(id);
    expect(reads.mock.calls.map(([, options]) => options)).toEqual([
      { direction: 'backwards', maxCount: 1 },
      { fromRevision: BigInt(record.revision) },
      { fromRevision: 'start' },
    ]);
    expect(view(loaded)).toEqual(view(await fullFold(id)));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('does not match the stream'));

    // The full fold wrote a good snapshot over it: the next cold load starts from that one.
    await snapshots.drain();
    const expected = await fullFold(id);
    reads.mockClear();
    const again = await fresh().get(id);
    expect(reads.mock.calls.map(([, options]) => options)).toEqual([
      { direction: 'backwards', maxCount: 1 },
      { fromRevision: expected.revision },
    ]);
    expect(view(again)).toEqual(view(expected));
  });

  it('ignores a snapshot whose header matches but whose record cannot be restored', async () => {
    const id = await longCase(cases, EVERY + 10);
    await snapshots.drain();
    const good = await snapshots.latest(id);
    const record = await good!.record();
    const broken = { ...record, persisted: { ...record.persisted, value: 'nowhere' } };
    await store.appendToStream(caseSnapshotStreamId(id), [
      {
        id: randomUUID(),
        type: CASE_SNAPSHOT_TAKEN,
        data: { ...good!.header, encoding: 'json', record: broken },
        metadata: { snapshotOf: id },
      },
    ]);
    const loaded = await fresh().get(id);
    expect(view(loaded)).toEqual(view(await fullFold(id)));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('folding the whole stream'));

    // Superseded too, although a good snapshot of that very revision is older in the stream.
    await snapshots.drain();
    const expected = await fullFold(id);
    const reads = jest.spyOn(store, 'readStream');
    const again = await fresh().get(id);
    expect(reads.mock.calls.map(([, options]) => options)).toEqual([
      { direction: 'backwards', maxCount: 1 },
      { fromRevision: expected.revision },
    ]);
    expect(view(again)).toEqual(view(expected));
  });

  it('never shows in a process category, and carries nothing a reader of the log acts on', async () => {
    const id = await longCase(cases, EVERY);
    await snapshots.drain();
    const leave = await readAllOf(store, ['leaveApproval']);
    expect(leave.length).toBeGreaterThan(EVERY);
    expect(leave.filter((e) => e.type === CASE_SNAPSHOT_TAKEN || !e.streamId.startsWith('leaveApproval-'))).toEqual([]);
    expect(await readAllOf(store, registry.processes())).toEqual(
      (await readAllOf(store)).filter((e) => !e.streamId.startsWith(`${CASE_SNAPSHOT_CATEGORY}-`)),
    );
    const taken = (await readAllOf(store)).filter((e) => e.type === CASE_SNAPSHOT_TAKEN);
    expect(taken.some((e) => e.metadata.snapshotOf === id)).toBe(true);
    for (const e of taken) {
      expect(e.streamId.startsWith(`${CASE_SNAPSHOT_CATEGORY}-`)).toBe(true);
      expect(e.metadata).not.toHaveProperty('caseId');
      expect(e.metadata).not.toHaveProperty('effects');
      expect(e.metadata).not.toHaveProperty('timers');
      expect(e.metadata).not.toHaveProperty('cancelledTimers');
    }
    // History and verification still read the case's own events only.
    expect((await cases.history(id)).every((e) => e.streamId === id)).toBe(true);
    expect((await cases.verify(id)).chain).toMatchObject({ ok: true });
  });

  it('never fails a command when a snapshot cannot be written', async () => {
    const append = store.appendToStream.bind(store);
    jest
      .spyOn(store, 'appendToStream')
      .mockImplementation((stream, events, options) =>
        stream.startsWith(`${CASE_SNAPSHOT_CATEGORY}-`)
          ? Promise.reject(new Error('disk full'))
          : append(stream, events, options),
      );
    const id = await longCase(cases, EVERY);
    await snapshots.drain();
    // start, approve, file, the loops, two outcomes: every command went through.
    expect((await cases.get(id)).revision).toBe(BigInt(3 + EVERY + 2 - 1));
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('disk full'));
    jest.restoreAllMocks();
    expect(await snapshots.latest(id)).toBeUndefined();
  });

  it('gives a long case without a snapshot one on its first cold load; CASE_SNAPSHOT_EVERY=0 reads and writes none', async () => {
    const clock = new (class extends Clock {
      now = () => new Date();
    })();
    const off = new CaseSnapshots(store, { every: 0 }, clock);
    const id = await longCase(fresh(off), EVERY + 5);
    await off.drain();
    expect(await snapshots.latest(id)).toBeUndefined();
    expect(await off.latest(id)).toBeUndefined();

    await fresh().get(id);
    await snapshots.drain();
    const taken = await snapshots.latest(id);
    expect(taken?.header.revision).toBe((await fullFold(id)).revision.toString());
    const reads = jest.spyOn(store, 'readStream');
    await fresh(off).get(id);
    expect(reads.mock.calls.map(([stream]) => stream)).toEqual([id]);
  });

  it('writes what it reads back', async () => {
    const id = await longCase(cases, 5);
    const def = registry.latest('leaveApproval');
    const state = await cases.get(id);
    await snapshots.write(def, state);
    const latest = await snapshots.latest(id);
    expect(latest!.header).toMatchObject({ process: 'leaveApproval', revision: state.revision.toString() });
    expect(await latest!.record()).toEqual(JSON.parse(JSON.stringify(toSnapshotRecord(def, state))));
  });

  it('finishes a pending write before the store closes', async () => {
    const path = join(dir, 'shutdown.db');
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventStoreModule.forRoot(loadStoreConfig({ SQLITE_PATH: path })),
        RuntimeModule.forRoot(loadRuntimeConfig({ CASE_SNAPSHOT_EVERY: '3' })),
      ],
    }).compile();
    const app = await moduleRef.init();
    const service = app.get(CaseService);
    const id = (await service.start('leaveApproval', trip(), STAFF)).state.streamId;
    await service.send(id, 'APPROVE', {}, CHIEF);
    await service.send(id, 'FILE', {}, OFFICE); // third event: a snapshot is due, not yet written
    await app.close();
    const reopened = new SqliteEventStore({ path });
    try {
      const written = await streamOf(reopened, caseSnapshotStreamId(id));
      expect(written.map((e) => (e.data as { revision: string }).revision)).toEqual(['2']);
    } finally {
      await reopened.close();
    }
  });
});
