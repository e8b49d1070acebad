import 'reflect-metadata';
import { IsIsoInstant, IsNotBlank } from '@app/engine';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PlaceData, StaffMemberData } from '../shared/payload-parts';

/** Risk levels of the risk-area register (低/中/高风险; `unknown` when the register has no entry). */
export const RISK_LEVELS = ['low', 'medium', 'high', 'unknown'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** Levels to which travel is forbidden (中高风险地区). */
export const FORBIDDEN_RISK_LEVELS: readonly RiskLevel[] = ['medium', 'high'];

function RequiredWhenLeavingCity(): PropertyDecorator {
  return ValidateBy({
    name: 'requiredWhenLeavingCity',
    validator: {
      validate: (value, args) =>
        (args?.object as LeaveApplication | undefined)?.leavesCity !== true ||
        (typeof value === 'string' && value.trim() !== ''),
      defaultMessage: () => 'specialReason is required when leaving the city',
    },
  });
}

/** The traveller (干部职工或离退休人员). */
export class Applicant extends StaffMemberData {}

/** Where to: a place of the risk-area register. */
export class Destination extends PlaceData {}

/** 随行人员. */
export class Companion {
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  name: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  relation?: string;
}

/** 流行病学史. */
export class EpidemiologicalHistory {
  /** Fever in the last 14 days. */
  @IsBoolean()
  feverLast14Days: boolean;

  /** Contact with a confirmed or suspected case. */
  @IsBoolean()
  contactWithCase: boolean;

  /** Visited a medium/high-risk area. */
  @IsBoolean()
  visitedRiskArea: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

/** Start input of a leave request (外出申请). */
export class LeaveApplication {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => Applicant)
  applicant: Applicant;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => Destination)
  destination: Destination;

  /** Leaving the city (离开本市): only in special circumstances, which must be stated. */
  @IsBoolean()
  leavesCity: boolean;

  /** Required when leaving the city (非特殊情况,不允许离开本市); optional otherwise. */
  @ValidateIf(
    (application: LeaveApplication) => application.leavesCity === true || application.specialReason !== undefined,
  )
  @IsString()
  @MaxLength(2000)
  @RequiredWhenLeavingCity()
  specialReason?: string;

  @IsIsoInstant()
  departAt: string;

  @IsIsoInstant()
  returnAt: string;

  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => Companion)
  companions: Companion[];

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => EpidemiologicalHistory)
  epidemiologicalHistory: EpidemiologicalHistory;
}

/** The risk-area register's answer for the destination, looked up by the runtime at start. */
export interface DestinationRisk {
  level: RiskLevel;
  /** Since when the place has had this level (null when the register has no entry). */
  asOf: string | null;
}

/** CASE_STARTED data: the application plus the register's answer. */
export type LeaveApplicationData = LeaveApplication & { destinationRisk: DestinationRisk };

/** APPROVE (主要领导同意). */
export class ApproveData {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

/** REJECT. */
export class RejectData {
  @IsString()
  @IsNotBlank({ message: 'reason is required' })
  @MaxLength(2000)
  reason: string;
}

/** FILE (向机关办公室报备). */
export class FileData {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

/** DEPART: the traveller reports leaving. */
export class DepartData {
  @IsIsoInstant()
  at: string;
}

/** RETURN: the traveller reports being back. */
export class ReturnData {
  @IsIsoInstant()
  at: string;
}

/** WITHDRAW: the applicant cancels the request before leaving. */
export class WithdrawData {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

/** RISK_LEVEL_CHANGED: from the risk-area register (system:register). */
export class RiskLevelChangedData {
  @IsString()
  @IsNotBlank()
  @MaxLength(50)
  placeCode: string;

  @IsIn(RISK_LEVELS)
  level: RiskLevel;

  @IsIsoInstant()
  asOf: string;
}

/** Payload class per event type. */
export const leaveApprovalEvents = {
  APPROVE: ApproveData,
  REJECT: RejectData,
  FILE: FileData,
  DEPART: DepartData,
  RETURN: ReturnData,
  WITHDRAW: WithdrawData,
  RISK_LEVEL_CHANGED: RiskLevelChangedData,
};
