/**
 * The role and group vocabulary of the organisation file, the tokens and the
 * workflow policies. Ids are English; the Chinese terms are what the plan
 * (and the console) call them.
 */

/**
 * Roles a person may hold (`people[].roles` in the organisation file).
 *
 * | id            | 中文               | what it means here                                              |
 * |---------------|--------------------|-----------------------------------------------------------------|
 * | `chief`       | 局长 / 主要领导     | the bureau chief; leads the leadership group; approves departures |
 * | `deputy`      | 副局长             | deputy chief; supervises units (分管), deputy leader of the group  |
 * | `office`      | 办公室             | bureau-office staff: files departures (报备), keeps the register   |
 * | `dutyOfficer` | 值班员             | staffs the 24 h duty line, triages duty-line reports              |
 * | `unitHead`    | 科室/二级单位/企业负责人 | head of an office, subordinate unit or supervised enterprise  |
 * | `inspector`   | 督导检查人员        | carries out supervision inspections                               |
 * | `staff`       | 干部职工           | cadres and staff                                                  |
 * | `retiree`     | 离退休人员         | retired staff: may log in and request leave                        |
 * | `auditor`     | 审计（只读）        | reads everything, changes nothing; holds no other role            |
 * | `admin`       | 系统管理员          | operators of the system (sees all cases for operations)           |
 */
export const ROLES = [
  'chief',
  'deputy',
  'office',
  'dutyOfficer',
  'unitHead',
  'inspector',
  'staff',
  'retiree',
  'auditor',
  'admin',
] as const;

export type Role = (typeof ROLES)[number];

/** Roles that are work in the bureau: a retired person holds none of them. */
export const ACTIVE_DUTY_ROLES: readonly Role[] = ['chief', 'deputy', 'office', 'dutyOfficer', 'unitHead', 'inspector'];

/** Roles whose holders must belong to a unit. */
export const ROLES_REQUIRING_UNIT: readonly Role[] = ['office', 'dutyOfficer', 'unitHead', 'inspector', 'staff'];

/**
 * Groups: the leadership group (疫情防控工作领导小组) and the four working groups (工作组).
 *
 * | id             | 中文       | staffed by (in the plan)                                         |
 * |----------------|------------|------------------------------------------------------------------|
 * | `leadership`   | 领导小组    | leader = the chief, deputy leaders, members (heads of units)      |
 * | `coordination` | 综合协调组  | 办公室                                                            |
 * | `prevention`   | 应对防控组  | 危险化学品安全监督管理室, 安全生产基础室, 执法局, 矿山救护队          |
 * | `publicity`    | 宣传动员组  | 政策法规宣传和规划科技室                                            |
 * | `logistics`    | 后勤保障组  | 综合减灾室                                                        |
 */
export const GROUPS = ['leadership', 'coordination', 'prevention', 'publicity', 'logistics'] as const;

export type Group = (typeof GROUPS)[number];

export const WORKING_GROUPS = ['coordination', 'prevention', 'publicity', 'logistics'] as const;

export type WorkingGroup = (typeof WORKING_GROUPS)[number];

/** Unit kinds: 科室 (an office of the bureau), 二级单位 (a subordinate unit), 直管企业 (a supervised enterprise). */
export const UNIT_KINDS = ['office', 'subordinate', 'enterprise'] as const;

export type UnitKind = (typeof UNIT_KINDS)[number];

/** Sectors of supervised enterprises the prevention group focuses on: 危险化学品, 非煤矿山, 冶金, 工贸. */
export const SECTORS = ['hazardousChemicals', 'nonCoalMine', 'metallurgy', 'industryTrade'] as const;

export type Sector = (typeof SECTORS)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isGroup(value: unknown): value is Group {
  return typeof value === 'string' && (GROUPS as readonly string[]).includes(value);
}

export function isWorkingGroup(value: unknown): value is WorkingGroup {
  return typeof value === 'string' && (WORKING_GROUPS as readonly string[]).includes(value);
}
