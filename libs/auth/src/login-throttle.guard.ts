import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  type ThrottlerLimitDetail,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';

/** Options and storage of the login throttler, kept apart from any app-wide `ThrottlerModule`. */
export const LOGIN_THROTTLER_OPTIONS = Symbol('LOGIN_THROTTLER_OPTIONS');
export const LOGIN_THROTTLER_STORAGE = Symbol('LOGIN_THROTTLER_STORAGE');
export const LOGIN_THROTTLER_NAME = 'loginAddress';

/**
 * Limits login attempts per client address (`req.ip`: behind a proxy, set
 * Express's `trust proxy` so it is the client's). Uses its own options and
 * storage so an app-wide `ThrottlerModule` (which is global) does not collide.
 */
@Injectable()
export class LoginThrottleGuard extends ThrottlerGuard {
  constructor(
    @Inject(LOGIN_THROTTLER_OPTIONS) options: ThrottlerModuleOptions,
    @Inject(LOGIN_THROTTLER_STORAGE) storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    super(options, storage, reflector);
  }

  protected override async throwThrottlingException(_context: unknown, detail: ThrottlerLimitDetail): Promise<void> {
    throw new HttpException(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message: `too many login attempts from this address; try again in ${detail.timeToBlockExpire} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
