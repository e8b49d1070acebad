import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DirectoryService } from './directory.service';
import { LoginAttempts } from './login-attempts';
import { hashPassword, verifyPassword } from './password-hash';
import { type IssuedToken, TokenService } from './token.service';

/** Wrong username or password; deliberately does not say which. */
export class InvalidCredentialsError extends Error {
  readonly code = 'AUTH.INVALID_CREDENTIALS';

  constructor() {
    super('invalid username or password');
    this.name = 'InvalidCredentialsError';
  }
}

/** Too many failed logins on this account. */
export class AccountLockedError extends Error {
  readonly code = 'AUTH.ACCOUNT_LOCKED';

  constructor(readonly lockedUntil: Date) {
    super(`account locked until ${lockedUntil.toISOString()} after too many failed logins`);
    this.name = 'AccountLockedError';
  }
}

/** Checks a username and password against the directory and issues a token. */
@Injectable()
export class LoginService {
  /** Hash checked for unknown usernames so they take as long as known ones. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly directory: DirectoryService,
    private readonly attempts: LoginAttempts,
    private readonly tokens: TokenService,
  ) {}

  async login(username: string, password: string): Promise<IssuedToken> {
    const locked = this.attempts.lockedUntil(username);
    if (locked) throw new AccountLockedError(locked);
    // Count the attempt as failed before checking, so parallel guesses cannot
    // all slip in under the limit while scrypt runs; a success clears it.
    const lockedNow = this.attempts.recordFailure(username);

    const person = this.directory.byUsername(username);
    const ok = person
      ? await verifyPassword(password, person.passwordHash)
      : await verifyPassword(password, await this.dummy()).then(() => false);
    if (!ok || !person) {
      if (lockedNow) throw new AccountLockedError(lockedNow);
      throw new InvalidCredentialsError();
    }
    this.attempts.recordSuccess(username);
    return this.tokens.issue(person);
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(randomUUID());
    return this.dummyHash;
  }
}
