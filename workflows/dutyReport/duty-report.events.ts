import { IsIsoInstant, IsNotBlank } from '@app/engine';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  FEVER_THRESHOLD_CELSIUS,
  FeverPerson,
  IsBodyTemperature,
  isFever,
} from '../feverEscalation/fever-escalation.events';
import { Returnee, ReturnPlace } from '../returnScreening/return-screening.events';

/** What was reported (section 二(五)): 不明原因高热病人, 疫区返回人员. */
export const DUTY_REPORT_KINDS = ['highFeverUnknownCause', 'backFromEpidemicArea'] as const;
export type DutyReportKind = (typeof DUTY_REPORT_KINDS)[number];

/** The duty officer's three ways out. */
export const TRIAGE_ACTIONS = ['feverEscalation', 'returnScreening', 'dismiss'] as const;
export type TriageAction = (typeof TRIAGE_ACTIONS)[number];

/** Who called the duty line. */
export class Reporter {
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  name: string;

  @IsString()
  @Matches(/^\+?[0-9][0-9 -]{4,29}$/, { message: 'phone must be a phone number' })
  phone: string;

  /** The reporting unit, if any (any unit or person may report). */
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(200)
  unit?: string;
}

/** Who the report is about, and where they are. */
export class ReportSubject {
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  name: string;

  @IsString()
  @IsNotBlank()
  @MaxLength(500)
  place: string;
}

/** Start input of a duty-line report (信息报告): who reported, who, where, what, when. */
export class DutyReportInput {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => Reporter)
  reporter: Reporter;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReportSubject)
  subject: ReportSubject;

  @IsIn(DUTY_REPORT_KINDS)
  kind: DutyReportKind;

  @IsString()
  @IsNotBlank({ message: 'details are required' })
  @MaxLength(4000)
  details: string;

  /** When the call came in: the 1 h to triage run from here. */
  @IsIsoInstant()
  receivedAt: string;
}

const when =
  (action: TriageAction, field: keyof TriageData) =>
  (data: TriageData): boolean =>
    data.action === action || data[field] !== undefined;

/**
 * TRIAGE. Each action brings what the case it opens needs:
 * - `feverEscalation`: `celsius` (≥ 37.3 °C), optionally `detectedAt`
 *   (default: when the call came in) and `person` (default: the reported name);
 * - `returnScreening`: the `person` as a directory entry (id, name, unit), `returnedAt`, `fromPlace`;
 * - `dismiss`: `reason`.
 */
export class TriageData {
  @IsIn(TRIAGE_ACTIONS)
  action: TriageAction;

  @ValidateIf(when('dismiss', 'reason'))
  @IsString()
  @IsNotBlank({ message: 'reason is required to dismiss a report' })
  @MaxLength(4000)
  reason?: string;

  @ValidateIf(when('feverEscalation', 'celsius'))
  @IsDefined({ message: 'celsius is required to open a fever escalation' })
  @IsBodyTemperature()
  @ValidateBy({
    name: 'isFeverForEscalation',
    validator: {
      validate: (value, args) =>
        (args?.object as TriageData | undefined)?.action !== 'feverEscalation' || isFever(value),
      defaultMessage: () =>
        `celsius below ${FEVER_THRESHOLD_CELSIUS} °C is no fever: open a return screening or dismiss the report`,
    },
  })
  celsius?: number;

  /** When the fever was found, if not when the call came in. */
  @IsOptional()
  @IsIsoInstant()
  detectedAt?: string;

  /**
   * The person: for a fever, a name at least (an id if they are staff);
   * for a return screening, their directory entry (the returnee reports
   * their own steps).
   */
  @ValidateIf(when('returnScreening', 'person'))
  @IsDefined({ message: 'person (id, name, unit) is required to open a return screening' })
  @IsObject()
  @ValidateNested()
  @Type((options) =>
    (options?.object as TriageData | undefined)?.action === 'returnScreening' ? Returnee : FeverPerson,
  )
  person?: FeverPerson | Returnee;

  @ValidateIf(when('returnScreening', 'returnedAt'))
  @IsDefined({ message: 'returnedAt is required to open a return screening' })
  @IsIsoInstant()
  returnedAt?: string;

  @ValidateIf(when('returnScreening', 'fromPlace'))
  @IsDefined({ message: 'fromPlace is required to open a return screening' })
  @IsObject()
  @ValidateNested()
  @Type(() => ReturnPlace)
  fromPlace?: ReturnPlace;
}

/** Payload class per event type. */
export const dutyReportEvents = {
  TRIAGE: TriageData,
};
