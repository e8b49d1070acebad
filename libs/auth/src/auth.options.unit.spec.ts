import { AuthConfigError, authOptionsFromEnv, DEV_JWT_SECRET, parseDuration, resolveAuthOptions } from './auth.options';

describe('auth options', () => {
  const file = 'config/organisation.demo.yaml';

  it('applies defaults outside production, with the dev secret', () => {
    const o = resolveAuthOptions({ organisationFile: file, nodeEnv: 'development' });
    expect(o.production).toBe(false);
    expect(o.jwt).toEqual({
      secret: DEV_JWT_SECRET,
      expiresInSeconds: 900,
      issuer: 'prevention-workflow-engine',
      audience: 'prevention-workflow-api',
      usingDevSecret: true,
    });
    expect(o.loginRateLimit).toEqual({
      maxFailures: 5,
      lockMs: 900_000,
      perAddressLimit: 20,
      perAddressWindowMs: 60_000,
    });
  });

  it('refuses production without a secret, or with a short one', () => {
    expect(() => resolveAuthOptions({ organisationFile: 'org.yaml', nodeEnv: 'production' })).toThrow(
      /jwt\.secret \(AUTH_JWT_SECRET\) is required in production/,
    );
    expect(() =>
      resolveAuthOptions({ organisationFile: 'org.yaml', nodeEnv: 'production', jwt: { secret: 'short' } }),
    ).toThrow(/at least 32 characters/);
    expect(
      resolveAuthOptions({ organisationFile: 'org.yaml', nodeEnv: 'production', jwt: { secret: 'x'.repeat(32) } })
        .production,
    ).toBe(true);
  });

  it('takes NODE_ENV from the process when the options do not say', () => {
    expect(() => resolveAuthOptions({ organisationFile: 'org.yaml' }, 'production')).toThrow(AuthConfigError);
  });

  it('lists every bad setting', () => {
    try {
      resolveAuthOptions({
        organisationFile: '',
        jwt: { expiresIn: '15 minutes' },
        loginRateLimit: { maxFailures: 0 },
      });
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(AuthConfigError);
      const { problems } = err as AuthConfigError;
      expect(problems).toHaveLength(3);
      expect(problems.join('\n')).toMatch(/organisationFile \(AUTH_ORGANISATION_FILE\) is required/);
      expect(problems.join('\n')).toMatch(/jwt\.expiresIn \(AUTH_JWT_EXPIRES_IN\) must be a duration/);
      expect(problems.join('\n')).toMatch(/loginRateLimit\.maxFailures \(AUTH_LOGIN_MAX_FAILURES\) must be an integer/);
    }
  });

  it('reads the environment; the demo file is the default only outside production', () => {
    const dev = authOptionsFromEnv({ AUTH_JWT_EXPIRES_IN: '10m', AUTH_LOGIN_MAX_FAILURES: '3' });
    expect(dev.organisationFile).toBe('config/organisation.demo.yaml');
    expect(resolveAuthOptions(dev).jwt.expiresInSeconds).toBe(600);
    expect(resolveAuthOptions(dev).loginRateLimit.maxFailures).toBe(3);
    expect(() =>
      resolveAuthOptions(authOptionsFromEnv({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'y'.repeat(40) })),
    ).toThrow(/organisationFile \(AUTH_ORGANISATION_FILE\) is required in production/);
    expect(() => authOptionsFromEnv({ AUTH_LOGIN_LOCK_MINUTES: 'ten' })).toThrow(
      /AUTH_LOGIN_LOCK_MINUTES must be a number/,
    );
  });

  it('parses durations', () => {
    expect(parseDuration(900)).toBe(900);
    expect(parseDuration('900')).toBe(900);
    expect(parseDuration('15m')).toBe(900);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('soon')).toBeUndefined();
  });
});
