import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '@app/engine';
import { SqliteEventStore } from '@app/event-store';
import { RiskAreaRegister } from './risk-area-register.service';

const ADMIN: Actor = { id: 'p-admin', name: '管理员', roles: ['admin'], kind: 'user' };

/**
 * Each register keeps the places it has read and reads only what was
 * appended since. Two registers on one store stand for two processes: what
 * one records, the other must see on its next lookup.
 */
describe('risk-area register lookups (two registers, one SQLite store)', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pwe-register-'));
    store = new SqliteEventStore({ path: join(dir, 'events.db') });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const set = (register: RiskAreaRegister, level: 'low' | 'medium' | 'high', effectiveFrom: string) =>
    register.set({ placeCode: '150602', name: '东胜区', level, effectiveFrom }, ADMIN, new Date().toISOString());

  it('sees a place the other process registered after it looked it up and found nothing', async () => {
    const api = new RiskAreaRegister(store);
    const office = new RiskAreaRegister(store);
    const at = new Date().toISOString();
    expect(await api.levelAt('150602', at)).toEqual({ level: 'unknown', asOf: at });
    await set(office, 'low', '2026-01-01T00:00:00Z');
    expect((await api.levelAt('150602', at)).level).toBe('low');
  });

  it('sees every later change, with its history, after having cached the place', async () => {
    const api = new RiskAreaRegister(store);
    const office = new RiskAreaRegister(store);
    const at = new Date().toISOString();
    expect((await api.levelAt('150602', at)).level).toBe('low');
    await set(office, 'high', '2026-02-01T00:00:00Z');
    expect((await api.levelAt('150602', at)).level).toBe('high');
    // Effective dates still count: before the change the place was low.
    expect((await api.levelAt('150602', '2026-01-15T00:00:00Z')).level).toBe('low');
    await set(office, 'medium', '2026-03-01T00:00:00Z');
    const entry = await api.get('150602');
    expect(entry?.level).toBe('medium');
    expect(entry?.history.map((h) => h.level)).toEqual(['low', 'high']);
    expect(entry?.revision).toBe(2);
  });
});
