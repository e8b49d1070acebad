import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = Symbol('IS_PUBLIC');

/** Marks a route (or controller) as reachable without a token: only health and login should be. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
