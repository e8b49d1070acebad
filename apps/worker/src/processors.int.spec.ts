import type { TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { DirectoryService } from '@app/auth';
import { EFFECT_FAILED, EFFECT_SUCCEEDED } from '@app/engine';
import { InboxReadModel, IncidentIndex } from '@app/runtime/jobs';
import { childCaseUuid } from './effects/start-case.effect';
import {
  deletePrefix,
  jobsConfig,
  REDIS_URL,
  tempDir,
  uniquePrefix,
  waitFor,
  WebhookReceiver,
} from './testing/harness';
import { probeAdmin } from './testing/probe-workflow';
import { allEvents, casesOf, createTestApp } from './testing/test-app';

/** Each effect kind end to end: store → dispatcher → BullMQ → processor → outcome on the case. */
describe('effect processors (real SQLite, real Redis)', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix('processors');
  const files = tempDir('processors');
  const receiver = new WebhookReceiver();
  let app: TestingModule;

  beforeAll(async () => {
    await receiver.start();
    app = await createTestApp({
      sqlite: files.sqlite,
      jobs: jobsConfig(prefix, {
        NOTIFY_WEBHOOK_URL: receiver.url,
        NOTIFY_WEBHOOK_SECRET: receiver.secret,
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

  const succeeded = async (caseId: string) => {
    const history = await casesOf(app).history(caseId);
    return history.find((e) => e.type === EFFECT_SUCCEEDED);
  };

  it('notify: resolves the recipients, fills their inboxes, calls the signed webhook', async () => {
    const { state } = await casesOf(app).start('probe', { mode: 'notify', tag: 'n1' }, probeAdmin);
    const outcome = await waitFor('EFFECT_SUCCEEDED', () => succeeded(state.streamId));
    const chief = app.get(DirectoryService).chief();
    expect((outcome.data as any).result).toMatchObject({
      kind: 'notify',
      recipients: [chief.id],
      template: 'probe.hello',
    });
    const inbox = await waitFor('the inbox item', async () => {
      const page = await app.get(InboxReadModel).list(chief.id);
      return page.items.find((i) => i.caseId === state.streamId);
    });
    expect(inbox).toMatchObject({ template: 'probe.hello', recipients: [chief.id] });
    const delivery = receiver.deliveries.find((d) => d.body.caseId === state.streamId);
    expect(delivery?.effectId).toBe((outcome.data as any).effectId);
    expect(receiver.badSignatures).toHaveLength(0);
    expect((await casesOf(app).get(state.streamId)).pendingEffects).toEqual({});
  });

  it('reportUpward: posts the report with the effect id header', async () => {
    const { state, event } = await casesOf(app).start('probe', { mode: 'report', tag: 'r1' }, probeAdmin);
    await waitFor('EFFECT_SUCCEEDED', () => succeeded(state.streamId));
    const delivery = receiver.deliveries.find((d) => (d.body.data as any)?.caseId === state.streamId);
    expect(delivery).toMatchObject({ effectId: `${event!.id}_0`, body: { report: 'probe', caseId: state.streamId } });
  });

  it('startCase: opens the child case under an id derived from the effect id', async () => {
    const { state, event } = await casesOf(app).start('probe', { mode: 'start' }, probeAdmin);
    const outcome = await waitFor('EFFECT_SUCCEEDED', () => succeeded(state.streamId));
    const childId = `probe-${childCaseUuid(`${event!.id}_0`)}`;
    expect((outcome.data as any).result).toEqual({ caseId: childId, opened: true });
    const child = await casesOf(app).get(childId);
    expect(child.context.tag).toBe(`child-of-${state.streamId}`);
    expect(child.startedBy.id).toBe('system:effects');
    const started = (await casesOf(app).history(childId))[0];
    expect(started.metadata).toMatchObject({ correlationId: state.correlationId, causationId: event!.id });
  });

  it('sendEvent: delivers the event to the other case as system:effects', async () => {
    const target = await casesOf(app).start('probe', { mode: 'idle' }, probeAdmin);
    const { state } = await casesOf(app).start('probe', { mode: 'send', target: target.state.streamId }, probeAdmin);
    await waitFor('EFFECT_SUCCEEDED', () => succeeded(state.streamId));
    const after = await casesOf(app).get(target.state.streamId);
    expect(after.context.pings).toBe(1);
    const ping = (await casesOf(app).history(target.state.streamId)).find((e) => e.type === 'PING');
    expect((ping!.metadata as any).actor.id).toBe('system:effects');
  });

  it('an effect no retry can fix becomes an incident at once (UnrecoverableError)', async () => {
    const { state } = await casesOf(app).start('probe', { mode: 'nobody' }, probeAdmin);
    const failed = await waitFor('EFFECT_FAILED', async () =>
      (await casesOf(app).history(state.streamId)).find((e) => e.type === EFFECT_FAILED),
    );
    expect(failed.data).toMatchObject({ attempt: 1, final: true });
    expect((failed.data as any).error).toContain('no one in the directory');
    const after = await casesOf(app).get(state.streamId);
    expect(Object.keys(after.incidents)).toEqual([(failed.data as any).effectId]);
    await waitFor(
      'the incident index',
      async () => (await app.get(IncidentIndex).get((failed.data as any).effectId)) !== undefined,
    );
  });

  it('records every event it dispatched once', async () => {
    const events = await allEvents(app);
    const outcomes = events.filter((e) => e.type === EFFECT_SUCCEEDED).map((e) => (e.data as any).effectId);
    expect(new Set(outcomes).size).toBe(outcomes.length);
  });
});
