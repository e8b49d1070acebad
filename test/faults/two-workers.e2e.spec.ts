import { FaultRig } from './fault-rig';

/**
 * Two worker processes on the same store and Redis: one dispatches (the lock),
 * both work; no effect is carried out by both.
 */
describe('fault: two worker processes', () => {
  const rig = new FaultRig('twoworkers');
  beforeAll(() => rig.start());
  afterAll(() => rig.stop());

  it('300 effects: each executed once, recorded once, the work shared', async () => {
    rig.receiver.delayMs = 3;
    const [a, b] = await Promise.all([rig.spawnWorker('worker-a'), rig.spawnWorker('worker-b')]);
    const caseIds = await rig.openCases(300, { mode: 'report', tag: 'two' });
    const effectIds = await rig.effectIdsOf(caseIds);
    const counts = await rig.waitAllSucceeded(effectIds, 60_000);
    const deliveries = rig.receiver.counts();
    const twice = [...deliveries].filter(([, n]) => n > 1);
    const byWorker = new Map<string, number>();
    for (const d of rig.receiver.deliveries) byWorker.set(d.worker, (byWorker.get(d.worker) ?? 0) + 1);
    const leaders = [a, b].filter((w) => w.output.some((l) => l.includes('is the dispatcher'))).length;
    console.log(
      [
        `deliveries by worker process: ${[...byWorker].map(([w, n]) => `${w}=${n}`).join(', ')}`,
        `effects executed more than once: ${twice.length}; recorded more than once: ${[...counts.values()].filter((n) => n !== 1).length}`,
        `processes that dispatched: ${leaders}`,
      ].join('\n'),
    );
    expect(twice).toEqual([]);
    expect(effectIds.every((id) => deliveries.get(id) === 1 && counts.get(id) === 1)).toBe(true);
    expect(byWorker.size).toBe(2);
    expect(leaders).toBe(1);
  });
});
