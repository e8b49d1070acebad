import type { Actor } from '@app/engine/actor';
import type { Organisation, Person, Unit, WorkingGroupDefinition } from './organisation';
import { loadOrganisationFile, parseOrganisation } from './organisation-file';
import { type Group, isWorkingGroup, type Role } from './roles';

/** Who is responsible in a waiting state: a role, a group, or a person (the engine's `ResponsibleParty`). */
export type Responsible = { role: string } | { group: string } | { person: string };

/** Why the next level is who it is. */
export type EscalationLevel = 'unitHead' | 'supervisingDeputy' | 'chief' | 'groupLeader';

/** The next level to tell when a deadline is missed. */
export interface EscalationTarget {
  person: Person;
  level: EscalationLevel;
}

/**
 * The organisation directory: units, groups and people from the validated
 * organisation file, with the look-ups the engine and the HTTP edge need.
 * A plain class (usable without Nest); `AuthModule` provides one instance.
 */
export class DirectoryService {
  private org!: Organisation;
  private peopleById = new Map<string, Person>();
  private peopleByUsername = new Map<string, Person>();
  private unitsById = new Map<string, Unit>();

  constructor(organisation: Organisation) {
    this.replace(organisation);
  }

  /** Loads and validates a file; throws `OrganisationFileError` listing every mistake. */
  static fromFile(file: string): DirectoryService {
    return new DirectoryService(loadOrganisationFile(file));
  }

  /** Parses and validates YAML text (tests, tools). */
  static fromYaml(text: string, source?: string): DirectoryService {
    return new DirectoryService(parseOrganisation(text, source));
  }

  /**
   * Swaps in a new organisation (e.g. after the file was edited and validated
   * again). Tokens of people no longer in it stop working at their next request.
   */
  replace(organisation: Organisation): void {
    this.org = organisation;
    this.peopleById = new Map(organisation.people.map((p) => [p.id, p]));
    this.peopleByUsername = new Map(organisation.people.map((p) => [p.username.toLowerCase(), p]));
    this.unitsById = new Map(organisation.units.map((u) => [u.id, u]));
  }

  get organisation(): Organisation {
    return this.org;
  }

  /** True for the demo organisation (`demo: true`), refused in production. */
  get isDemo(): boolean {
    return this.org.demo;
  }

  people(): readonly Person[] {
    return this.org.people;
  }

  units(): readonly Unit[] {
    return this.org.units;
  }

  byId(id: string): Person | undefined {
    return this.peopleById.get(id);
  }

  /** Case-insensitive; surrounding spaces ignored. */
  byUsername(username: string): Person | undefined {
    return this.peopleByUsername.get(username.trim().toLowerCase());
  }

  unitById(id: string): Unit | undefined {
    return this.unitsById.get(id);
  }

  peopleWithRole(role: Role | string): Person[] {
    return this.org.people.filter((p) => p.roles.includes(role as Role));
  }

  /**
   * Members of a group. For `leadership`: the leader, the deputy leaders and the
   * members of its block. For a working group: the people who list it in `groups`
   * (its leader is not counted unless they list it too).
   */
  membersOfGroup(group: Group | string): Person[] {
    if (group === 'leadership') {
      const { leader, deputies, members } = this.org.leadership;
      return [leader, ...deputies, ...members].map((id) => this.peopleById.get(id)).filter((p) => p !== undefined);
    }
    return this.org.people.filter((p) => p.groups.includes(group as Group));
  }

  /** The working group's definition (name, leader, staffing units). */
  workingGroup(group: string): WorkingGroupDefinition | undefined {
    return isWorkingGroup(group) ? this.org.workingGroups[group] : undefined;
  }

  /** The groups a person belongs to: declared ones, plus `leadership` when the leadership block names them. */
  groupsOf(person: Person | string): Group[] {
    const p = this.resolve(person);
    if (!p) return [];
    const groups = new Set<Group>(p.groups);
    const { leader, deputies, members } = this.org.leadership;
    if (p.id === leader || deputies.includes(p.id) || members.includes(p.id)) groups.add('leadership');
    return [...groups];
  }

  unitOf(person: Person | string): Unit | undefined {
    const p = this.resolve(person);
    return p?.unit === undefined ? undefined : this.unitsById.get(p.unit);
  }

