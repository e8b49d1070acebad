import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedRequest } from './authenticated-request';
import { DirectoryService } from './directory.service';
import { IS_PUBLIC } from './public.decorator';
import { InvalidTokenError, TokenService } from './token.service';

/**
 * The global guard (APP_GUARD): every route needs a valid bearer token unless
 * marked `@Public()`. The actor is built from the directory now, so a person
 * removed from the organisation loses access at once, and roles are never
 * taken from the token.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly directory: DirectoryService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    if (context.getType() !== 'http') {
      throw new UnauthorizedException('only HTTP requests can carry a token');
    }
    const req = context.switchToHttp().getRequest<AuthenticatedRequest & { headers: Record<string, unknown> }>();
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new UnauthorizedException('missing bearer token (Authorization: Bearer <token>)');

    let claims: Awaited<ReturnType<TokenService['verify']>>;
    try {
      claims = await this.tokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new UnauthorizedException(err.message);
      throw err;
    }
    const person = this.directory.byId(claims.sub);
    if (!person) throw new UnauthorizedException('the token names a person who is no longer in the organisation');
    req.person = person;
    req.tokenClaims = claims;
    req.actor = this.directory.toActor(person);
    return true;
  }
}

function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return m?.[1];
}
