import { CurrentActor } from '@app/auth';
import type { Actor } from '@app/engine';
import { Clock } from '@app/runtime';
import { BadRequestException, Controller, ForbiddenException, Get, Optional, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ReadPositionDto, ReadPositionGate } from '../http/read-position';
import { InactionLedgerQuery, mayReadInaction } from './inaction-ledger.query';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `GET /accountability/inaction` filters. */
export class InactionQueryDto extends ReadPositionDto {
  @ApiPropertyOptional({ description: 'Deadlines due at or after (ISO-8601 instant)' })
  @IsOptional()
  @Matches(ISO_INSTANT, { message: 'from must be an ISO-8601 instant with a time zone' })
  from?: string;

  @ApiPropertyOptional({ description: 'Deadlines due before (ISO-8601 instant)' })
  @IsOptional()
  @Matches(ISO_INSTANT, { message: 'to must be an ISO-8601 instant with a time zone' })
  to?: string;

  @ApiPropertyOptional({ description: 'Unit of whoever held the case (unit id)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  unit?: string;

  @ApiPropertyOptional({ description: 'Group of whoever held the case', example: 'prevention' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  group?: string;

  @ApiPropertyOptional({ example: 'leaveApproval' })
  @IsOptional()
  @Matches(/^[a-z][A-Za-z0-9]{0,63}$/, { message: 'process must be a camelCase process name' })
  process?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: still waiting in the state; false: left it' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'open must be true or false' })
  open?: 'true' | 'false';

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  pageSize?: number;
}

/** The inaction ledger: every missed deadline, who held the case, how long it waited. */
@ApiTags('accountability')
@ApiBearerAuth()
@Controller('accountability')
export class InactionHttpController {
  constructor(
    private readonly ledger: InactionLedgerQuery,
    private readonly gate: ReadPositionGate,
    @Optional() private readonly clock?: Clock,
  ) {}

  @Get('inaction')
  @ApiOperation({ summary: 'Every missed deadline: case, state, who held it, due, how late, how long it waited' })
  async inaction(@Query() query: InactionQueryDto, @CurrentActor() actor: Actor) {
    if (!mayReadInaction(actor)) {
      throw new ForbiddenException('The inaction report is for the leadership group and auditors');
    }
    if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) >= Date.parse(query.to)) {
      throw new BadRequestException('from must be before to');
    }
    const freshness = await this.gate.await(query.minPosition);
    const now = this.clock?.now() ?? new Date();
    return {
      ...this.ledger.report(
        {
          from: query.from,
          to: query.to,
          unit: query.unit,
          group: query.group,
          process: query.process,
          open: query.open === undefined ? undefined : query.open === 'true',
          page: query.page,
          pageSize: query.pageSize,
        },
        now,
      ),
      ...freshness,
    };
  }
}
