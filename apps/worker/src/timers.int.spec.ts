import type { TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { DirectoryService } from '@app/auth';
import { DEADLINE_MISSED, EFFECT_SUCCEEDED } from '@app/engine';
import { EngineQueues, InboxReadModel, type TimerJobData } from '@app/runtime/jobs';
import { deletePrefix, jobsConfig, REDIS_URL, tempDir, uniquePrefix, waitFor, report } from './testing/harness';
import { probeAdmin } from './testing/probe-workflow';
import { casesOf, createTestApp } from './testing/test-app';

const AFTER = 'xstate.after.probeDelay.probe.waiting';

/** Durable timers: `after` and deadlines as delayed jobs; cancelled ones never fire. */
describe('durable timers and deadlines (real SQLite, real Redis)', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix('timers');
  const files = tempDir('timers');
  let app: TestingModule;

  beforeAll(async () => {
    app = await createTestApp({ sqlite: files.sqlite, jobs: jobsConfig(prefix) });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    files.remove();
  });

  const eventOf = async (caseId: string, type: string) =>
    (await casesOf(app).history(caseId)).find((e) => e.type === type);

  it('an after timer fires at its due time, as system:timer', async () => {
    const { state } = await casesOf(app).start('probe', { mode: 'timer', delayMs: 800 }, probeAdmin);
    const timer = Object.values(state.armedTimers)[0];
    const fired = await waitFor('the timer event', () => eventOf(state.streamId, AFTER), 10_000);
    const late = fired.created.getTime() - Date.parse(timer.dueAt);
    report(`after timer due ${timer.dueAt} fired ${late} ms late`);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1000);
    expect((fired.metadata as any).actor.id).toBe('system:timer');
    expect((await casesOf(app).get(state.streamId)).state).toBe('timedOut');
  });

  it('a timer cancelled by a transition never fires', async () => {
    const { state } = await casesOf(app).start('probe', { mode: 'timer', delayMs: 600 }, probeAdmin);
    const timerId = Object.keys(state.armedTimers)[0];
    await casesOf(app).send(state.streamId, 'CANCEL', {}, probeAdmin);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await eventOf(state.streamId, AFTER)).toBeUndefined();
    expect((await casesOf(app).get(state.streamId)).state).toBe('cancelled');
    expect(await app.get(EngineQueues).timers().getJobState(timerId)).toBe('unknown');
    report(`timer ${timerId} cancelled by CANCEL: its job was removed and nothing fired`);
  });

  it('a cancelled timer whose job runs anyway is ignored by the engine', async () => {
    const { state } = await casesOf(app).start('probe', { mode: 'timer', delayMs: 60_000 }, probeAdmin);
    const timer = Object.values(state.armedTimers)[0];
    await casesOf(app).send(state.streamId, 'CANCEL', {}, probeAdmin);
    const data: TimerJobData = {
      timerId: timer.id,
      timerKind: 'after',
      caseId: state.streamId,
      state: 'waiting',
      dueAt: new Date().toISOString(),
      correlationId: null,
    };
    const job = await app
      .get(EngineQueues)
      .timers()
      .add('after', data, { jobId: `${timer.id}-stray` });
    const result = await waitFor('the stray job to finish', async () => {
      const j = await app.get(EngineQueues).timers().getJob(job.id!);
      return j?.finishedOn ? j.returnvalue : undefined;
    });
    expect(result).toEqual({ timerId: timer.id, outcome: 'ignored' });
    expect(await eventOf(state.streamId, AFTER)).toBeUndefined();
  });

  it('a job that runs before its timer is due goes back to sleep, and the timer fires once', async () => {
    const { state } = await casesOf(app).start('probe', { mode: 'timer', delayMs: 1200 }, probeAdmin);
    const timer = Object.values(state.armedTimers)[0];
    const data: TimerJobData = {
      timerId: timer.id,
      timerKind: 'after',
      caseId: state.streamId,
      state: 'waiting',
      dueAt: timer.dueAt,
      correlationId: null,
    };
    const queue = app.get(EngineQueues).timers();
    await queue.add('after', data, { jobId: `${timer.id}-early` });
    await waitFor(
      'the early job to be delayed again',
      async () => (await queue.getJobState(`${timer.id}-early`)) === 'delayed',
    );
    await waitFor('the timer event', () => eventOf(state.streamId, AFTER), 10_000);
    await waitFor(
      'the early job to finish',
      async () => (await queue.getJobState(`${timer.id}-early`)) === 'completed',
    );
    const fired = (await casesOf(app).history(state.streamId)).filter((e) => e.type === AFTER);
    expect(fired).toHaveLength(1);
    expect(fired[0].created.getTime()).toBeGreaterThanOrEqual(Date.parse(timer.dueAt));
  });

  it('a missed deadline records DEADLINE_MISSED, leaves the case where it is, and tells the next level', async () => {
    const deadlineAt = new Date(Date.now() + 1000).toISOString();
    const { state } = await casesOf(app).start('probe', { mode: 'deadline', deadlineAt }, probeAdmin);
    const missed = await waitFor('DEADLINE_MISSED', () => eventOf(state.streamId, DEADLINE_MISSED), 10_000);
    expect(missed.data).toMatchObject({
      state: 'overdue',
      responsible: { role: 'office' },
      heldBy: { role: 'office' },
      dueAt: deadlineAt,
    });
    expect((missed.data as any).lateByMs).toBeGreaterThanOrEqual(0);
    const after = await casesOf(app).get(state.streamId);
    expect(after.state).toBe('overdue');
    expect(after.overdue).toHaveLength(1);
    await waitFor('the escalation to be delivered', () => eventOf(state.streamId, EFFECT_SUCCEEDED));
    const chief = app.get(DirectoryService).chief();
    const item = await waitFor('the chief inbox item', async () =>
      (await app.get(InboxReadModel).list(chief.id)).items.find((i) => i.caseId === state.streamId),
    );
    expect(item).toMatchObject({ template: 'deadline.missed', data: { state: 'overdue', heldBy: { role: 'office' } } });
    report(`deadline ${deadlineAt} missed by ${(missed.data as any).lateByMs} ms; escalation in ${chief.id}'s inbox`);
  });

  it('a timer that came due while no worker ran fires as soon as one starts', async () => {
    const otherPrefix = uniquePrefix('timers-down');
    const otherFiles = tempDir('timers-down');
    const writer = await createTestApp({ sqlite: otherFiles.sqlite, jobs: jobsConfig(otherPrefix), worker: false });
    await writer.init();
    const { state } = await casesOf(writer).start('probe', { mode: 'timer', delayMs: 300 }, probeAdmin);
    await writer.close();
    await new Promise((r) => setTimeout(r, 800));
    const started = Date.now();
    const worker = await createTestApp({ sqlite: otherFiles.sqlite, jobs: jobsConfig(otherPrefix) });
    await worker.init();
    try {
      await waitFor('the overdue timer', async () =>
        (await casesOf(worker).history(state.streamId)).some((e) => e.type === AFTER),
      );
      report(
        `a timer due ${Date.now() - Date.parse(Object.values(state.armedTimers)[0].dueAt)} ms ago fired ${Date.now() - started} ms after the worker started`,
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await worker.close();
      await deletePrefix(redis, otherPrefix);
      otherFiles.remove();
    }
  });
});
