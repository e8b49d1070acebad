import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AuthModule } from './auth.module';
import type { AuthModuleOptions } from './auth.options';

const DEMO = 'config/organisation.demo.yaml';
const SECRET = 'production-grade-secret-of-at-least-32-characters!';

/** Start-up refusals: each is an error thrown while the app is created, with a message saying what to fix. */
describe('auth start-up checks', () => {
  let dir: string;
  let realOrganisation: string;
  const savedNodeEnv = process.env.NODE_ENV;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-startup-'));
    realOrganisation = join(dir, 'organisation.yaml');
    writeFileSync(realOrganisation, readFileSync(DEMO, 'utf8').replace(/^demo: true\n/m, ''));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    process.env.NODE_ENV = savedNodeEnv;
  });

  async function start(options: AuthModuleOptions) {
    const moduleRef = await Test.createTestingModule({ imports: [AuthModule.forRoot(options)] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  it('production refuses the demo organisation file', async () => {
    await expect(start({ organisationFile: DEMO, nodeEnv: 'production', jwt: { secret: SECRET } })).rejects.toThrow(
      /config\/organisation\.demo\.yaml is the demo organisation \(demo: true\), refused with NODE_ENV=production/,
    );
  });

  it('production refuses to start without a JWT secret', async () => {
    await expect(start({ organisationFile: realOrganisation, nodeEnv: 'production' })).rejects.toThrow(
      /jwt\.secret \(AUTH_JWT_SECRET\) is required in production/,
    );
  });

  it('reads NODE_ENV from the process when not given', async () => {
    process.env.NODE_ENV = 'production';
    try {
      await expect(start({ organisationFile: DEMO, jwt: { secret: SECRET } })).rejects.toThrow(/demo organisation/);
    } finally {
      process.env.NODE_ENV = savedNodeEnv;
    }
  });

  it('production starts with a real organisation file and a secret', async () => {
    const app = await start({ organisationFile: realOrganisation, nodeEnv: 'production', jwt: { secret: SECRET } });
    try {
      const res = await request(app.getHttpServer())
        .post('/auth/login')
        .send({ username: 'chief', password: 'chief-demo' })
        .expect(200);
      expect(res.body.expiresIn).toBe(900);
    } finally {
      await app.close();
    }
  });

  it('refuses an invalid organisation file, naming the line and field', async () => {
    const broken = join(dir, 'broken.yaml');
    const text = readFileSync(DEMO, 'utf8').replace('roles: [chief]', 'roles: [cheif]');
    writeFileSync(broken, text);
    const line = text.split('\n').findIndex((l) => l.includes('[cheif]')) + 1;
    await expect(start({ organisationFile: broken, nodeEnv: 'test' })).rejects.toThrow(
      `${broken}:${line}: people[0].roles[0]: unknown role "cheif"`,
    );
  });

  it('refuses a missing organisation file', async () => {
    await expect(start({ organisationFile: join(dir, 'nope.yaml'), nodeEnv: 'test' })).rejects.toThrow(
      /cannot read the file/,
    );
  });

  it('can read its settings from the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      NODE_ENV: 'production',
      AUTH_ORGANISATION_FILE: realOrganisation,
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWT_EXPIRES_IN: '5m',
    });
    try {
      const moduleRef = await Test.createTestingModule({ imports: [AuthModule.forRootFromEnv()] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      const res = await request(app.getHttpServer())
        .post('/auth/login')
        .send({ username: 'duty', password: 'duty-demo' })
        .expect(200);
      expect(res.body.expiresIn).toBe(300);
      await app.close();
    } finally {
      process.env = saved;
    }
  });
});
