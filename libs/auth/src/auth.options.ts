/** Injection token of the resolved, validated `ResolvedAuthOptions`. */
export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

/** Settings of `AuthModule.forRoot`. Everything but the organisation file has a default. */
export interface AuthModuleOptions {
  /** Path of the organisation YAML file (relative to the working directory). */
  organisationFile: string;
  /** Defaults to `process.env.NODE_ENV` at start-up. `production` refuses the demo file and a missing secret. */
  nodeEnv?: string;
  jwt?: {
    /** HS256 secret. Required in production (at least 32 characters); a dev default otherwise. */
    secret?: string;
    /** Seconds, or `'15m'`, `'900s'`, `'1h'`. Default 15 minutes. */
    expiresIn?: string | number;
    /** Default `prevention-workflow-engine`. */
    issuer?: string;
    /** Default `prevention-workflow-api`. */
    audience?: string;
  };
  loginRateLimit?: {
    /** Failed logins on one account before it is locked. Default 5. */
    maxFailures?: number;
    /** How long a locked account stays locked, and the window failures are counted in. Default 15. */
    lockMinutes?: number;
    /** Login attempts allowed from one address per window (`@nestjs/throttler`). Default 20. */
    perAddressLimit?: number;
    /** Default 60. */
    perAddressWindowSeconds?: number;
  };
}

/** `AuthModuleOptions` with defaults applied and every value checked. */
export interface ResolvedAuthOptions {
  organisationFile: string;
  production: boolean;
  jwt: { secret: string; expiresInSeconds: number; issuer: string; audience: string; usingDevSecret: boolean };
  loginRateLimit: { maxFailures: number; lockMs: number; perAddressLimit: number; perAddressWindowMs: number };
}

/** A setting is missing or wrong; start-up stops with this message. */
export class AuthConfigError extends Error {
  readonly code = 'AUTH.CONFIG_INVALID';

