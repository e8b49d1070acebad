import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { AuthModule } from '@app/auth';
import { EFFECT_SUCCEEDED } from '@app/engine';
import { DomainExceptionFilter } from '@app/runtime';
import { EffectsApiModule, OpsHealthModule, QueueDashboardModule } from '@app/runtime/jobs';
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

/** The effects endpoints the API mounts, through HTTP, with the worker running in the same app. */
describe('effects HTTP endpoints: /inbox, /incidents, /queues, /health, /metrics', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = uniquePrefix('http');
  const files = tempDir('http');
  const receiver = new WebhookReceiver();
  let app: INestApplication;
  const tokens: Record<string, string> = {};

  const login = async (username: string) => {
    tokens[username] ??= (
      await request(app.getHttpServer())
        .post('/auth/login')
        .send({ username, password: `${username}-demo` })
        .expect(200)
    ).body.accessToken;
    return tokens[username];
  };

  beforeAll(async () => {
    await receiver.start();
    const moduleRef = await createTestApp({
      sqlite: files.sqlite,
      jobs: jobsConfig(prefix, {
        EFFECT_ATTEMPTS: '2',
        REPORT_UPWARD_URL: receiver.url,
        REPORT_UPWARD_SECRET: receiver.secret,
      }),
      ownDirectory: true,
      imports: [
        AuthModule.forRoot({ organisationFile: 'config/organisation.demo.yaml', nodeEnv: 'test' }),
        EffectsApiModule,
        OpsHealthModule,
        QueueDashboardModule,
      ],
    });
    app = moduleRef.createNestApplication();
    app.useGlobalFilters(new DomainExceptionFilter());
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await receiver.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    files.remove();
  });

  it('GET /inbox: the logged-in person sees the notifications addressed to them', async () => {
    const { state } = await casesOf(app).start('probe', { mode: 'notify', tag: 'inbox' }, probeAdmin);
    const chief = await login('chief');
    const res = await waitFor('the item in the inbox', async () => {
      const r = await request(app.getHttpServer()).get('/inbox').set('Authorization', `Bearer ${chief}`).expect(200);
      return r.body.items.some((i: any) => i.caseId === state.streamId) ? r : undefined;
    });
    expect(res.body.items[0]).toMatchObject({
      template: 'probe.hello',
      caseId: state.streamId,
      data: { tag: 'inbox' },
    });
    const staff = await login('staff');
    const other = await request(app.getHttpServer()).get('/inbox').set('Authorization', `Bearer ${staff}`).expect(200);
    expect(other.body.items).toEqual([]);
    await request(app.getHttpServer()).get('/inbox').expect(401);
  });

  it('GET /incidents lists incidents for leadership/auditors/admins; POST /incidents/:id/retry is for admins', async () => {
    receiver.status = 503;
    const { state } = await casesOf(app).start('probe', { mode: 'report', tag: 'incident' }, probeAdmin);
    const effectId = Object.keys(state.pendingEffects)[0];
    const admin = await login('admin');
    const listed = await waitFor('the incident', async () => {
      const r = await request(app.getHttpServer())
        .get('/incidents')
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      return r.body.items.find((i: any) => i.id === effectId);
    });
    expect(listed).toMatchObject({ caseId: state.streamId, kind: 'reportUpward', attempt: 2 });
    expect(listed.error).toContain('HTTP 503');
    await request(app.getHttpServer())
      .get('/incidents')
      .set('Authorization', `Bearer ${await login('auditor')}`)
      .expect(200);
    await request(app.getHttpServer())
      .get('/incidents')
      .set('Authorization', `Bearer ${await login('staff')}`)
      .expect(403);

    await request(app.getHttpServer())
      .post(`/incidents/${effectId}/retry`)
      .set('Authorization', `Bearer ${await login('chief')}`)
      .expect(403);
    await request(app.getHttpServer())
      .post('/incidents/nope_0/retry')
      .set('Authorization', `Bearer ${admin}`)
      .expect(404);
    receiver.status = 200;
    const retried = await request(app.getHttpServer())
      .post(`/incidents/${effectId}/retry`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(202);
    expect(retried.body).toMatchObject({ id: effectId, caseId: state.streamId });
    await waitFor('the retried effect to succeed', async () =>
      (await casesOf(app).history(state.streamId)).some((e) => e.type === EFFECT_SUCCEEDED),
    );
    const after = await casesOf(app).history(state.streamId);
    expect(after.find((e) => e.type === 'EFFECT_RETRY_REQUESTED')?.metadata).toMatchObject({
      actor: { id: 'p-admin' },
    });
    await waitFor('the incident to leave the list', async () => {
      const r = await request(app.getHttpServer())
        .get('/incidents')
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      return !r.body.items.some((i: any) => i.id === effectId);
    });
    // Retrying again: no longer an incident.
    await request(app.getHttpServer())
      .post(`/incidents/${effectId}/retry`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(404);
  });

  it('/queues: the dashboard needs an admin session', async () => {
    const server = app.getHttpServer();
    const redirect = await request(server).get('/queues').set('Accept', 'text/html').expect(302);
    expect(redirect.headers.location).toBe('/queues/login');
    const page = await request(server).get('/queues/login').expect(200);
    expect(page.text).toContain('/auth/login');
    await request(server).get('/queues/api/queues').expect(401);
    await request(server)
      .post('/queues/session')
      .set('Authorization', `Bearer ${await login('chief')}`)
      .expect(403);
    await request(server)
      .get('/queues/api/queues')
      .set('Authorization', `Bearer ${await login('chief')}`)
      .expect(403);
    const session = await request(server)
      .post('/queues/session')
      .set('Authorization', `Bearer ${await login('admin')}`)
      .expect(204);
    const cookie = String(session.headers['set-cookie']).split(';')[0];
    expect(String(session.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const ui = await request(server).get('/queues').set('Cookie', cookie).expect(200);
    expect(ui.text).toContain('工作流队列 Workflow queues');
    const api = await request(server).get('/queues/api/queues').set('Cookie', cookie).expect(200);
    const names = api.body.queues.map((q: any) => q.name).sort();
    expect(names).toEqual(['effect-notify', 'effect-reportUpward', 'effect-sendEvent', 'effect-startCase', 'timers']);
    await request(server).get('/queues/api/queues').set('Cookie', 'wf_queues_token=forged').expect(401);
  });

  it('/health reports store, Redis, dispatcher lag and incidents; /metrics the same and jobs', async () => {
    const health = await waitFor('a healthy dispatcher', async () => {
      const r = await request(app.getHttpServer()).get('/health');
      return r.status === 200 ? r : undefined;
    });
    expect(health.body.details).toMatchObject({
      store: { status: 'up' },
      redis: { status: 'up' },
      dispatcher: { status: 'up', lag: expect.any(Number) },
      incidents: { status: 'up', open: expect.any(Number) },
    });
    report('/health:', JSON.stringify(health.body.details));
    const metrics = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    for (const name of [
      'workflow_dispatcher_lag_events',
      'workflow_incidents_open',
      'workflow_queue_jobs{queue="effect-notify",state="completed"}',
      'workflow_job_duration_seconds_bucket',
      'workflow_dispatch_lag_seconds_bucket',
      'workflow_effect_attempts_total',
      'workflow_redis_up 1',
    ]) {
      expect(metrics.text).toContain(name);
    }
  });
});
