import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '@app/auth';
import type { Actor } from '@app/engine';
import { CaseSummaryReader } from '@app/projections';
import { CaseService, type CommitResult } from '@app/runtime';
import { SendEventDto, StartCaseDto, StateQueryDto } from './case.dto';
import { CaseAccess } from './case-access.service';
import { type CaseView, toCaseView, toHistoryEntry } from './case-view';

/** Cases: open, act on, read, travel in time, verify. */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('cases')
export class CasesHttpController {
  constructor(
    private readonly cases: CaseService,
    private readonly access: CaseAccess,
    private readonly summaries: CaseSummaryReader,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Open a case of a process' })
  async start(@Body() body: StartCaseDto, @CurrentActor() actor: Actor) {
    this.access.assertMayWrite(actor);
    return this.committed(await this.cases.start(body.process, body.input, actor), actor);
  }

  @Post(':id/events')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send an event to a case (409 with the allowed events if the state does not take it)' })
  async send(@Param('id') id: string, @Body() body: SendEventDto, @CurrentActor() actor: Actor) {
    this.access.assertMayWrite(actor);
    const result = await this.cases.send(id, body.type, body.data ?? {}, actor, {
      expectedRevision: body.expectedRevision === undefined ? undefined : BigInt(body.expectedRevision),
    });
    return this.committed(result, actor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The case now: state, context, revision, nextEvents, deadlines, effects' })
  async get(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const { state } = await this.access.readable(actor, id);
    const view = toCaseView(this.cases.definitionOf(state), state, actor);
    view.links = this.summaries.links(actor, id) ?? { parent: null, children: [] };
    return view;
  }

  private committed({ state, position }: CommitResult, actor: Actor): CaseView {
    const view = toCaseView(this.cases.definitionOf(state), state, actor);
    if (position !== undefined) view.position = position;
    return view;
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'Every event with actor, time, state before/after and hash' })
  async history(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const { events } = await this.access.readable(actor, id);
    return { id, events: events.map(toHistoryEntry) };
  }

  @Get(':id/state')
  @ApiOperation({ summary: 'The case as it was at a revision (?revision=N) or a moment (?at=ISO)' })
  async stateAt(@Param('id') id: string, @Query() query: StateQueryDto, @CurrentActor() actor: Actor) {
    if ((query.revision === undefined) === (query.at === undefined)) {
      throw new BadRequestException('Give exactly one of revision and at');
    }
    const { events } = await this.access.readable(actor, id);
    const state = await this.cases.getAt(
      id,
      query.revision !== undefined ? { revision: BigInt(query.revision) } : { at: query.at! },
      events,
    );
    return toCaseView(this.cases.definitionOf(state), state, undefined);
  }

  @Get(':id/verify')
  @ApiOperation({ summary: 'Check the hash chain and that a replay reaches every recorded state' })
  async verify(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const { events } = await this.access.readable(actor, id);
    const result = await this.cases.verify(id, events);
    return { id, ok: result.chain.ok && result.replay.ok, ...result };
  }
}
