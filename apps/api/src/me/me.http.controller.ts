import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, DirectoryService, identityOf } from '@app/auth';
import type { Actor, WorkflowRegistry } from '@app/engine';
import { WORKFLOW_REGISTRY } from '@app/runtime';
import { capabilitiesOf } from './capabilities';

/** The caller: identity, roles, groups, unit, and what they may do in each process. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('me')
export class MeHttpController {
  constructor(
    private readonly directory: DirectoryService,
    @Inject(WORKFLOW_REGISTRY) private readonly registry: WorkflowRegistry,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Who I am and what I may do' })
  me(@CurrentActor() actor: Actor) {
    const identity = identityOf(this.directory, actor);
    const latest = this.registry.processes().map((process) => this.registry.latest(process));
    return { ...identity, may: capabilitiesOf(latest, actor, identity.readOnly) };
  }
}
