import { Redis } from 'ioredis';
import { EFFECT_SUCCEEDED } from '@app/engine';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@app/event-store';
import { DirectoryService } from '@app/auth';
import { EngineMetrics, EngineQueues, EngineStatus, InboxReadModel } from '@app/runtime/jobs';
import { JobScheduler } from './dispatch/job-scheduler';
import { LeaderElection } from './leader/leader-election';
import { deletePrefix, jobsConfig, REDIS_URL, tempDir, uniquePrefix, waitFor, report } from './testing/harness';
import { probeAdmin } from './testing/probe-workflow';
import { allEvents, casesOf, createTestApp } from './testing/test-app';

/** The dispatcher: job ids make re-dispatch harmless; the checkpoint; one leader at a time. */
describe('dispatcher (real SQLite, real Redis)', () => {
  const redis = new Redis(REDIS_URL);
  const cleanups: Array<() => Promise<unknown> | unknown> = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    redis.disconnect();
  });

  async function setup(name: string, worker = false, overrides: Record<string, string> = {}) {
    const prefix = uniquePrefix(name);
    const files = tempDir(name);
    const app = await createTestApp({ sqlite: files.sqlite, jobs: jobsConfig(prefix, overrides), worker });
    await app.init();
    cleanups.push(
      () => files.remove(),
      () => deletePrefix(redis, prefix),
      () => app.close(),
    );
    return { prefix, files, app };
  }

  it('dispatching the same events twice enqueues each effect and timer once', async () => {
    const { app } = await setup('dispatch-twice');
    const cases = casesOf(app);
    for (let i = 0; i < 5; i++) await cases.start('probe', { mode: 'report', tag: `d${i}` }, probeAdmin);
    for (let i = 0; i < 3; i++) await cases.start('probe', { mode: 'timer', delayMs: 60_000 }, probeAdmin);
    const events = await allEvents(app);
    const scheduler = new JobScheduler(app.get(EngineQueues), casesOf(app), app.get(EngineMetrics));
    await scheduler.dispatch(events, false);
    await scheduler.dispatch(events, false);
    await scheduler.dispatch(events, true);
    const queues = app.get(EngineQueues);
    const reports = await queues.effects('reportUpward').getJobCounts('waiting', 'delayed', 'active');
    const timers = await queues.timers().getJobCounts('waiting', 'delayed', 'active');
    report('after 3 dispatches of the same events: report jobs', reports, 'timer jobs', timers);
    expect(reports.waiting).toBe(5);
    expect(timers.delayed).toBe(3);
    const ids = (await queues.effects('reportUpward').getJobs(['waiting'])).map((j) => j.id).sort();
    const effectIds = events.flatMap((e) => ((e.metadata as any).effects ?? []).map((x: any) => x.id)).sort();
    expect(ids).toEqual(effectIds);
    expect(ids.every((id) => id && !id.includes(':'))).toBe(true);
  });

  it('a cancelled timer loses its delayed job', async () => {
    const { app } = await setup('dispatch-cancel');
    const cases = casesOf(app);
    const { state } = await cases.start('probe', { mode: 'timer', delayMs: 60_000 }, probeAdmin);
    const scheduler = new JobScheduler(app.get(EngineQueues), casesOf(app), app.get(EngineMetrics));
    await scheduler.dispatch(await allEvents(app), false);
    const timerId = Object.keys(state.armedTimers)[0];
    expect(await app.get(EngineQueues).timers().getJobState(timerId)).toBe('delayed');
    const cancel = await cases.send(state.streamId, 'CANCEL', {}, probeAdmin);
    expect(cancel.event!.metadata.cancelledTimers).toEqual([timerId]);
    await scheduler.dispatch([(await allEvents(app)).at(-1)!], false);
    expect(await app.get(EngineQueues).timers().getJobState(timerId)).toBe('unknown');
  });

  it('saves its checkpoint after enqueueing and resumes from it', async () => {
    const { app, prefix, files } = await setup('dispatch-checkpoint', true);
    const cases = casesOf(app);
    const status = app.get(EngineStatus);
    await waitFor('the dispatcher to lead', () => app.get(LeaderElection).isLeader);
    for (let i = 0; i < 10; i++) await cases.start('probe', { mode: 'notify', tag: `c${i}` }, probeAdmin);
    const head = await app.get<EventStore>(EVENT_STORE).headPosition();
    await waitFor('the checkpoint to reach the head', async () => ((await status.checkpoint()) ?? 0n) >= head);
    await waitFor(
      '10 outcomes',
      async () => (await allEvents(app)).filter((e) => e.type === EFFECT_SUCCEEDED).length === 10,
    );
    await app.close();

    // Appended while no worker runs; a new process resumes from the checkpoint.
    const second = await createTestApp({ sqlite: files.sqlite, jobs: jobsConfig(prefix), worker: false });
    await second.init();
    for (let i = 0; i < 4; i++) await casesOf(second).start('probe', { mode: 'notify', tag: `late${i}` }, probeAdmin);
    await second.close();
    const third = await createTestApp({ sqlite: files.sqlite, jobs: jobsConfig(prefix), worker: true });
    await third.init();
    cleanups.push(() => third.close());
    const outcomes = await waitFor('14 outcomes', async () => {
      const done = (await allEvents(third)).filter((e) => e.type === EFFECT_SUCCEEDED);
      return done.length >= 14 ? done : undefined;
    });
    expect(new Set(outcomes.map((e) => (e.data as any).effectId)).size).toBe(14);
    report(
      `checkpoint ${await third.get(EngineStatus).checkpoint()} of head ${await third.get<EventStore>(EVENT_STORE).headPosition()}; 14 effects done once each`,
    );
  });

  it('ignores a checkpoint past the head of the log (another store with the same Redis) instead of skipping events', async () => {
    const { app, prefix } = await setup('dispatch-foreign-checkpoint', true);
    await waitFor('the dispatcher to lead', () => app.get(LeaderElection).isLeader);
    for (let i = 0; i < 10; i++) await casesOf(app).start('probe', { mode: 'notify', tag: `old${i}` }, probeAdmin);
    await waitFor(
      '10 outcomes',
      async () => (await allEvents(app)).filter((e) => e.type === EFFECT_SUCCEEDED).length === 10,
    );
    const old = app.get(EngineStatus);
    await waitFor('the checkpoint to pass 19', async () => ((await old.checkpoint()) ?? 0n) >= 19n);
    await app.close();

    // A fresh data directory, the same Redis prefix: the stored checkpoint is the old store's.
    const files = tempDir('dispatch-foreign-checkpoint-new');
    cleanups.push(() => files.remove());
    const fresh = await createTestApp({
      sqlite: files.sqlite,
      jobs: jobsConfig(prefix, { RECONCILE_INTERVAL_MS: '0' }),
      worker: true,
    });
    await fresh.init();
    cleanups.push(() => fresh.close());
    await waitFor('the dispatcher to lead', () => fresh.get(LeaderElection).isLeader);
    // Appended after start-up, so only the dispatcher (not the reconciler's start-up scan) can enqueue them.
    for (let i = 0; i < 3; i++) await casesOf(fresh).start('probe', { mode: 'notify', tag: `new${i}` }, probeAdmin);
    await waitFor(
      '3 outcomes in the new store',
      async () => (await allEvents(fresh)).filter((e) => e.type === EFFECT_SUCCEEDED).length === 3,
    );
    const head = await fresh.get<EventStore>(EVENT_STORE).headPosition();
    expect((await fresh.get(EngineStatus).checkpoint()) ?? 0n).toBeLessThanOrEqual(head);
    // The inbox is rebuilt from this log: the new cases' notices, none of the old store's.
    const chief = fresh.get(DirectoryService).chief();
    const inbox = await waitFor('the new notices in the inbox', async () => {
      const page = await fresh.get(InboxReadModel).list(chief.id);
      return page.items.length === 3 ? page.items : undefined;
    });
    const newCases = new Set((await allEvents(fresh)).map((e) => e.streamId));
    expect(inbox.every((item) => newCases.has(item.caseId))).toBe(true);
  });

  it('only one process dispatches; another takes over when it stops', async () => {
    const { app: a, prefix, files } = await setup('dispatch-leader', true);
    await waitFor('a leader', () => a.get(LeaderElection).isLeader);
    const b = await createTestApp({ sqlite: files.sqlite, jobs: jobsConfig(prefix), worker: true });
    await b.init();
    cleanups.push(() => b.close());
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.get(LeaderElection).isLeader).toBe(true);
    expect(b.get(LeaderElection).isLeader).toBe(false);
    await a.close();
    const started = Date.now();
    await waitFor('b to take over', () => b.get(LeaderElection).isLeader, 10_000);
    report(`b took over ${Date.now() - started} ms after a stopped (lock released on shutdown)`);
    const { state } = await casesOf(b).start('probe', { mode: 'notify' }, probeAdmin);
    await waitFor('the effect under the new leader', async () =>
      (await casesOf(b).history(state.streamId)).some((e: RecordedEvent) => e.type === EFFECT_SUCCEEDED),
    );
  });
});
