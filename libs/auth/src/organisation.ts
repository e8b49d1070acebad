import type { Group, Role, Sector, UnitKind, WorkingGroup } from './roles';

/** An office (科室), subordinate unit (二级单位) or supervised enterprise (直管企业). */
export interface Unit {
  id: string;
  /** Chinese name, e.g. 办公室, 矿山救护队. */
  name: string;
  kind: UnitKind;
  /** Person id of the unit's head (负责人); optional only for enterprises. */
  head?: string;
  /** Person id of the deputy chief who supervises the unit (分管领导); escalation goes there after the head. */
  supervisingDeputy?: string;
  /** Enterprises only. */
  sector?: Sector;
}

/** 疫情防控工作领导小组. */
export interface LeadershipGroup {
  name: string;
  /** The bureau chief (组长, 主要领导). */
  leader: string;
  /** 副组长. */
  deputies: string[];
  /** 成员. */
  members: string[];
}

/** One of the four working groups (工作组). */
export interface WorkingGroupDefinition {
  id: WorkingGroup;
  /** Chinese name, e.g. 综合协调组. */
  name: string;
  /** Person id of the group's leader; the demo names the chief. */
  leader: string;
  /** Unit ids of the offices and units that staff the group. */
  staffedBy: string[];
}

export interface Person {
  /** Stable id recorded in events; never starts with `system:`. */
  id: string;
  /** Login name, lower case. */
  username: string;
  /** Display name (Chinese). */
  name: string;
  unit?: string;
  roles: Role[];
  /** Groups as declared in the file (the leadership group's members are also derived from its block). */
  groups: Group[];
  retired: boolean;
  /** scrypt hash in PHC form, see `password-hash.ts`. */
  passwordHash: string;
}

/** A validated organisation file. */
export interface Organisation {
  /** `demo: true` marks the demo file, refused when NODE_ENV=production. */
  demo: boolean;
  name: string;
  units: Unit[];
  leadership: LeadershipGroup;
  workingGroups: Record<WorkingGroup, WorkingGroupDefinition>;
  people: Person[];
}
