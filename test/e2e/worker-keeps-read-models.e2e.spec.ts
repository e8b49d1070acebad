import { Test } from '@nestjs/testing';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { loadProjectionsConfig } from '@app/projections';
import { loadRuntimeConfig, loadStoreConfig } from '@app/runtime';
import { jobsConfig } from '../../apps/worker/src/testing/harness';
import { WorkerAppModule } from '../../apps/worker/src/worker-app.module';
import { leaveApplication } from '../support/fixtures/leave-application';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The scaled layout: an API process with `PROJECTIONS_FOLLOW=false` serves
 * the read models from a file the worker process keeps (WorkerAppModule with
 * projections, as `npm run start:worker` runs it by default). Real SQLite
 * files, real Redis, real HTTP.
 */
describe('API without a projector, worker keeping the read models', () => {
  let api: TestApp;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    api = await startTestApp({ env: { PROJECTIONS_FOLLOW: 'false' } });
    const projectionsPath = join(api.dir, 'projections.db');
    const moduleRef = await Test.createTestingModule({
      imports: [
        WorkerAppModule.forRoot({
          store: loadStoreConfig({ SQLITE_PATH: api.dbPath, EVENT_STORE: 'sqlite' }),
          runtime: loadRuntimeConfig({ ...process.env }),
          jobs: jobsConfig(api.queuePrefix, {}),
          projections: loadProjectionsConfig({ PROJECTIONS_PATH: projectionsPath }),
        }),
      ],
    }).compile();
    worker = await moduleRef.init();
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it("lists a case the API opened once the worker's projector has it", async () => {
    const token = await api.token('staff');
    const opened = await api
      .http()
      .post('/cases')
      .set('authorization', `Bearer ${token}`)
      .send({
        process: 'leaveApproval',
        input: leaveApplication({ id: 'p-staff', name: '干部职工（演示）' }),
      });
    expect(opened.status).toBe(201);
    const listed = await api
      .http()
      .get(`/cases?q=${opened.body.id}&minPosition=${opened.body.position}`)
      .set('authorization', `Bearer ${token}`);
    expect(listed.status).toBe(200);
    expect(listed.body.stale).toBe(false);
    expect(listed.body.items.map((row: { id: string }) => row.id)).toEqual([opened.body.id]);
  });
});
