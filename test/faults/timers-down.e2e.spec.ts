import { setTimeout as sleep } from 'node:timers/promises';
import { FaultRig, probeAdmin, waitFor } from './fault-rig';

const AFTER = 'xstate.after.probeDelay.probe.waiting';

/**
 * Timers with no worker running: one that came due meanwhile fires within
 * seconds of the next start; one cancelled by a transition never fires its
 * event, whether it was cancelled while a worker ran or while none did.
 */
describe('fault: timers while the worker is down', () => {
  const rig = new FaultRig('timersdown');
  beforeAll(() => rig.start());
  afterAll(() => rig.stop());

  it('a due timer fires soon after restart; cancelled timers never fire', async () => {
    const first = await rig.spawnWorker('worker-1');
    const [due] = await rig.openCases(1, { mode: 'timer', delayMs: 3000, tag: 'due' });
    const [cancelledUp] = await rig.openCases(1, { mode: 'timer', delayMs: 3000, tag: 'cancelled-while-up' });
    const [cancelledDown] = await rig.openCases(1, { mode: 'timer', delayMs: 3000, tag: 'cancelled-while-down' });
    await sleep(500);
    await rig.cases.send(cancelledUp, 'CANCEL', {}, probeAdmin);
    await sleep(300);
    await first.kill9();
    await rig.cases.send(cancelledDown, 'CANCEL', {}, probeAdmin);
    const dueAt = Date.parse(Object.values((await rig.cases.get(due)).armedTimers)[0].dueAt);
    await sleep(Math.max(0, dueAt - Date.now()) + 1500);
    expect((await rig.cases.get(due)).state).toBe('waiting');
    console.log(`worker-1 killed; the timer came due ${Date.now() - dueAt} ms ago with no worker running`);

    const second = await rig.spawnWorker('worker-2');
    const fired = await waitFor(
      'the overdue timer to fire',
      async () => (await rig.cases.history(due)).find((e) => e.type === AFTER),
      30_000,
      50,
    );
    const afterReady = fired.created.getTime() - second.readyAt;
    const afterSpawn = fired.created.getTime() - second.startedAt;
    console.log(
      `the overdue timer fired ${afterReady} ms after worker-2 was up (${afterSpawn} ms after it was spawned)`,
    );
    expect(afterReady).toBeLessThan(5000);

    await sleep(2000);
    for (const id of [cancelledUp, cancelledDown]) {
      const history = await rig.cases.history(id);
      expect(history.some((e) => e.type === AFTER)).toBe(false);
      expect((await rig.cases.get(id)).state).toBe('cancelled');
    }
    console.log('both cancelled timers (one cancelled while a worker ran, one while none did) never fired their event');
  });
});
