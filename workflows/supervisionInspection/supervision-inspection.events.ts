import { IsIsoInstant, IsNotBlank } from '@app/engine';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
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
import { PersonData } from '../shared/payload-parts';

/** Kinds of inspected unit: 科室, 所属二级单位, 直管企业. */
export const TARGET_KINDS = ['office', 'subordinate', 'enterprise'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Sectors (the prevention group's focus, plus the bureau's own offices). */
export const INSPECTION_SECTORS = [
  'hazardousChemicals',
  'nonCoalMine',
  'metallurgy',
  'industryTrade',
  'office',
] as const;
export type InspectionSector = (typeof INSPECTION_SECTORS)[number];

/** The checklist follows the plan's measures, in the plan's words. */
export const CHECKLIST_LABELS = {
  codeScanAndTemperature: '扫码测温',
  masks: '佩戴口罩',
  distancing: '保持距离',
  servingChopsticks: '公筷公勺',
  officeCleaning: '办公场所清洁通风消毒',
  vehicleCleaning: '公务车辆清洁消毒',
  protectiveSupplies: '防护物资储备',
  movementRegister: '人员流动登记造册',
  staffGuidance: '干部职工言论引导',
} as const;
export type ChecklistItem = keyof typeof CHECKLIST_LABELS;
export const CHECKLIST_ITEMS = Object.keys(CHECKLIST_LABELS) as ChecklistItem[];
/** A problem is about a checklist item, or `other` (a hidden danger outside the list, 隐患). */
export const PROBLEM_ITEMS = [...CHECKLIST_ITEMS, 'other'] as const;
export type ProblemItem = ChecklistItem | 'other';

/** A person of the organisation directory. */
export class InspectionPerson extends PersonData {}

/** The inspected office, subordinate unit or enterprise (the organisation file's unit). */
export class InspectionTarget {
  @IsString()
  @IsNotBlank()
  @MaxLength(100)
  unitId: string;

  @IsString()
  @IsNotBlank()
  @MaxLength(200)
  name: string;

  @IsIn(TARGET_KINDS)
  kind: TargetKind;
}

/** Start input of a supervision inspection (督导检查). */
export class InspectionPlan {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => InspectionTarget)
  target: InspectionTarget;

  @IsIn(INSPECTION_SECTORS)
  sector: InspectionSector;

  /** When the inspection is to start: the planned state's deadline. */
  @IsIsoInstant()
  plannedDate: string;

  /** The first is the lead inspector (检查组组长), who holds the case while inspectors owe work. */
  @IsArray()
  @ArrayMinSize(1, { message: 'inspectors must name at least one inspector' })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => InspectionPerson)
  inspectors: InspectionPerson[];

  /** Head of the inspected unit (负责人): owes the rectification unless the findings name someone else. */
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => InspectionPerson)
  unitHead: InspectionPerson;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;
}

/** START: the inspectors begin the inspection (the catalogue's `planned → inProgress`). */
export class StartData {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

/** One checklist line. */
export class ChecklistEntry {
  @IsIn(CHECKLIST_ITEMS)
  item: ChecklistItem;

  @IsBoolean()
  ok: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

/** One problem found. */
export class Problem {
  @IsIn(PROBLEM_ITEMS)
  item: ProblemItem;

  @IsString()
  @IsNotBlank()
  @MaxLength(4000)
  description: string;
}

function uniqueItems(entries: unknown): boolean {
  if (!Array.isArray(entries)) return true;
  const items = entries.map((entry) => (entry as { item?: unknown })?.item);
  return new Set(items).size === items.length;
}

/** `true` when findings order a rectification: a problem listed, or a checklist line not ok. */
export function findingsHaveProblems(data: Pick<RecordFindingsData, 'checklist' | 'problems'>): boolean {
  return data.problems.length > 0 || data.checklist.some((entry) => !entry.ok);
}

/**
 * RECORD_FINDINGS. Any problem (or a checklist line not ok) orders a
 * rectification, so it must come with its deadline; the person owing it is
 * `responsiblePerson`, or the unit head when the findings name nobody.
 * A checklist line not ok must be explained by a problem on that item.
 */
export class RecordFindingsData {
  @IsArray()
  @ArrayMinSize(1, { message: 'checklist must have at least one line' })
  @ArrayMaxSize(CHECKLIST_ITEMS.length)
  @ValidateNested({ each: true })
  @Type(() => ChecklistEntry)
  @ValidateBy({
    name: 'uniqueChecklistItems',
    validator: { validate: uniqueItems, defaultMessage: () => 'checklist must list each item once' },
  })
  checklist: ChecklistEntry[];

  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => Problem)
  @ValidateBy({
    name: 'problemsExplainChecklist',
    validator: {
      validate: (problems, args) => {
        const data = args?.object as RecordFindingsData;
        if (!Array.isArray(problems) || !Array.isArray(data.checklist)) return true;
        const explained = new Set(problems.map((problem) => (problem as Problem)?.item));
        return data.checklist.every((entry) => entry?.ok !== false || explained.has(entry.item));
      },
      defaultMessage: () => 'problems must describe every checklist item that is not ok',
    },
  })
  problems: Problem[];

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => InspectionPerson)
  responsiblePerson?: InspectionPerson;

  /** Required when there is a problem: the rectification deadline (整改期限). */
  @ValidateIf(
    (data: RecordFindingsData) =>
      data.rectificationDeadline !== undefined ||
      (Array.isArray(data.problems) && Array.isArray(data.checklist) && findingsHaveProblems(data)),
  )
  @IsDefined({ message: 'rectificationDeadline is required when problems were found' })
  @IsIsoInstant()
  rectificationDeadline?: string;
}

/** SUBMIT_RECTIFICATION: the unit reports the rectification done. */
export class SubmitRectificationData {
  @IsString()
  @IsNotBlank({ message: 'summary is required' })
  @MaxLength(8000)
  summary: string;

  /** Photos, documents, links (references, not files). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsNotBlank({ each: true })
  @MaxLength(1000, { each: true })
  evidence?: string[];
}

/** VERIFY: the inspectors' check of the rectification; a failure sets a new deadline. */
export class VerifyData {
  @IsBoolean()
  passed: boolean;

  @IsString()
  @MaxLength(4000)
  note: string;

  @ValidateIf((data: VerifyData) => data.passed === false || data.rectificationDeadline !== undefined)
  @IsDefined({ message: 'rectificationDeadline is required when the verification failed' })
  @IsIsoInstant()
  rectificationDeadline?: string;
}

/** The person referred, with their unit if known (else the inspected unit's). */
export class ReferredPerson extends InspectionPerson {
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(200)
  unit?: string;
}

/** REFER_FOR_ACCOUNTABILITY: inspectors refer a person for poor implementation (落实不力). */
export class ReferForAccountabilityData {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ReferredPerson)
  person: ReferredPerson;

  @IsString()
  @IsNotBlank({ message: 'reason is required' })
  @MaxLength(4000)
  reason: string;
}

/** Payload class per event type. */
export const supervisionInspectionEvents = {
  START: StartData,
  RECORD_FINDINGS: RecordFindingsData,
  SUBMIT_RECTIFICATION: SubmitRectificationData,
  VERIFY: VerifyData,
  REFER_FOR_ACCOUNTABILITY: ReferForAccountabilityData,
};
