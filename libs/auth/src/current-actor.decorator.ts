import { createParamDecorator, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { AuthenticatedRequest } from './authenticated-request';

/**
 * The authenticated `Actor` (id, name, roles, unit, groups as the directory says
 * at this request). Record this one in events, never one taken from the body.
 * On a `@Public()` route there is none and the request is refused with 401.
 */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.actor) throw new UnauthorizedException('authentication required');
  return req.actor;
});
