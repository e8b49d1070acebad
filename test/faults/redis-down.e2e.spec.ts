import { setTimeout as sleep } from 'node:timers/promises';
import { PrivateRedis } from '../../apps/worker/src/testing/harness';
import { FaultRig, probeAdmin } from './fault-rig';

/**
 * Redis stops while commands keep arriving: the commands still succeed (the
 * store is the truth and no command touches Redis); once Redis is back (empty:
 * it kept nothing), the worker catches up on every effect.
 */
describe('fault: Redis is down while commands arrive', () => {
  let redis: PrivateRedis;
  let rig: FaultRig;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    rig = new FaultRig('redisdown', redis.url);
    await rig.start();
  });
  afterAll(async () => {
    await rig?.stop();
    await redis?.kill();
  });

  it('commands succeed without Redis; effects catch up when it returns', async () => {
    const worker = await rig.spawnWorker('worker-1');
    const before = await rig.openCases(20, { mode: 'report', tag: 'before' });
    await rig.waitAllSucceeded(await rig.effectIdsOf(before), 30_000);

    await redis.kill();
    const downAt = Date.now();
    const during: string[] = [];
    const latencies: number[] = [];
    // Commands keep arriving for a while: starts with effects, and events on open cases.
    for (let i = 0; i < 100; i++) {
      const t = Date.now();
      during.push((await rig.cases.start('probe', { mode: 'report', tag: `down-${i}` }, probeAdmin)).state.streamId);
      latencies.push(Date.now() - t);
    }
    const idle = await rig.openCases(5, { mode: 'idle', tag: 'idle' });
    for (const id of idle) await rig.cases.send(id, 'PING', {}, probeAdmin);
    latencies.sort((a, b) => a - b);
    console.log(
      `Redis down: 100 starts + 5 more + 5 PINGs all succeeded; start latency median ${latencies[50]} ms, max ${latencies[99]} ms`,
    );
    await sleep(Math.max(0, 3000 - (Date.now() - downAt)));
    expect(worker.child.exitCode).toBeNull();

    await redis.start();
    const upAt = Date.now();
    console.log(`Redis back after ${upAt - downAt} ms (empty: no persistence)`);
    const effectIds = await rig.effectIdsOf(during);
    const counts = await rig.waitAllSucceeded(effectIds, 60_000);
    console.log(
      `all 100 effects of the outage recorded succeeded ${Date.now() - upAt} ms after Redis returned; exactly once each: ${effectIds.every((id) => counts.get(id) === 1)}; the worker never exited`,
    );
    expect(effectIds.every((id) => counts.get(id) === 1)).toBe(true);
    expect(worker.child.exitCode).toBeNull();
    for (const id of idle) expect((await rig.cases.get(id)).context.pings).toBe(1);
  });
});
