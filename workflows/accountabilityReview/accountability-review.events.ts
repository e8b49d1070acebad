import { IsNotBlank } from '@app/engine';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PersonData, StaffMemberData } from '../shared/payload-parts';

/** Why a review was opened (严肃问责). */
export const ACCOUNTABILITY_REASONS = [
  /** A waiting state's deadline passed with this person holding the case. */
  'deadlineMissed',
  /** A rectification (整改) was not submitted by its deadline. */
  'rectificationOverdue',
  /** A rectification failed verification. */
  'rectificationFailed',
  /** Measures implemented poorly (落实不力), as inspectors found. */
  'poorImplementation',
] as const;
export type AccountabilityReason = (typeof ACCOUNTABILITY_REASONS)[number];

/**
 * Decisions a reviewer may record, mildest first: no action (不予追责),
 * criticism and education (批评教育), a formal warning or admonishment talk
 * (警示/诫勉谈话), referral to the discipline-inspection body (移送纪检监察).
 */
export const ACCOUNTABILITY_DECISIONS = ['noAction', 'criticism', 'warning', 'referral'] as const;
export type AccountabilityDecision = (typeof ACCOUNTABILITY_DECISIONS)[number];

/** A person of the organisation directory. */
export class ReviewPerson extends PersonData {}

/** The person under review, with their unit. */
export class ReviewSubject extends StaffMemberData {}

/** Start input of an accountability review (问责审查). */
export class AccountabilityReviewInput {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReviewSubject)
  subject: ReviewSubject;

  @IsIn(ACCOUNTABILITY_REASONS)
  reason: AccountabilityReason;

  /** The case where it happened (an inspection, a case whose deadline was missed). */
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  sourceCaseId: string;

  /** The process of `sourceCaseId` (`supervisionInspection`, …). */
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][A-Za-z0-9]*$/, { message: 'sourceProcess must be a process name' })
  sourceProcess?: string;

  /** What happened, in words. */
  @IsString()
  @IsNotBlank()
  @MaxLength(4000)
  details: string;
}

/** ASSIGN_REVIEWER: the leadership group names the reviewer; never the subject. */
export class AssignReviewerData {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReviewPerson)
  reviewer: ReviewPerson;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

/** DECIDE: the reviewer's decision, with its rationale. */
export class DecideData {
  @IsIn(ACCOUNTABILITY_DECISIONS)
  decision: AccountabilityDecision;

  @IsString()
  @IsNotBlank({ message: 'rationale is required' })
  @MaxLength(8000)
  rationale: string;
}

/** Payload class per event type. */
export const accountabilityReviewEvents = {
  ASSIGN_REVIEWER: AssignReviewerData,
  DECIDE: DecideData,
};
