import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@app/engine';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@app/event-store';
import { CaseService } from '../cases/case.service';
import { RuntimeModule } from '../runtime.module';
import { loadRuntimeConfig } from '../runtime.config';
import { EventStoreModule } from '../store/event-store.module';
import { loadStoreConfig } from '../store/store.config';
import { RiskAreaRegister } from './risk-area-register.service';
import { RiskChangePropagator } from './risk-change.propagator';
import { leaveApplication } from '../../../../test/support/fixtures/leave-application';

const STAFF: Actor = { id: 'p-staff', name: '干部职工', roles: ['staff'], unit: 'hazchem', kind: 'user' };
const CHIEF: Actor = { id: 'p-chief', name: '局长', roles: ['chief'], groups: ['leadership'], kind: 'user' };
const OFFICE: Actor = { id: 'p-office', name: '办公室', roles: ['office'], groups: ['coordination'], kind: 'user' };

describe('RiskChangePropagator (real SQLite store)', () => {
  let dir: string;
  let close: () => Promise<void>;
  let cases: CaseService;
  let register: RiskAreaRegister;
  let propagator: RiskChangePropagator;
  let store: EventStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pwe-risk-'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventStoreModule.forRoot(loadStoreConfig({ SQLITE_PATH: join(dir, 'events.db') })),
        RuntimeModule.forRoot(loadRuntimeConfig({})),
      ],
    }).compile();
    const app = await moduleRef.init();
    close = () => app.close();
    cases = app.get(CaseService);
    register = app.get(RiskAreaRegister);
    propagator = app.get(RiskChangePropagator);
    store = app.get(EVENT_STORE);
  });
  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  const trip = (placeCode: string) => leaveApplication(STAFF, { placeCode, name: '某地' });

  async function lastRegisterEvent(placeCode: string): Promise<RecordedEvent> {
    const events: RecordedEvent[] = [];
    for await (const e of store.readStream(`riskArea-${placeCode}`, { direction: 'backwards', maxCount: 1 }))
      events.push(e);
    return events[0];
  }

  it('tells cleared trips to the place, not trips still waiting for approval or to other places; twice is once', async () => {
    const cleared = (await cases.start('leaveApproval', trip('150602'), STAFF)).state.streamId;
    await cases.send(cleared, 'APPROVE', {}, CHIEF);
    await cases.send(cleared, 'FILE', {}, OFFICE);
    const waiting = (await cases.start('leaveApproval', trip('150602'), STAFF)).state.streamId;
    const elsewhere = (await cases.start('leaveApproval', trip('110105'), STAFF)).state.streamId;
    await cases.send(elsewhere, 'APPROVE', {}, CHIEF);
    await cases.send(elsewhere, 'FILE', {}, OFFICE);

    await register.set(
      { placeCode: '150602', name: '东胜区', level: 'high', effectiveFrom: new Date().toISOString() },
      OFFICE,
      new Date().toISOString(),
    );
    const change = await lastRegisterEvent('150602');

    expect(await propagator.propagate(change)).toEqual([cleared]);
    const flagged = await cases.get(cleared);
    expect(flagged.context.riskAlert).toMatchObject({ placeCode: '150602', level: 'high' });
    expect((await cases.history(cleared)).at(-1)?.metadata).toMatchObject({
      actor: { id: 'system:register' },
      causationId: change.id,
    });
    expect((await cases.get(waiting)).context.riskAlert).toBeNull();
    expect((await cases.get(elsewhere)).context.riskAlert).toBeNull();

    const before = (await cases.history(cleared)).length;
    expect(await propagator.propagate(change)).toEqual([]);
    expect((await cases.history(cleared)).length).toBe(before);
  });
});
