import { Redis } from 'ioredis';
import { EFFECT_FAILED } from '@app/engine';
import { PrivateRedis } from '../../apps/worker/src/testing/harness';
import { FaultRig, waitFor } from './fault-rig';

const AFTER = 'xstate.after.probeDelay.probe.waiting';

/**
 * FLUSHALL with 200 effects pending (their webhook failing, so they sit in
 * retry) and 50 timers armed; restart the worker: every effect completes and
 * every timer fires. A redis-server of the test's own, so FLUSHALL touches no
 * other test.
 */
describe('fault: Redis is flushed (FLUSHALL)', () => {
  let redis: PrivateRedis;
  let rig: FaultRig;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    rig = new FaultRig('flushall', redis.url);
    await rig.start();
  });
  afterAll(async () => {
    await rig?.stop();
    await redis?.kill();
  });

  it('200 pending effects and 50 armed timers survive it', async () => {
    rig.receiver.status = 503;
    const first = await rig.spawnWorker('worker-1');
    const effectCases = await rig.openCases(200, { mode: 'report', tag: 'f' });
    const timerCases = await rig.openCases(50, { mode: 'timer', delayMs: 7000, tag: 't' });
    const effectIds = await rig.effectIdsOf(effectCases);
    await waitFor(
      'every effect to have failed at least once (pending, in retry)',
      async () =>
        new Set((await rig.events()).filter((e) => e.type === EFFECT_FAILED).map((e) => (e.data as any).effectId))
          .size === 200,
      30_000,
      200,
    );
    const client = new Redis(redis.url);
    const keysBefore = await client.dbsize();
    await first.stop();
    await client.flushall();
    console.log(
      `FLUSHALL with 200 effects pending and 50 timers armed (${keysBefore} keys before, ${await client.dbsize()} after)`,
    );
    client.disconnect();

    rig.receiver.status = 200;
    const second = await rig.spawnWorker('worker-2');
    const counts = await rig.waitAllSucceeded(effectIds, 60_000);
    const fired = await waitFor(
      '50 timers to fire',
      async () => {
        const events = (await rig.events()).filter((e) => e.type === AFTER);
        return events.length >= 50 ? events : undefined;
      },
      30_000,
      200,
    );
    const firedCases = new Set(fired.map((e) => e.streamId));
    const lateness = fired.map((e) => e.created.getTime() - Date.parse((e.data as any).dueAt)).sort((a, b) => a - b);
    console.log(
      [
        `all 200 effects recorded succeeded ${Date.now() - second.readyAt} ms after worker-2 was up (exactly once each: ${[...counts.values()].every((n) => n === 1)})`,
        `all 50 timers fired once (${firedCases.size} cases), lateness median ${lateness[25]} ms, max ${lateness[49]} ms`,
      ].join('\n'),
    );
    expect(effectIds.every((id) => counts.get(id) === 1)).toBe(true);
    expect(fired).toHaveLength(50);
    expect(timerCases.every((id) => firedCases.has(id))).toBe(true);
    for (const id of timerCases.slice(0, 5)) expect((await rig.cases.get(id)).state).toBe('timedOut');
  });
});
