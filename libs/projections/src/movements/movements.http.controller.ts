import { CurrentActor } from '@app/auth';
import type { Actor } from '@app/engine';
import { Clock } from '@app/runtime';
import { Controller, ForbiddenException, Get, Optional, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ReadPositionDto, ReadPositionGate } from '../http/read-position';
import {
  MOVEMENT_STATUSES,
  type MovementStatusFilter,
  MovementRegisterQuery,
  mayReadMovements,
} from './movement-register.query';

/** `GET /register/movements` filters. */
export class MovementQueryDto extends ReadPositionDto {
  @ApiPropertyOptional({
    enum: MOVEMENT_STATUSES,
    description: 'Default: planned, away (overdue included) and returned',
  })
  @IsOptional()
  @IsIn(MOVEMENT_STATUSES)
  status?: MovementStatusFilter;

  @ApiPropertyOptional({ description: "The applicant's unit (id)" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  unit?: string;

  @ApiPropertyOptional({ description: "Part of the applicant's name or the destination" })
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

  @ApiPropertyOptional({ default: 100, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize?: number;
}

/** 登记造册: the register of movements the office keeps. */
@ApiTags('register')
@ApiBearerAuth()
@Controller('register')
export class MovementsHttpController {
  constructor(
    private readonly register: MovementRegisterQuery,
    private readonly gate: ReadPositionGate,
    @Optional() private readonly clock?: Clock,
  ) {}

  @Get('movements')
  @ApiOperation({
    summary: '登记造册: who is about to leave, who is away (and overdue), who returned — office, leadership, auditors',
  })
  async movements(@Query() query: MovementQueryDto, @CurrentActor() actor: Actor) {
    if (!mayReadMovements(actor)) {
      throw new ForbiddenException(
        'The register of movements is kept by the office: coordination group, leadership and auditors only',
      );
    }
    const freshness = await this.gate.await(query.minPosition);
    const now = this.clock?.now() ?? new Date();
    return { ...this.register.list(query, now), ...freshness };
  }
}
