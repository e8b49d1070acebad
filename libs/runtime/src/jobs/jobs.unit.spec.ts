import { deriveUuid } from './derive-uuid';
import { loadJobsConfig } from './jobs.config';
import { jobIdOf } from './jobs.contract';
import { engineKeys } from './redis-keys';

describe('deriveUuid', () => {
  it('is RFC 4122 version 5 (SHA-1, URL namespace): the same as any other implementation', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, 'startCase/abc_0'))"
    expect(deriveUuid('startCase/abc_0')).toBe('d73d1692-ff51-5879-a5ec-1c74b1e0e734');
  });

  it('gives one uuid per name', () => {
    expect(deriveUuid('a')).toBe(deriveUuid('a'));
    expect(deriveUuid('a')).not.toBe(deriveUuid('b'));
  });
});

describe('jobIdOf', () => {
  it("accepts the engine's ids and refuses what BullMQ would", () => {
    expect(jobIdOf('0b9c7c1e-2f4c-4f3e-9d61-1c2b3a4d5e6f_0')).toBe('0b9c7c1e-2f4c-4f3e-9d61-1c2b3a4d5e6f_0');
    expect(() => jobIdOf('a:b')).toThrow(/':'/);
    expect(() => jobIdOf('')).toThrow();
  });
});

describe('loadJobsConfig', () => {
  it('has defaults that run against a local Redis', () => {
    const config = loadJobsConfig({});
    expect(config).toMatchObject({ REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: 'wf', EFFECT_ATTEMPTS: 8 });
  });

  it('reads numbers from the environment', () => {
    expect(loadJobsConfig({ EFFECT_ATTEMPTS: '3', RECONCILE_INTERVAL_MS: '0' })).toMatchObject({
      EFFECT_ATTEMPTS: 3,
      RECONCILE_INTERVAL_MS: 0,
    });
  });

  it('refuses to start with a clear message when a setting is wrong', () => {
    expect(() => loadJobsConfig({ QUEUE_PREFIX: 'a:b' })).toThrow(/QUEUE_PREFIX may use letters/);
    expect(() => loadJobsConfig({ EFFECT_ATTEMPTS: 'many' })).toThrow(/EFFECT_ATTEMPTS/);
    expect(() => loadJobsConfig({ REDIS_URL: 'localhost' })).toThrow(/REDIS_URL must look like/);
    expect(() => loadJobsConfig({ REPORT_UPWARD_URL: 'https://hq.example/report' })).toThrow(
      /REPORT_UPWARD_SECRET is required/,
    );
    expect(() => loadJobsConfig({ NOTIFY_WEBHOOK_URL: 'ftp://x' })).toThrow(/NOTIFY_WEBHOOK_URL must be an http/);
  });
});

describe('engineKeys', () => {
  it('keeps every key under the prefix', () => {
    const keys = engineKeys('wf');
    for (const key of [
      keys.leaderLock,
      keys.dispatcherCheckpoint,
      keys.projectorCheckpoint,
      keys.inboxItems,
      keys.incidents,
      keys.inboxOf('p-1'),
    ]) {
      expect(key.startsWith('wf:')).toBe(true);
    }
  });
});
