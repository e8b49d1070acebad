import { CurrentActor } from '@app/auth';
import type { Actor } from '@app/engine';
import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ReadPositionDto, ReadPositionGate } from '../http/read-position';
import { CaseIndexQuery, CaseLinksQuery, MAX_PAGE_SIZE } from './case-index.query';

/** `GET /cases` filters. */
export class CaseListQueryDto extends ReadPositionDto {
  @ApiPropertyOptional({ example: 'leaveApproval' })
  @IsOptional()
  @Matches(/^[a-z][A-Za-z0-9]{0,63}$/, { message: 'process must be a camelCase process name' })
  process?: string;

  @ApiPropertyOptional({ description: 'A state key the case is in (leaf or parent)', example: 'awaitingChiefApproval' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.]{1,200}$/, { message: 'state must be a state key' })
  state?: string;

  @ApiPropertyOptional({ enum: ['active', 'done'] })
  @IsOptional()
  @IsIn(['active', 'done', 'error', 'stopped'])
  status?: string;

  @ApiPropertyOptional({ description: 'A group responsible now', example: 'prevention' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  group?: string;

  @ApiPropertyOptional({ description: 'A role responsible now', example: 'chief' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  role?: string;

  @ApiPropertyOptional({ description: 'A person responsible now (user id, or `me`)', example: 'me' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  assignee?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'overdue must be true or false' })
  overdue?: 'true' | 'false';

  @ApiPropertyOptional({ description: "Part of the subject's name, the subject id or the case id" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ default: 20, maximum: MAX_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  pageSize?: number;
}

/** The case index and the links between cases (read models; read scope as for single reads). */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('cases')
export class CaseIndexHttpController {
  constructor(
    private readonly index: CaseIndexQuery,
    private readonly links: CaseLinksQuery,
    private readonly gate: ReadPositionGate,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The case index: filters, paging, newest activity first; only cases the caller may read',
  })
  async list(@Query() query: CaseListQueryDto, @CurrentActor() actor: Actor) {
    const freshness = await this.gate.await(query.minPosition);
    const page = this.index.list(actor, {
      process: query.process,
      state: query.state,
      status: query.status,
      group: query.group,
      role: query.role,
      assignee: query.assignee === 'me' ? actor.id : query.assignee,
      overdue: query.overdue === undefined ? undefined : query.overdue === 'true',
      q: query.q,
      page: query.page,
      pageSize: query.pageSize,
    });
    return { ...page, ...freshness };
  }

  @Get(':id/links')
  @ApiOperation({ summary: 'The tree of linked cases, from the root ancestor down to every descendant' })
  async tree(@Param('id') id: string, @Query() query: ReadPositionDto, @CurrentActor() actor: Actor) {
    const freshness = await this.gate.await(query.minPosition);
    const tree = this.links.tree(actor, id);
    // Unknown and unreadable answer alike: no probing case ids.
    if (!tree) throw new NotFoundException(`No case ${id}`);
    return { ...tree, ...freshness };
  }
}
