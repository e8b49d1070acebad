import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AUTH_OPTIONS, type ResolvedAuthOptions } from './auth.options';
import type { Person } from './organisation';

/** What an access token says. Roles and groups are not in it: they are read from the directory per request. */
export interface AccessTokenClaims {
  /** Person id. */
  sub: string;
  username: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

export interface IssuedToken {
  accessToken: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** Why a bearer token was refused. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: 'expired' | 'invalid') {
    super(reason === 'expired' ? 'token expired' : 'invalid token');
    this.name = 'InvalidTokenError';
  }
}

/**
 * Issues and checks access tokens: HS256 only (so `alg: none` and algorithm
 * confusion are refused), issuer and audience set on issue and required on check.
 */
@Injectable()
export class TokenService {
  private readonly jwt: JwtService;

  constructor(@Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions) {
    const { secret, issuer, audience, expiresInSeconds } = options.jwt;
    // One key object for the life of the service: given a string, jsonwebtoken first tries (and fails)
    // to parse it as a public key on every verification, which cost most of a request's CPU.
    const key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.jwt = new JwtService({
      secretOrKeyProvider: () => key,
      signOptions: { algorithm: 'HS256', issuer, audience, expiresIn: expiresInSeconds },
      verifyOptions: { algorithms: ['HS256'], issuer, audience, clockTolerance: 5 },
    });
  }

  async issue(person: Person): Promise<IssuedToken> {
    const accessToken = await this.jwt.signAsync({ username: person.username }, { subject: person.id });
    return { accessToken, expiresIn: this.options.jwt.expiresInSeconds };
  }

  /** The token's claims; throws `InvalidTokenError` for anything not issued by us, for us, and still valid. */
  async verify(token: string): Promise<AccessTokenClaims> {
    let claims: Partial<AccessTokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<Partial<AccessTokenClaims>>(token);
    } catch (err) {
      throw new InvalidTokenError((err as Error).name === 'TokenExpiredError' ? 'expired' : 'invalid');
    }
    if (typeof claims.sub !== 'string' || claims.sub === '' || typeof claims.exp !== 'number') {
      throw new InvalidTokenError('invalid');
    }
    return claims as AccessTokenClaims;
  }
}
