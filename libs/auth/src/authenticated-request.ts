import type { Actor } from '@app/engine/actor';
import type { Person } from './organisation';
import type { AccessTokenClaims } from './token.service';

/** What the global guard attaches to a request it lets through with a token. */
export interface AuthenticatedRequest {
  actor?: Actor;
  person?: Person;
  tokenClaims?: AccessTokenClaims;
}
