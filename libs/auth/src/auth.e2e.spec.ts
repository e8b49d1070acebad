import type { Actor } from '@app/engine/actor';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AuthModule } from './auth.module';
import type { AuthModuleOptions } from './auth.options';
import { CurrentActor } from './current-actor.decorator';
import { DirectoryService } from './directory.service';
import { LoginAttempts } from './login-attempts';
import { Public } from './public.decorator';

const DEMO = 'config/organisation.demo.yaml';
const SECRET = 'e2e-secret-that-is-long-enough-for-hs256-0123456789';
const ISSUER = 'prevention-workflow-engine';
const AUDIENCE = 'prevention-workflow-api';

@Controller()
class ProbeController {
  @Public()
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('protected')
  protected(@CurrentActor() actor: Actor) {
    return { actor };
  }
}

async function startApp(
  options: Partial<AuthModuleOptions> = {},
  configure?: (builder: ReturnType<typeof Test.createTestingModule>) => void,
): Promise<INestApplication> {
  const builder = Test.createTestingModule({
    imports: [
      AuthModule.forRoot({
        organisationFile: DEMO,
        nodeEnv: 'test',
        jwt: { secret: SECRET },
        loginRateLimit: { maxFailures: 3, perAddressLimit: 1000 },
        ...options,
      }),
    ],
    controllers: [ProbeController],
  });
  configure?.(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

function login(app: INestApplication, username: string, password = `${username}-demo`) {
  return request(app.getHttpServer()).post('/auth/login').send({ username, password });
}

/** A token built by hand: what an attacker or a misconfigured issuer could send. */
function forge(claims: Record<string, unknown>, secret = SECRET, algorithm: 'HS256' | 'HS512' = 'HS256'): string {
  const now = Math.floor(Date.now() / 1000);
  return new JwtService().sign(
    { sub: 'p-chief', username: 'chief', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600, ...claims },
    { secret, algorithm },
  );
}

function expectErrorShape(body: Record<string, unknown>, statusCode: number, error: string) {
  expect(body).toEqual(expect.objectContaining({ statusCode, error, message: expect.any(String) }));
}

describe('auth over HTTP', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp();
  });

  afterAll(async () => {
    await app.close();
  });

  it('lets /health through without a token', async () => {
    await request(app.getHttpServer()).get('/health').expect(200, { status: 'ok' });
  });

  it('logs in and the token opens a protected route, with the actor from the directory', async () => {
    const res = await login(app, 'office').expect(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), expiresIn: 900 });
    const [header, payload] = res.body.accessToken
      .split('.')
      .slice(0, 2)
      .map((part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: 'p-office', iss: ISSUER, aud: AUDIENCE });
    expect(payload.exp - payload.iat).toBe(900);

    const probe = await request(app.getHttpServer())
      .get('/protected')
      .set('Authorization', `Bearer ${res.body.accessToken}`)
      .expect(200);
    expect(probe.body.actor).toEqual({
      id: 'p-office',
      name: '办公室工作人员（演示）',
      roles: ['office', 'staff'],
      unit: 'office',
      groups: ['coordination'],
      kind: 'user',
    });
  });

  it('accepts the username in any case', async () => {
    await login(app, 'Chief', 'chief-demo').expect(200);
  });

  it('refuses a wrong password and an unknown user alike (401)', async () => {
    const wrong = await login(app, 'deputy', 'nope').expect(401);
    expectErrorShape(wrong.body, 401, 'Unauthorized');
    expect(wrong.body.message).toBe('invalid username or password');
    const unknown = await login(app, 'nobody', 'nope').expect(401);
    expect(unknown.body.message).toBe('invalid username or password');
  });

  it('refuses a malformed login body with 400', async () => {
    const res = await request(app.getHttpServer()).post('/auth/login').send({ username: 'chief' }).expect(400);
    expectErrorShape(res.body, 400, 'Bad Request');
    expect(res.body.message).toMatch(/password should not be empty/);
    await request(app.getHttpServer())
      .post('/auth/login')
      .send({ username: 'chief', password: 'x', role: 'admin' })
      .expect(400);
  });

  it('lets a retiree log in (they may request leave)', async () => {
    const { body } = await login(app, 'retiree').expect(200);
    const me = await request(app.getHttpServer())
      .get('/me')
      .set('Authorization', `Bearer ${body.accessToken}`)
      .expect(200);
    expect(me.body).toMatchObject({ id: 'p-retiree', roles: ['retiree'], retired: true, readOnly: false });
  });

  it('GET /me returns identity, roles, groups and unit, and no secrets', async () => {
    const { body } = await login(app, 'hazchem-head').expect(200);
    const me = await request(app.getHttpServer())
      .get('/me')
      .set('Authorization', `Bearer ${body.accessToken}`)
      .expect(200);
    expect(me.body).toEqual({
      id: 'p-hazchem-head',
      username: 'hazchem-head',
      name: '危险化学品安全监督管理室主任（演示）',
      roles: ['unitHead', 'inspector'],
      groups: ['leadership', 'prevention'],
      unit: { id: 'hazchem', name: '危险化学品安全监督管理室', kind: 'office' },
      retired: false,
      readOnly: false,
    });
    expect(JSON.stringify(me.body)).not.toContain('scrypt');
    await request(app.getHttpServer()).get('/me').expect(401);
  });

  it('marks the auditor read-only on /me', async () => {
    const { body } = await login(app, 'auditor').expect(200);
    const me = await request(app.getHttpServer()).get('/me').set('Authorization', `Bearer ${body.accessToken}`);
    expect(me.body).toMatchObject({ roles: ['auditor'], readOnly: true, unit: null });
  });

  describe('token errors are all 401 with { statusCode, error, message }', () => {
    const cases: [string, () => string | undefined, RegExp][] = [
      ['missing', () => undefined, /missing bearer token/],
      ['expired', () => forge({ iat: 1_600_000_000, exp: 1_600_000_900 }), /token expired/],
      ['wrong signature', () => forge({}, 'another-secret-another-secret-another-secret'), /invalid token/],
      ['wrong audience', () => forge({ aud: 'someone-else' }), /invalid token/],
      ['wrong issuer', () => forge({ iss: 'someone-else' }), /invalid token/],
      ['no audience', () => forge({ aud: undefined }), /invalid token/],
      [
        'alg none',
        () => {
          const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
          const now = Math.floor(Date.now() / 1000);
          const payload = { sub: 'p-chief', username: 'chief', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600 };
          return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(payload)}.`;
        },
        /invalid token/,
      ],
      ['another HMAC algorithm (HS512)', () => forge({}, SECRET, 'HS512'), /invalid token/],
      ['garbage', () => 'not.a.token', /invalid token/],
      ['a person no longer in the organisation', () => forge({ sub: 'p-ghost' }), /no longer in the organisation/],
    ];

    it.each(cases)('%s', async (_name, token, message) => {
      const req = request(app.getHttpServer()).get('/protected');
      const t = token();
      const res = await (t === undefined ? req : req.set('Authorization', `Bearer ${t}`)).expect(401);
      expectErrorShape(res.body, 401, 'Unauthorized');
      expect(res.body.message).toMatch(message);
    });

    it('refuses a non-Bearer scheme', async () => {
      await request(app.getHttpServer())
        .get('/protected')
        .set('Authorization', 'Basic Y2hpZWY6Y2hpZWYtZGVtbw==')
        .expect(401);
    });

    it('a forged token with the right secret, issuer and audience is accepted (the checks are not over-strict)', async () => {
      await request(app.getHttpServer())
        .get('/protected')
        .set('Authorization', `Bearer ${forge({})}`)
        .expect(200);
    });
  });

  it('stops accepting a token once its person leaves the organisation', async () => {
    const { body } = await login(app, 'staff').expect(200);
    const directory = app.get(DirectoryService);
    const before = directory.organisation;
    try {
      directory.replace({ ...before, people: before.people.filter((p) => p.id !== 'p-staff') });
      const res = await request(app.getHttpServer())
        .get('/protected')
        .set('Authorization', `Bearer ${body.accessToken}`)
        .expect(401);
      expect(res.body.message).toMatch(/no longer in the organisation/);
    } finally {
      directory.replace(before);
    }
  });
});

describe('login rate limits', () => {
  it('locks an account after repeated failures, says until when, and unlocks later', async () => {
    let now = Date.parse('2020-10-01T08:00:00Z');
    const app = await startApp({}, (b) =>
      b.overrideProvider(LoginAttempts).useValue(new LoginAttempts(3, 15 * 60_000, () => now)),
    );
    try {
      await login(app, 'staff2', 'wrong-1').expect(401);
      await login(app, 'staff2', 'wrong-2').expect(401);
      const locked = await login(app, 'staff2', 'wrong-3').expect(423);
      expectErrorShape(locked.body, 423, 'Locked');
      expect(locked.body.message).toBe('account locked until 2020-10-01T08:15:00.000Z after too many failed logins');
      // Even the right password is refused while locked; other accounts are unaffected.
      const still = await login(app, 'staff2').expect(423);
      expect(still.body.message).toMatch(/^account locked until /);
      await login(app, 'staff').expect(200);

      now += 15 * 60_000 + 1;
      await login(app, 'staff2').expect(200);
    } finally {
      await app.close();
    }
  });

  it('locks unknown usernames the same way (no account enumeration)', async () => {
    const app = await startApp();
    try {
      await login(app, 'ghost', 'a').expect(401);
      await login(app, 'ghost', 'b').expect(401);
      await login(app, 'ghost', 'c').expect(423);
    } finally {
      await app.close();
    }
  });

  it('limits login attempts per address with 429', async () => {
    const app = await startApp({
      loginRateLimit: { maxFailures: 100, perAddressLimit: 3, perAddressWindowSeconds: 60 },
    });
    try {
      await login(app, 'chief', 'x').expect(401);
      await login(app, 'deputy', 'x').expect(401);
      await login(app, 'office').expect(200);
      const res = await login(app, 'duty').expect(429);
      expectErrorShape(res.body, 429, 'Too Many Requests');
      expect(res.body.message).toMatch(/too many login attempts from this address/);
      // Other routes are not throttled by the login limit.
      await request(app.getHttpServer()).get('/health').expect(200);
    } finally {
      await app.close();
    }
  });
});
