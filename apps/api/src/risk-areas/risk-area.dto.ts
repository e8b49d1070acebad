import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { RISK_LEVELS, type RiskLevel } from '@app/runtime';

/** `PUT /risk-areas/:placeCode`: a place's risk level from a moment on. */
export class SetRiskLevelDto {
  @ApiProperty({ enum: RISK_LEVELS })
  @IsIn(RISK_LEVELS)
  level: RiskLevel;

  @ApiProperty({ example: '北京市朝阳区' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ example: '2026-11-29T00:00:00Z' })
  @IsISO8601({ strict: true })
  effectiveFrom: string;
}