  constructor(readonly problems: string[]) {
    super(`auth configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AuthConfigError';
  }
}

/** Only ever used outside production; production refuses to start without a real secret. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-do-not-use-in-production';

export const AUTH_DEFAULTS = {
  expiresIn: '15m',
  issuer: 'prevention-workflow-engine',
  audience: 'prevention-workflow-api',
  maxFailures: 5,
  lockMinutes: 15,
  perAddressLimit: 20,
  perAddressWindowSeconds: 60,
  demoOrganisationFile: 'config/organisation.demo.yaml',
} as const;

/** The environment variables `authOptionsFromEnv` reads, by option. */
export const AUTH_ENV = {
  organisationFile: 'AUTH_ORGANISATION_FILE',
  'jwt.secret': 'AUTH_JWT_SECRET',
  'jwt.expiresIn': 'AUTH_JWT_EXPIRES_IN',
  'jwt.issuer': 'AUTH_JWT_ISSUER',
  'jwt.audience': 'AUTH_JWT_AUDIENCE',
  'loginRateLimit.maxFailures': 'AUTH_LOGIN_MAX_FAILURES',
  'loginRateLimit.lockMinutes': 'AUTH_LOGIN_LOCK_MINUTES',
  'loginRateLimit.perAddressLimit': 'AUTH_LOGIN_ADDRESS_LIMIT',
  'loginRateLimit.perAddressWindowSeconds': 'AUTH_LOGIN_ADDRESS_WINDOW_SECONDS',
} as const;

/**
 * Reads the `auth` settings from environment variables (see `AUTH_ENV`).
 * Outside production the organisation file defaults to the demo file.
 */
export function authOptionsFromEnv(env: Record<string, string | undefined>): AuthModuleOptions {
  const problems: string[] = [];
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) problems.push(`${name} must be a number, got "${raw}"`);
    return n;
  };
  const str = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  const production = env.NODE_ENV === 'production';
  const options: AuthModuleOptions = {
    organisationFile: str(AUTH_ENV.organisationFile) ?? (production ? '' : AUTH_DEFAULTS.demoOrganisationFile),
    nodeEnv: env.NODE_ENV,
    jwt: {
      secret: env[AUTH_ENV['jwt.secret']] || undefined,
      expiresIn: str(AUTH_ENV['jwt.expiresIn']),
      issuer: str(AUTH_ENV['jwt.issuer']),
      audience: str(AUTH_ENV['jwt.audience']),
    },
    loginRateLimit: {
      maxFailures: num(AUTH_ENV['loginRateLimit.maxFailures']),
      lockMinutes: num(AUTH_ENV['loginRateLimit.lockMinutes']),
      perAddressLimit: num(AUTH_ENV['loginRateLimit.perAddressLimit']),
      perAddressWindowSeconds: num(AUTH_ENV['loginRateLimit.perAddressWindowSeconds']),
    },
  };
  if (problems.length > 0) throw new AuthConfigError(problems);
  return options;
}

/** Applies defaults and checks every setting; throws `AuthConfigError` listing all problems. */
export function resolveAuthOptions(options: AuthModuleOptions, processNodeEnv?: string): ResolvedAuthOptions {
  const problems: string[] = [];
  const name = (key: keyof typeof AUTH_ENV) => `${key} (${AUTH_ENV[key]})`;
  const production = (options.nodeEnv ?? processNodeEnv) === 'production';

  if (!options.organisationFile?.trim()) {
    problems.push(`${name('organisationFile')} is required${production ? ' in production' : ''}`);
  }

  const jwt = options.jwt ?? {};
  let secret = jwt.secret;
  const usingDevSecret = !secret;
  if (!secret) {
    if (production) problems.push(`${name('jwt.secret')} is required in production`);
    secret = DEV_JWT_SECRET;
  } else if (production && (secret.length < 32 || secret === DEV_JWT_SECRET)) {
    problems.push(`${name('jwt.secret')} must be at least 32 characters and not the development default in production`);
  }

  const expiresInSeconds = parseDuration(jwt.expiresIn ?? AUTH_DEFAULTS.expiresIn);
  if (expiresInSeconds === undefined || expiresInSeconds < 30 || expiresInSeconds > 24 * 3600) {
    problems.push(
      `${name('jwt.expiresIn')} must be a duration from 30 s to 24 h (seconds, or like "15m", "1h"), got ${JSON.stringify(jwt.expiresIn)}`,
    );
  }
  const issuer = jwt.issuer ?? AUTH_DEFAULTS.issuer;
  const audience = jwt.audience ?? AUTH_DEFAULTS.audience;
  if (!issuer.trim()) problems.push(`${name('jwt.issuer')} must not be empty`);
  if (!audience.trim()) problems.push(`${name('jwt.audience')} must not be empty`);

  const rl = options.loginRateLimit ?? {};
  const positiveInt = (key: keyof typeof AUTH_ENV, value: number | undefined, fallback: number, max: number) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 1 || v > max)
      problems.push(`${name(key)} must be an integer from 1 to ${max}, got ${v}`);
    return v;
  };
  const maxFailures = positiveInt('loginRateLimit.maxFailures', rl.maxFailures, AUTH_DEFAULTS.maxFailures, 100);
  const lockMinutes = positiveInt('loginRateLimit.lockMinutes', rl.lockMinutes, AUTH_DEFAULTS.lockMinutes, 24 * 60);
  const perAddressLimit = positiveInt(
    'loginRateLimit.perAddressLimit',
    rl.perAddressLimit,
    AUTH_DEFAULTS.perAddressLimit,
    10_000,
  );
  const perAddressWindowSeconds = positiveInt(
    'loginRateLimit.perAddressWindowSeconds',
    rl.perAddressWindowSeconds,
    AUTH_DEFAULTS.perAddressWindowSeconds,
    24 * 3600,
  );

  if (problems.length > 0) throw new AuthConfigError(problems);
  return {
    organisationFile: options.organisationFile.trim(),
    production,
    jwt: { secret, expiresInSeconds: expiresInSeconds!, issuer, audience, usingDevSecret },
    loginRateLimit: {
      maxFailures,
      lockMs: lockMinutes * 60_000,
      perAddressLimit,
      perAddressWindowMs: perAddressWindowSeconds * 1000,
    },
  };
}

/** `900`, `'900'`, `'900s'`, `'15m'`, `'1h'`, `'1d'` → seconds; undefined when unreadable. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const m = /^\s*(\d+)\s*(s|m|h|d)?\s*$/.exec(value);
  if (!m) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** Refuses the demo organisation in production. */
export function assertOrganisationAllowed(options: ResolvedAuthOptions, isDemo: boolean): void {
  if (options.production && isDemo) {
    throw new AuthConfigError([
      `${options.organisationFile} is the demo organisation (demo: true), refused with NODE_ENV=production; ` +
        `set ${AUTH_ENV.organisationFile} to your organisation's file`,
    ]);
  }
}
