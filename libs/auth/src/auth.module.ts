import { type DynamicModule, Logger, Module, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import {
  AUTH_OPTIONS,
  type AuthModuleOptions,
  assertOrganisationAllowed,
  authOptionsFromEnv,
  type ResolvedAuthOptions,
  resolveAuthOptions,
} from './auth.options';
import { DirectoryService } from './directory.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { LoginHttpController } from './login.http.controller';
import { LoginService } from './login.service';
import { LoginAttempts } from './login-attempts';
import {
  LOGIN_THROTTLER_NAME,
  LOGIN_THROTTLER_OPTIONS,
  LOGIN_THROTTLER_STORAGE,
  LoginThrottleGuard,
} from './login-throttle.guard';
import { MeHttpController } from './me.http.controller';
import { TokenService } from './token.service';

/** Switches on top of the settings. */
export interface AuthModuleExtras {
  /** Serve `GET /me` from this module (default true); turn off when the app serves its own. */
  meEndpoint?: boolean;
}

/**
 * Login, tokens and the organisation directory.
 *
 * - `POST /auth/login` (public, throttled per address, locks accounts after repeated failures)
 * - `GET /me`
 * - a global guard: every route needs a bearer token unless marked `@Public()`
 * - exports `DirectoryService`, `TokenService` and `AUTH_OPTIONS` (global module)
 *
 * Settings are checked and the organisation file is loaded while the app starts,
 * so a mistake stops start-up with a message naming it.
 */
@Module({})
export class AuthModule {
  /** Explicit settings (tests, or an app that reads its own configuration). */
  static forRoot(options: AuthModuleOptions & AuthModuleExtras): DynamicModule {
    return AuthModule.build(() => resolveAuthOptions(options, process.env.NODE_ENV), options);
  }

  /** Settings from environment variables (`AUTH_ENV`), read when the app starts. */
  static forRootFromEnv(extras: AuthModuleExtras = {}): DynamicModule {
    return AuthModule.build(() => resolveAuthOptions(authOptionsFromEnv(process.env), process.env.NODE_ENV), extras);
  }

  private static build(resolve: () => ResolvedAuthOptions, extras: AuthModuleExtras): DynamicModule {
    const providers: Provider[] = [
      {
        provide: AUTH_OPTIONS,
        useFactory: () => {
          const options = resolve();
          if (options.jwt.usingDevSecret) {
            new Logger('AuthModule').warn(
              'no JWT secret configured: using the development default (refused in production)',
            );
          }
          return options;
        },
      },
      {
        provide: DirectoryService,
        inject: [AUTH_OPTIONS],
        useFactory: (options: ResolvedAuthOptions) => {
          const directory = DirectoryService.fromFile(options.organisationFile);
          assertOrganisationAllowed(options, directory.isDemo);
          return directory;
        },
      },
      {
        provide: LoginAttempts,
        inject: [AUTH_OPTIONS],
        useFactory: (options: ResolvedAuthOptions) =>
          new LoginAttempts(options.loginRateLimit.maxFailures, options.loginRateLimit.lockMs),
      },
      {
        provide: LOGIN_THROTTLER_OPTIONS,
        inject: [AUTH_OPTIONS],
        useFactory: (options: ResolvedAuthOptions) => ({
          throttlers: [
            {
              name: LOGIN_THROTTLER_NAME,
              limit: options.loginRateLimit.perAddressLimit,
              ttl: options.loginRateLimit.perAddressWindowMs,
            },
          ],
        }),
      },
      { provide: LOGIN_THROTTLER_STORAGE, useClass: ThrottlerStorageService },
      LoginThrottleGuard,
      TokenService,
      LoginService,
      { provide: APP_GUARD, useClass: JwtAuthGuard },
    ];
    return {
      module: AuthModule,
      global: true,
      providers,
      controllers: extras.meEndpoint === false ? [LoginHttpController] : [LoginHttpController, MeHttpController],
      exports: [AUTH_OPTIONS, DirectoryService, TokenService],
    };
  }
}
