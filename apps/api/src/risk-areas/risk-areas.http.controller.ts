import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Get,
  NotFoundException,
  Param,
  Put,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '@app/auth';
import type { Actor } from '@app/engine';
import { Clock, PLACE_CODE, RiskAreaRegister } from '@app/runtime';
import { SetRiskLevelDto } from './risk-area.dto';

/** The risk-area register the coordination group keeps (风险地区登记). */
@ApiTags('risk-areas')
@ApiBearerAuth()
@Controller('risk-areas')
export class RiskAreasHttpController {
  constructor(
    private readonly register: RiskAreaRegister,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every registered place and its current level' })
  list() {
    return this.register.list();
  }

  @Get(':placeCode')
  async get(@Param('placeCode') placeCode: string) {
    const entry = PLACE_CODE.test(placeCode) ? await this.register.get(placeCode) : undefined;
    if (!entry) throw new NotFoundException(`No place ${placeCode} in the register`);
    return entry;
  }

  @Put(':placeCode')
  @ApiOperation({ summary: 'Set a place’s risk level (the coordination group: office staff, or an admin)' })
  async set(@Param('placeCode') placeCode: string, @Body() body: SetRiskLevelDto, @CurrentActor() actor: Actor) {
    if (!PLACE_CODE.test(placeCode)) {
      throw new BadRequestException('A place code is 1-64 letters, digits, "_" or "."');
    }
    const keeper =
      actor.roles.includes('office') || actor.roles.includes('admin') || (actor.groups ?? []).includes('coordination');
    if (!keeper || actor.roles.includes('auditor')) {
      throw new ForbiddenException('Only the coordination group (the office) keeps the risk-area register');
    }
    return this.register.set({ placeCode, ...body }, actor, this.clock.now().toISOString());
  }
}
