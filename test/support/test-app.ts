import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadProjectionsConfig } from '@app/projections';
import { loadRuntimeConfig, loadStoreConfig } from '@app/runtime';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { REDIS_URL, deletePrefix, jobsConfig, uniquePrefix } from '../../apps/worker/src/testing/harness';

export interface TestApp {
  app: INestApplication;
  dir: string;
  dbPath: string;
  /** This app's Redis key prefix (queues, inbox, dispatcher checkpoint). */
  queuePrefix: string;
  http: () => ReturnType<typeof request>;
  /** A bearer token for a demo account (password `<username>-demo`), cached per app. */
  token(username: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment-style settings for the store, runtime, projections and jobs (e.g. `DEADLINES_FILE`). */
  env?: Record<string, string>;
  /** Run the dispatcher and workers in the app, as `npm start` does. */
  withWorker?: boolean;
}

/**
 * The real API module on a fresh SQLite file in a temp dir, its own read
 * models and its own Redis key prefix, through real HTTP (supertest on the
 * Nest server). Nothing is mocked.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const env = options.env ?? {};
  const dir = mkdtempSync(join(tmpdir(), 'pwe-e2e-'));
  const dbPath = join(dir, 'events.db');
  const queuePrefix = uniquePrefix('e2e');
  // The login limiter counts every attempt per address; a suite logs in many accounts from 127.0.0.1.
  process.env.AUTH_LOGIN_ADDRESS_LIMIT ??= '10000';
  const moduleRef = await Test.createTestingModule({
    imports: [
      ApiModule.forRoot({
        store: loadStoreConfig({ SQLITE_PATH: dbPath, EVENT_STORE: 'sqlite', ...env }),
        runtime: loadRuntimeConfig({ ...process.env, ...env }),
        // Each app its own read models: a checkpoint from another run's store would hide this one's events.
        projections: loadProjectionsConfig({ ...process.env, PROJECTIONS_PATH: join(dir, 'projections.db'), ...env }),
        jobs: jobsConfig(queuePrefix, env),
        withWorker: options.withWorker ?? false,
      }),
    ],
  }).compile();
  const app = configureApp(moduleRef.createNestApplication({ bodyParser: false }));
  await app.init();
  const tokens = new Map<string, string>();
  const http = () => request(app.getHttpServer());
  return {
    app,
    dir,
    dbPath,
    queuePrefix,
    http,
    async token(username) {
      let token = tokens.get(username);
      if (!token) {
        const res = await http()
          .post('/auth/login')
          .send({ username, password: `${username}-demo` });
        if (res.status !== 201 && res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
        token = res.body.accessToken as string;
        tokens.set(username, token);
      }
      return token;
    },
    async close() {
      await app.close();
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        await deletePrefix(redis, queuePrefix);
      } finally {
        redis.disconnect();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
