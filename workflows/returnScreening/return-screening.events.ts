import { IsIsoInstant, IsNotBlank } from '@app/engine';
import { Type } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PlaceData, StaffMemberData } from '../shared/payload-parts';
import { IsBodyTemperature } from '../feverEscalation/fever-escalation.events';

/** The returnee: a person of the organisation directory (the case's subject). */
export class Returnee extends StaffMemberData {}

/** Where the person came back from: a place of the risk-area register. */
export class ReturnPlace extends PlaceData {}

/** Start input of a return screening (返岗筛查). */
export class ReturnScreeningInput {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => Returnee)
  person: Returnee;

  /** When the person came back: the 24 h to report run from here. */
  @IsIsoInstant()
  returnedAt: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReturnPlace)
  fromPlace: ReturnPlace;

  /** The leave-approval case of the trip (set when a RETURN opened this case). */
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  tripCaseId?: string;

  /** Any other case that opened this one (a duty-line report). */
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  sourceCaseId?: string;

  /** The process of `sourceCaseId` (`dutyReport`). */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][A-Za-z0-9]*$/, { message: 'sourceProcess must be a process name' })
  sourceProcess?: string;
}

/** Possible exposures in the contact history (流行病学接触史). */
export class Exposures {
  /** Contact with a confirmed case. */
  @IsBoolean()
  confirmedCase: boolean;

  /** Contact with a suspected case. */
  @IsBoolean()
  suspectedCase: boolean;

  /** Stay in or transit through a medium/high-risk area. */
  @IsBoolean()
  riskArea: boolean;
}

/**
 * REPORT_CONTACT_HISTORY. The plan requires the report to BOTH the community
 * (社区) and the office (机关办公室); a report missing either is bad input
 * (`CASE.INVALID_PAYLOAD` naming the missing one): report first, then send it.
 */
export class ReportContactHistoryData {
  @IsBoolean()
  @Equals(true, {
    message: 'reportedToCommunity must be true: report the contact history to the community (社区) first',
  })
  reportedToCommunity: boolean;

  @IsBoolean()
  @Equals(true, {
    message: 'reportedToOffice must be true: report the contact history to the bureau office (机关办公室) first',
  })
  reportedToOffice: boolean;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => Exposures)
  exposures: Exposures;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

/** RECORD_TEMPERATURE: one reading (34–43 °C; outside is bad input). */
export class RecordTemperatureData {
  @IsBodyTemperature()
  celsius: number;

  /** When it was measured: a fever's escalation deadline runs from here. */
  @IsIsoInstant()
  measuredAt: string;
}

/** END_OBSERVATION: the office ends the observation; only a normal end is a clearance. */
export class EndObservationData {
  @IsBoolean()
  @Equals(true, {
    message: 'normal must be true: record an abnormal finding (a fever) with RECORD_TEMPERATURE instead',
  })
  normal: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

/** Payload class per event type. */
export const returnScreeningEvents = {
  REPORT_CONTACT_HISTORY: ReportContactHistoryData,
  RECORD_TEMPERATURE: RecordTemperatureData,
  END_OBSERVATION: EndObservationData,
};
