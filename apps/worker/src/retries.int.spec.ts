import type { TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { EFFECT_FAILED, EFFECT_RETRY_REQUESTED, EFFECT_SUCCEEDED } from '@app/engine';
import { EngineQueues, IncidentIndex } from '@app/runtime/jobs';
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
import { casesOf, createTestApp } from './testing/test-app';

/** Retries with backoff → a final failure is an incident → an operator's retry runs it again. */
describe('retries and incidents (real SQLite, real Redis)', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix('retries');
  const files = tempDir('retries');
  const receiver = new WebhookReceiver();
  let app: TestingModule;

  beforeAll(async () => {
    await receiver.start();
    app = await createTestApp({
      sqlite: files.sqlite,
      jobs: jobsConfig(prefix, {
        EFFECT_ATTEMPTS: '3',
        EFFECT_BACKOFF_MS: '100',
        REPORT_UPWARD_URL: receiver.url,
        REPORT_UPWARD_SECRET: receiver.secret,
      }),
    });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await receiver.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    files.remove();
  });

  it('retries with exponential backoff, records each failed attempt, and ends in an incident', async () => {
    receiver.status = 503;
    const { state } = await casesOf(app).start('probe', { mode: 'report', tag: 'flaky' }, probeAdmin);
    const effectId = Object.keys(state.pendingEffects)[0];
    const failures = await waitFor('three recorded failures', async () => {
      const history = await casesOf(app).history(state.streamId);
      const failed = history.filter((e) => e.type === EFFECT_FAILED);
      return failed.length === 3 ? failed : undefined;
    });
    report(
      'attempts:',
      failures
        .map(
          (e) =>
            `#${(e.data as any).attempt} final=${(e.data as any).final} at +${e.created.getTime() - failures[0].created.getTime()}ms`,
        )
        .join(', '),
    );
    expect(failures.map((e) => [(e.data as any).attempt, (e.data as any).final])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    // Exponential: the second wait is about twice the first.
    const gap1 = failures[1].created.getTime() - failures[0].created.getTime();
    const gap2 = failures[2].created.getTime() - failures[1].created.getTime();
    expect(gap1).toBeGreaterThanOrEqual(90);
    expect(gap2).toBeGreaterThanOrEqual(180);
    expect((failures[2].data as any).error).toContain('HTTP 503');

    const after = await casesOf(app).get(state.streamId);
    expect(after.pendingEffects).toEqual({});
    expect(after.incidents[effectId]).toMatchObject({ kind: 'reportUpward', attempt: 3 });
    await waitFor('the incident in the index', () => app.get(IncidentIndex).get(effectId));
    expect(await app.get(EngineQueues).effects('reportUpward').getJobState(effectId)).toBe('failed');
    expect(receiver.deliveries).toHaveLength(0);

    // The receiver is back; an operator retries.
    receiver.status = 200;
    const retry = await casesOf(app).requestEffectRetry(state.streamId, effectId, probeAdmin);
    expect(retry.event?.type).toBe(EFFECT_RETRY_REQUESTED);
    const success = await waitFor('the retried effect to succeed', async () =>
      (await casesOf(app).history(state.streamId)).find((e) => e.type === EFFECT_SUCCEEDED),
    );
    expect(success.data).toMatchObject({ effectId, attempt: 4 });
    expect((await casesOf(app).get(state.streamId)).incidents).toEqual({});
    await waitFor('the index to drop it', async () => (await app.get(IncidentIndex).get(effectId)) === undefined);
    expect(receiver.counts().get(effectId)).toBe(1);
    report(`incident ${effectId} retried by an operator: succeeded on attempt 4, delivered once`);
  });
});
