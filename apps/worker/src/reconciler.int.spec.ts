import { Redis } from 'ioredis';
import { EFFECT_SUCCEEDED } from '@app/engine';
import { EngineQueues, EngineStatus } from '@app/runtime/jobs';
import { LeaderElection } from './leader/leader-election';
import { Reconciler } from './reconcile/reconciler';
import {
  deletePrefix,
  jobsConfig,
  REDIS_URL,
  tempDir,
  uniquePrefix,
  waitFor,
  WebhookReceiver,
  report,
} from './testing/harness';
import { probeAdmin } from './testing/probe-workflow';
import { allEvents, casesOf, createTestApp } from './testing/test-app';

const AFTER = 'xstate.after.probeDelay.probe.waiting';

/**
 * Losing Redis loses nothing. FLUSHALL is simulated by deleting every key of
 * the test's own prefix (a real FLUSHALL would hit the tests running beside
 * this one; the fault tests flush a redis-server of their own).
 */
describe('reconciler (real SQLite, real Redis)', () => {
  const redis = new Redis(REDIS_URL);
  const receiver = new WebhookReceiver();

  beforeAll(() => receiver.start());
  afterAll(async () => {
    await receiver.stop();
    redis.disconnect();
  });

  it('after Redis is emptied, a new worker enqueues every pending effect and re-arms every timer', async () => {
    const prefix = uniquePrefix('reconcile');
    const files = tempDir('reconcile');
    const overrides = {
      REPORT_UPWARD_URL: receiver.url,
      REPORT_UPWARD_SECRET: receiver.secret,
      EFFECT_ATTEMPTS: '20',
      EFFECT_BACKOFF_MS: '200',
    };
    receiver.status = 503;
    const first = await createTestApp({ sqlite: files.sqlite, jobs: jobsConfig(prefix, overrides) });
    await first.init();
    const effectCases: string[] = [];
    const timerCases: string[] = [];
    try {
      for (let i = 0; i < 30; i++)
        effectCases.push(
          (await casesOf(first).start('probe', { mode: 'report', tag: `p${i}` }, probeAdmin)).state.streamId,
        );
      for (let i = 0; i < 10; i++)
        timerCases.push(
          (await casesOf(first).start('probe', { mode: 'timer', delayMs: 2500 }, probeAdmin)).state.streamId,
        );
      const queues = first.get(EngineQueues);
      let last = '';
      await waitFor('every job enqueued', async () => {
        const timers = await queues.timers().getJobCounts('delayed');
        const effects = await queues.effects('reportUpward').getJobCounts('waiting', 'active', 'delayed');
        last = JSON.stringify({ timers, effects });
        return timers.delayed === 10 && effects.waiting + effects.active + effects.delayed === 30;
      }).catch((e) => {
        throw new Error(`${e.message}: ${last}`);
      });
    } catch (error) {
      await first.close();
      await deletePrefix(redis, prefix);
      files.remove();
      throw error;
    }
    await first.close();
    const removed = await deletePrefix(redis, prefix);
    report(`"FLUSHALL": removed ${removed} keys of ${prefix} with 30 effects pending and 10 timers armed`);
    receiver.status = 200;

    const second = await createTestApp({ sqlite: files.sqlite, jobs: jobsConfig(prefix, overrides) });
    await second.init();
    try {
      const round = await second.get(Reconciler).reconcile();
      report('reconciler report after the flush:', JSON.stringify(round));
      expect(round.effects.enqueued + round.effects.live).toBeGreaterThan(0);
      await waitFor(
        '30 effects done',
        async () => {
          const events = await allEvents(second);
          return events.filter((e) => e.type === EFFECT_SUCCEEDED).length === 30;
        },
        20_000,
      );
      await waitFor(
        '10 timers fired',
        async () => {
          const events = await allEvents(second);
          return events.filter((e) => e.type === AFTER).length === 10;
        },
        20_000,
      );
      const events = await allEvents(second);
      const outcomes = events.filter((e) => e.type === EFFECT_SUCCEEDED).map((e) => (e.data as any).effectId);
      expect(new Set(outcomes).size).toBe(30);
      for (const caseId of effectCases) expect((await casesOf(second).get(caseId)).pendingEffects).toEqual({});
      for (const caseId of timerCases) expect((await casesOf(second).get(caseId)).state).toBe('timedOut');
      report('all 30 effects recorded succeeded once; all 10 timers fired');
    } finally {
      await second.close();
      await deletePrefix(redis, prefix);
      files.remove();
    }
  });

  it('a worker that is running when Redis is emptied notices (lost lock) and reconciles', async () => {
    const prefix = uniquePrefix('reconcile-live');
    const files = tempDir('reconcile-live');
    const overrides = {
      REPORT_UPWARD_URL: receiver.url,
      REPORT_UPWARD_SECRET: receiver.secret,
      EFFECT_ATTEMPTS: '20',
      EFFECT_BACKOFF_MS: '300',
    };
    receiver.status = 503;
    const app = await createTestApp({
      sqlite: files.sqlite,
      jobs: jobsConfig(prefix, { ...overrides, DISPATCHER_LOCK_TTL_MS: '1000' }),
    });
    await app.init();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++)
        ids.push((await casesOf(app).start('probe', { mode: 'report', tag: `l${i}` }, probeAdmin)).state.streamId);
      await waitFor(
        'the jobs',
        async () =>
          (await app.get(EngineQueues).effects('reportUpward').getJobCounts('delayed', 'waiting', 'active')).delayed >
          0,
      );
      await deletePrefix(redis, prefix);
      expect(await app.get(EngineStatus).checkpoint()).toBeNull();
      receiver.status = 200;
      await waitFor(
        '10 effects done',
        async () => {
          const events = await allEvents(app);
          return events.filter((e) => e.type === EFFECT_SUCCEEDED).length === 10;
        },
        20_000,
      );
      expect(app.get(LeaderElection).isLeader).toBe(true);
      expect(await app.get(EngineStatus).checkpoint()).not.toBeNull();
    } finally {
      await app.close();
      await deletePrefix(redis, prefix);
      files.remove();
    }
  });
});
