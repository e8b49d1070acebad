import type { Actor } from '@app/engine/actor';
import { Controller, Get } from '@nestjs/common';
import { CurrentActor } from './current-actor.decorator';
import { DirectoryService } from './directory.service';
import { isReadOnly } from './read-scope';

/** The caller's identity as `GET /me` returns it. */
export interface Identity {
  id: string;
  username: string;
  name: string;
  roles: string[];
  groups: string[];
  unit: { id: string; name: string; kind: string } | null;
  retired: boolean;
  /** Auditors: may read, may send nothing. */
  readOnly: boolean;
}

/** The identity of an actor, from the directory (never includes the password hash). */
export function identityOf(directory: DirectoryService, actor: Actor): Identity {
  const person = directory.byId(actor.id);
  const unit = person ? directory.unitOf(person) : undefined;
  return {
    id: actor.id,
    username: person?.username ?? '',
    name: actor.name,
    roles: [...actor.roles],
    groups: [...(actor.groups ?? [])],
    unit: unit ? { id: unit.id, name: unit.name, kind: unit.kind } : null,
    retired: person?.retired ?? false,
    readOnly: isReadOnly(actor),
  };
}

@Controller('me')
export class MeHttpController {
  constructor(private readonly directory: DirectoryService) {}

  @Get()
  me(@CurrentActor() actor: Actor): Identity {
    return identityOf(this.directory, actor);
  }
}
