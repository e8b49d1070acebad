import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, EFFECT_SUCCEEDED, EngineError, SYSTEM_ACTORS } from '@app/engine';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@app/event-store';
import { RuntimeModule } from '../runtime.module';
import { loadRuntimeConfig } from '../runtime.config';
import { EventStoreModule } from '../store/event-store.module';
import { loadStoreConfig } from '../store/store.config';
import { CaseSnapshots } from './case-snapshots';
import { CASE_RUNTIME_OPTIONS, CaseService, WORKFLOW_REGISTRY } from './case.service';
import { Clock } from './clock';
import { RuntimeError } from './runtime-error';
import { StartFactsProvider } from './start-facts.provider';
import { leaveApplication } from '../../../../test/support/fixtures/leave-application';

const STAFF: Actor = { id: 'p-staff', name: '干部职工', roles: ['staff'], unit: 'hazchem', kind: 'user' };
const CHIEF: Actor = { id: 'p-chief', name: '局长', roles: ['chief'], groups: ['leadership'], kind: 'user' };
const OFFICE: Actor = { id: 'p-office', name: '办公室', roles: ['office'], groups: ['coordination'], kind: 'user' };

const trip = () => leaveApplication(STAFF);

/**
 * A command decides on its cached state without reading the stream first.
 * Two services on one store stand for two processes: `here` has the case
 * cached, `there` moves it on behind its back. Whatever `here` answers must
 * be what it would answer on the stored state.
 */
describe('commands on a stale cached state (two services, one SQLite store)', () => {
  let dir: string;
  let close: () => Promise<void>;
  let store: EventStore;
  let here: CaseService;
  let there: CaseService;
  let service: (clock: Clock) => CaseService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pwe-stale-cache-'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventStoreModule.forRoot(loadStoreConfig({ SQLITE_PATH: join(dir, 'events.db') })),
        RuntimeModule.forRoot(loadRuntimeConfig({})),
      ],
    }).compile();
    const app = await moduleRef.init();
    close = () => app.close();
    store = app.get(EVENT_STORE);
    here = app.get(CaseService);
    // Another service is another cache, as in another process.
    service = (clock) =>
      new CaseService(
        store,
        app.get(WORKFLOW_REGISTRY),
        app.get(CASE_RUNTIME_OPTIONS),
        clock,
        app.get(StartFactsProvider),
        app.get(CaseSnapshots),
      );
    there = service(app.get(Clock));
  });
  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stream(id: string): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const e of store.readStream(id)) events.push(e);
    return events;
  }

  /** A case `here` has cached at revision 0 (awaiting the chief) and `there` has approved. */
  async function approvedBehindItsBack(): Promise<string> {
    const id = (await here.start('leaveApproval', trip(), STAFF)).state.streamId;
    await there.send(id, 'APPROVE', {}, CHIEF);
    return id;
  }

  it('takes an event only the newer state allows (decides again on the stored state)', async () => {
    const id = await approvedBehindItsBack();
    const result = await here.send(id, 'FILE', {}, OFFICE);
    expect(result.state.revision).toBe(2n);
    expect(result.state.state).toBe('cleared');
    expect((await stream(id)).map((e) => e.type)).toEqual(['CASE_STARTED', 'APPROVE', 'FILE']);
  });

  it('refuses an event the cached state allowed but the stored one does not, naming what the stored state allows', async () => {
    const id = await approvedBehindItsBack();
    const refusal = await here.send(id, 'APPROVE', {}, CHIEF).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(EngineError);
    expect((refusal as EngineError).code).toBe('CASE.EVENT_NOT_ALLOWED');
    expect((refusal as EngineError).details).toMatchObject({ state: 'awaitingOfficeFiling' });
    expect(await stream(id)).toHaveLength(2);
  });

  it('checks a client revision against the store, not the cache', async () => {
    const id = await approvedBehindItsBack();
    // The client saw revision 1 (from `there`): right, though `here` has 0 cached.
    const ok = await here.send(id, 'FILE', {}, OFFICE, { expectedRevision: 1n });
    expect(ok.state.revision).toBe(2n);
    const conflict = await here
      .send(id, 'WITHDRAW', { reason: '不去了' }, STAFF, { expectedRevision: 5n })
      .catch((error: unknown) => error);
    expect((conflict as RuntimeError).code).toBe('CASE.REVISION_CONFLICT');
    expect((conflict as RuntimeError).details).toMatchObject({ expectedRevision: 5, actualRevision: 2 });
  });

  it('reports a conflict on a client revision with the stored revision', async () => {
    const id = await approvedBehindItsBack();
    // `here` has revision 0 cached, and the client names 0 too: only the append can tell it is stale.
    const conflict = await here
      .send(id, 'WITHDRAW', { reason: '不去了' }, STAFF, { expectedRevision: 0n })
      .catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(RuntimeError);
    expect((conflict as RuntimeError).code).toBe('CASE.REVISION_CONFLICT');
    expect((conflict as RuntimeError).details).toMatchObject({ expectedRevision: 0, actualRevision: 1 });
    expect(await stream(id)).toHaveLength(2);
  });

  it('fires a timer armed by an event it has not seen', async () => {
    // A worker whose clock is past the office's filing deadline (PT4H), with the case cached before APPROVE.
    const worker = service({ now: () => new Date(Date.now() + 5 * 3600_000) });
    const id = (await worker.start('leaveApproval', trip(), STAFF)).state.streamId;
    const approved = await there.send(id, 'APPROVE', {}, CHIEF);
    const [timer] = Object.values(approved.state.armedTimers);
    expect(timer.state).toBe('awaitingOfficeFiling');
    const fired = await worker.fireTimer(id, timer.id);
    expect(fired.event?.type).toBe('DEADLINE_MISSED');
    expect((await stream(id)).map((e) => e.type)).toEqual(['CASE_STARTED', 'APPROVE', 'DEADLINE_MISSED']);
  });

  it('records the outcome of an effect emitted by an event it has not seen, and only once', async () => {
    const id = (await here.start('leaveApproval', trip(), STAFF)).state.streamId;
    await there.send(id, 'APPROVE', {}, CHIEF);
    await there.send(id, 'FILE', {}, OFFICE);
    // Raise the destination's risk while cleared: a notify effect, emitted behind `here`'s back.
    const raised = await there.send(
      id,
      'RISK_LEVEL_CHANGED',
      { placeCode: '150602', level: 'high', asOf: new Date().toISOString() },
      { ...SYSTEM_ACTORS.register, roles: [...SYSTEM_ACTORS.register.roles] },
    );
    const effectId = Object.keys(raised.state.pendingEffects)[0];
    expect(effectId).toBeDefined();
    const first = await here.recordEffectOutcome(id, { type: EFFECT_SUCCEEDED, data: { effectId, attempt: 1 } });
    expect(first.event?.type).toBe(EFFECT_SUCCEEDED);
    // `there` is stale now; a duplicate report is recognised as already recorded, not appended.
    const again = await there.recordEffectOutcome(id, { type: EFFECT_SUCCEEDED, data: { effectId, attempt: 1 } });
    expect(again.event).toBeNull();
    expect((await stream(id)).filter((e) => e.type === EFFECT_SUCCEEDED)).toHaveLength(1);
  });
});
