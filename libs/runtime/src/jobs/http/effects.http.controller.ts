import {
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentActor, readScopeFilter } from '@app/auth';
import { type Actor, type Incident, isEngineError } from '@app/engine';
import { CaseService } from '../../cases/case.service';
import { type InboxPage, IncidentIndex, InboxReadModel } from '../effects-read-models';

/** An incident as `GET /incidents` lists it: the index entry with the case's own record of it. */
export interface IncidentView extends Incident {
  /** The incident's id (the effect id), for `POST /incidents/:id/retry`. */
  id: string;
  caseId: string;
}

/**
 * The people-facing side of effects: one's inbox, and the incidents (effects
 * that exhausted their retries) with an operator's retry.
 */
@ApiTags('effects')
@ApiBearerAuth()
@Controller()
export class EffectsHttpController {
  constructor(
    private readonly inbox: InboxReadModel,
    private readonly incidents: IncidentIndex,
    private readonly cases: CaseService,
  ) {}

  @Get('inbox')
  @ApiOperation({ summary: "The logged-in person's notifications, newest first" })
  @ApiQuery({ name: 'limit', required: false, description: '1–200, default 50' })
  @ApiQuery({ name: 'before', required: false, description: 'nextBefore of the previous page' })
  getInbox(
    @CurrentActor() actor: Actor,
    @Query('limit', new ParseIntPipe({ optional: true })) limit?: number,
    @Query('before', new ParseIntPipe({ optional: true })) before?: number,
  ): Promise<InboxPage> {
    return this.inbox.list(actor.id, { limit, before });
  }

  @Get('incidents')
  @ApiOperation({ summary: 'Effects that exhausted their retries, across cases (leadership, auditors, admins)' })
  async listIncidents(@CurrentActor() actor: Actor): Promise<{ items: IncidentView[] }> {
    if (!readScopeFilter(actor).all)
      throw new ForbiddenException('only leadership, auditors and admins see all incidents');
    const entries = await this.incidents.list();
    const items: IncidentView[] = [];
    for (const entry of entries) {
      const incident = await this.caseIncident(entry.caseId, entry.effectId);
      // The case stream is the truth; an index entry it no longer confirms (retried meanwhile) is left out.
      if (incident) items.push({ id: entry.effectId, caseId: entry.caseId, ...incident });
    }
    return { items };
  }

  @Post('incidents/:id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry an incident (admins): the effect is pending again and is re-enqueued' })
  async retry(
    @Param('id') id: string,
    @CurrentActor() actor: Actor,
  ): Promise<{ id: string; caseId: string; eventId: string }> {
    if (actor.kind !== 'user' || !actor.roles.includes('admin'))
      throw new ForbiddenException('only admins retry incidents');
    const entry = await this.incidents.get(id);
    if (!entry) throw new NotFoundException(`no incident ${id}`);
    const { event } = await this.cases.requestEffectRetry(entry.caseId, id, actor);
    // The dispatcher sees EFFECT_RETRY_REQUESTED in the log and enqueues the effect again.
    return { id, caseId: entry.caseId, eventId: event!.id };
  }

  private async caseIncident(caseId: string, effectId: string): Promise<Incident | undefined> {
    try {
      return (await this.cases.get(caseId)).incidents[effectId];
    } catch (error) {
      if (isEngineError(error, 'CASE.NOT_FOUND')) return undefined;
      throw error;
    }
  }
}