  headOf(unit: Unit | string): Person | undefined {
    const u = typeof unit === 'string' ? this.unitsById.get(unit) : unit;
    return u?.head === undefined ? undefined : this.peopleById.get(u.head);
  }

  /** The leader of a working group, or the chief for `leadership`. */
  leaderOf(group: Group | string): Person | undefined {
    if (group === 'leadership') return this.peopleById.get(this.org.leadership.leader);
    const wg = this.workingGroup(group);
    return wg ? this.peopleById.get(wg.leader) : undefined;
  }

  /** The bureau chief (主要领导). */
  chief(): Person {
    return this.peopleById.get(this.org.leadership.leader)!;
  }

  /**
   * The actor recorded in events for this person, as the directory says now
   * (id, name, roles, unit, groups at this moment).
   */
  toActor(person: Person | string): Actor {
    const p = this.resolve(person);
    if (!p) throw new Error(`unknown person "${String(person)}"`);
    return {
      id: p.id,
      name: p.name,
      roles: [...p.roles],
      ...(p.unit === undefined ? {} : { unit: p.unit }),
      groups: this.groupsOf(p),
      kind: 'user',
    };
  }

  /**
   * The next level when the responsible party missed a deadline (the plan's chain):
   * staff → their unit head → the unit's supervising deputy (or the chief) → the chief;
   * the office, the duty line and the working groups → the group's leader (the chief
   * in the demo); a deputy → the chief; the chief → nobody (undefined).
   *
   * `holderPersonId` is who held the case at that moment, when known: it refines a
   * role or group (a group's leader who holds it goes up from the leader's own
   * position) and is required for `{ person }` (the engine's person path is resolved
   * by then, so pass the person id).
   */
  escalationTarget(responsible: Responsible, holderPersonId?: string): EscalationTarget | undefined {
    const holder = holderPersonId === undefined ? undefined : this.peopleById.get(holderPersonId);
    if ('person' in responsible) {
      const person = holder ?? this.peopleById.get(responsible.person);
      return person ? this.aboveMember(person) : undefined;
    }
    if ('group' in responsible) {
      const leader = this.leaderOf(responsible.group);
      if (!leader) return this.toChief();
      if (holder && holder.id === leader.id) return this.aboveMember(holder);
      return { person: leader, level: responsible.group === 'leadership' ? 'chief' : 'groupLeader' };
    }
    return this.aboveRole(responsible.role, holder);
  }

  private aboveRole(role: string, holder: Person | undefined): EscalationTarget | undefined {
    switch (role) {
      case 'chief':
        return undefined;
      case 'deputy':
        return this.toChief();
      case 'office':
      case 'dutyOfficer':
        return this.toGroupLeader('coordination', holder);
      case 'inspector':
        return this.toGroupLeader('prevention', holder);
      default:
        // unitHead, staff, retiree, ...: the holder's own position decides.
        return holder ? this.aboveMember(holder) : this.toChief();
    }
  }

  private toGroupLeader(group: string, holder: Person | undefined): EscalationTarget | undefined {
    const leader = this.leaderOf(group);
    if (!leader) return this.toChief();
    if (holder && holder.id === leader.id) return this.aboveMember(holder);
    return { person: leader, level: 'groupLeader' };
  }

  /** One level above a person, by their position in the organisation. */
  private aboveMember(person: Person): EscalationTarget | undefined {
    if (person.roles.includes('chief')) return undefined;
    if (person.roles.includes('deputy')) return this.toChief();
    const unit = this.unitOf(person);
    if (unit && unit.head !== undefined && unit.head !== person.id) {
      const head = this.peopleById.get(unit.head);
      if (head) return { person: head, level: 'unitHead' };
    }
    if (unit?.supervisingDeputy !== undefined) {
      const deputy = this.peopleById.get(unit.supervisingDeputy);
      if (deputy && deputy.id !== person.id) return { person: deputy, level: 'supervisingDeputy' };
    }
    return this.toChief();
  }

  private toChief(): EscalationTarget {
    return { person: this.chief(), level: 'chief' };
  }

  private resolve(person: Person | string): Person | undefined {
    return typeof person === 'string' ? this.peopleById.get(person) : person;
  }
}
