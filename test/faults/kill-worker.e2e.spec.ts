import { FaultRig, waitFor } from './fault-rig';

/**
 * kill -9 the worker in the middle of 500 effects, start another: every effect
 * is recorded succeeded exactly once; every side effect (a signed webhook) is
 * delivered at least once, and any duplicate carries the same effect id.
 */
describe('fault: the worker is killed (SIGKILL) mid-work', () => {
  const rig = new FaultRig('kill9');
  beforeAll(() => rig.start());
  afterAll(() => rig.stop());

  it('500 effects: none lost, none recorded twice', async () => {
    rig.receiver.delayMs = 5;
    const first = await rig.spawnWorker('worker-1');
    const caseIds = await rig.openCases(500, { mode: 'report', tag: 'k' });
    const effectIds = await rig.effectIdsOf(caseIds);
    expect(effectIds).toHaveLength(500);

    await waitFor('some deliveries before the kill', () => rig.receiver.deliveries.length >= 120, 60_000, 10);
    await first.kill9();
    const atKill = { delivered: rig.receiver.deliveries.length, recorded: (await rig.succeededCounts()).size };
    console.log(
      `killed worker-1 (SIGKILL) after ${atKill.delivered} webhook deliveries, ${atKill.recorded} outcomes recorded`,
    );

    const second = await rig.spawnWorker('worker-2');
    const counts = await rig.waitAllSucceeded(effectIds, 90_000);
    const recoveredIn = Date.now() - second.readyAt;

    const recordedTwice = [...counts].filter(([, n]) => n !== 1);
    const deliveries = rig.receiver.counts();
    const undelivered = effectIds.filter((id) => !deliveries.has(id));
    const duplicates = [...deliveries].filter(([, n]) => n > 1);
    const headerMismatch = rig.receiver.deliveries.filter((d) => d.body.effectId !== d.effectId);
    console.log(
      [
        `restarted: all 500 effects recorded ${recoveredIn} ms after worker-2 was up`,
        `EFFECT_SUCCEEDED per effect: ${recordedTwice.length === 0 ? 'exactly 1 for all 500' : `${recordedTwice.length} not 1`}`,
        `webhook deliveries: ${rig.receiver.deliveries.length} for 500 effects; ${undelivered.length} undelivered; ${duplicates.length} delivered more than once`,
        `duplicates carry the same X-Effect-Id as their body's effectId: ${headerMismatch.length === 0 ? 'yes' : 'NO'}`,
        `signature failures: ${rig.receiver.badSignatures.length}`,
      ].join('\n'),
    );
    expect(recordedTwice).toEqual([]);
    expect(undelivered).toEqual([]);
    expect(headerMismatch).toEqual([]);
    expect(rig.receiver.badSignatures).toEqual([]);
    // Duplicates are allowed (at least once), bounded by the jobs in flight at the kill.
    expect(duplicates.length).toBeLessThanOrEqual(8 * 2);
  });
});
