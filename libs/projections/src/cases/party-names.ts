import type { DirectoryService } from '@app/auth';
import type { PartyRef } from './case-facts';

/** Chinese names of the roles (roles.ts), for reports and the console. */
export const ROLE_LABELS: Readonly<Record<string, string>> = {
  chief: '局长（主要领导）',
  deputy: '副局长',
  office: '办公室',
  dutyOfficer: '值班员',
  unitHead: '科室/单位负责人',
  inspector: '督导检查人员',
  staff: '干部职工',
  retiree: '离退休人员',
  auditor: '审计',
  admin: '系统管理员',
};

/** A responsible party with a display name. */
export interface NamedParty extends PartyRef {
  name: string;
}

/** The name of a group: the leadership group's or a working group's, as the organisation file says. */
export function groupName(directory: DirectoryService, group: string): string {
  if (group === 'leadership') return directory.organisation.leadership.name;
  return directory.workingGroup(group)?.name ?? group;
}

export function unitName(directory: DirectoryService, unit: string): string {
  return directory.unitById(unit)?.name ?? unit;
}

/** A party with its display name (a person the directory no longer knows keeps `fallbackName` or the id). */
export function nameParty(directory: DirectoryService, party: PartyRef, fallbackName?: string): NamedParty {
  if (party.kind === 'person') return { ...party, name: directory.byId(party.id)?.name ?? fallbackName ?? party.id };
  if (party.kind === 'group') return { ...party, name: groupName(directory, party.id) };
  return { ...party, name: ROLE_LABELS[party.id] ?? party.id };
}
