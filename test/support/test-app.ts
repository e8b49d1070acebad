import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { loadProjectionsConfig } from '@app/projections';
import { loadRuntimeConfig, loadStoreConfig } from '@app/runtime';

export interface TestApp {
  app: INestApplication;
  dir: string;
  dbPath: string;
  http: () => ReturnType<typeof request>;
  /** A bearer token for a demo account (password `<username>-demo`), cached per app. */
  token(username: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real API module on a fresh SQLite file in a temp dir, through real HTTP
 * (supertest on the Nest server). Nothing is mocked.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'pwe-e2e-'));
  const dbPath = join(dir, 'events.db');
  // The login limiter counts every attempt per address; a suite logs in many accounts from 127.0.0.1.
  process.env.AUTH_LOGIN_ADDRESS_LIMIT ??= '10000';
  const storeEnv = { SQLITE_PATH: dbPath, EVENT_STORE: 'sqlite', ...env };
  const moduleRef = await Test.createTestingModule({
    imports: [
      ApiModule.forRoot({ store: loadStoreConfig(storeEnv), runtime: loadRuntimeConfig({ ...process.env, ...env }) }),
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
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
