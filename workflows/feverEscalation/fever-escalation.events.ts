import { IsIsoInstant, IsNotBlank } from '@app/engine';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** 体温 ≥ 37.3 °C is a fever (DOMAIN.md processes 2 and 3): 37.3 is one, 37.2 is not. */
export const FEVER_THRESHOLD_CELSIUS = 37.3;
/** Readings outside [34, 43] °C are implausible: bad input, never a fever or a clearance. */
export const MIN_PLAUSIBLE_CELSIUS = 34;
export const MAX_PLAUSIBLE_CELSIUS = 43;

/**
 * `true` for a fever. The tolerance only absorbs binary floating-point noise
 * (a computed 37.29999…), it does not round 37.25 up.
 */
export function isFever(celsius: number): boolean {
  return celsius >= FEVER_THRESHOLD_CELSIUS - 1e-9;
}

/** A body temperature in °C: a number with at most two decimals inside the plausible range. */
export function IsBodyTemperature(): PropertyDecorator {
  return (target, property) => {
    IsNumber(
      { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 },
      { message: `${String(property)} must be a temperature in °C` },
    )(target, property);
    Min(MIN_PLAUSIBLE_CELSIUS, {
      message: `${String(property)} below ${MIN_PLAUSIBLE_CELSIUS} °C is not a plausible body temperature`,
    })(target, property);
    Max(MAX_PLAUSIBLE_CELSIUS, {
      message: `${String(property)} above ${MAX_PLAUSIBLE_CELSIUS} °C is not a plausible body temperature`,
    })(target, property);
  };
}

/** Where the fever was found. */
export const FEVER_SOURCES = ['screening', 'dutyReport', 'spotCheck'] as const;
export type FeverSource = (typeof FEVER_SOURCES)[number];

/** Expert consultation outcomes (专家会诊结论): 排除 / 疑似 / 确诊. */
export const CONSULTATION_OUTCOMES = ['excluded', 'suspected', 'confirmed'] as const;
export type ConsultationOutcome = (typeof CONSULTATION_OUTCOMES)[number];

/** The person with a fever: a directory id when they are staff, a name always (a duty-line report may name an outsider). */
export class FeverPerson {
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  id?: string;

  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  name: string;

  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(200)
  unit?: string;
}

/** Start input of a fever escalation (发热处置). */
export class FeverDetection {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => FeverPerson)
  person: FeverPerson;

  /** The reading that made it a fever (≥ 37.3 °C; checked in `validateFeverDetection`). */
  @IsBodyTemperature()
  celsius: number;

  /** When the fever was found: the transfer deadline (2 h) runs from here, not from the case's creation. */
  @IsIsoInstant()
  detectedAt: string;

  @IsIn(FEVER_SOURCES)
  source: FeverSource;

  /** The screening case or duty-line report that found it; absent for a spot check outside any case. */
  @ValidateIf((detection: FeverDetection) => detection.source !== 'spotCheck' || detection.sourceCaseId !== undefined)
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  sourceCaseId?: string;

  /** Where the person is now (for the transfer). */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  place?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

/** TRANSFER_TO_CLINIC: taken to a fever clinic (立即送到发热门诊). */
export class TransferToClinicData {
  /** The fever clinic (发热门诊). */
  @IsString()
  @IsNotBlank()
  @MaxLength(200)
  clinic: string;

  /** When the person arrived there. */
  @IsIsoInstant()
  at: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

/**
 * RECORD_CONSULTATION: an expert consultation (专家会诊). `celsius` is
 * required with `excluded`: only an exclusion with a normal temperature
 * clears the person.
 */
export class RecordConsultationData {
  @IsIn(CONSULTATION_OUTCOMES)
  outcome: ConsultationOutcome;

  /** The experts' names. */
  @IsArray()
  @ArrayMinSize(1, { message: 'experts must name at least one expert' })
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @IsNotBlank({ each: true })
  @MaxLength(100, { each: true })
  experts: string[];

  @IsString()
  @MaxLength(4000)
  notes: string;

  @ValidateIf((data: RecordConsultationData) => data.outcome === 'excluded' || data.celsius !== undefined)
  @IsDefined({ message: 'celsius is required when the outcome is excluded' })
  @IsBodyTemperature()
  celsius?: number;
}

/** Payload class per event type. */
export const feverEscalationEvents = {
  TRANSFER_TO_CLINIC: TransferToClinicData,
  RECORD_CONSULTATION: RecordConsultationData,
};
