import { LoginAttempts } from './login-attempts';

describe('per-account login failures', () => {
  let now = 0;
  const attempts = () => new LoginAttempts(3, 15 * 60_000, () => now);

  beforeEach(() => {
    now = Date.parse('2020-10-01T08:00:00Z');
  });

  it('locks after the limit, for the lock duration, then unlocks', () => {
    const a = attempts();
    expect(a.recordFailure('staff')).toBeUndefined();
    expect(a.recordFailure('STAFF ')).toBeUndefined();
    const until = a.recordFailure('staff');
    expect(until?.toISOString()).toBe('2020-10-01T08:15:00.000Z');
    expect(a.lockedUntil('staff')?.toISOString()).toBe('2020-10-01T08:15:00.000Z');
    expect(a.lockedUntil('other')).toBeUndefined();
    now += 15 * 60_000;
    expect(a.lockedUntil('staff')).toBeUndefined();
  });

  it('forgets old failures and resets on success', () => {
    const a = attempts();
    a.recordFailure('staff');
    a.recordFailure('staff');
    now += 16 * 60_000;
    expect(a.recordFailure('staff')).toBeUndefined();
    a.recordSuccess('staff');
    a.recordFailure('staff');
    expect(a.recordFailure('staff')).toBeUndefined();
  });

  it('bounds memory without ever dropping a lock', () => {
    const a = new LoginAttempts(2, 60_000, () => now, 10);
    a.recordFailure('victim');
    a.recordFailure('victim');
    for (let i = 0; i < 100; i++) a.recordFailure(`made-up-${i}`);
    expect(a.lockedUntil('victim')).toBeDefined();
    expect((a as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(11);
  });
});
