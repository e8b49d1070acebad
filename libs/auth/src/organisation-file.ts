import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, parseDocument } from 'yaml';
import type { LeadershipGroup, Organisation, Person, Unit, WorkingGroupDefinition } from './organisation';
import { describePasswordHashProblem } from './password-hash';
import {
  ACTIVE_DUTY_ROLES,
  GROUPS,
  type Group,
  isGroup,
  isRole,
  isWorkingGroup,
  ROLES,
  ROLES_REQUIRING_UNIT,
  type Role,
  SECTORS,
  type Sector,
  UNIT_KINDS,
  type UnitKind,
  WORKING_GROUPS,
  type WorkingGroup,
} from './roles';

type Path = (string | number)[];

/** One mistake in the organisation file, with where it is. */
export interface OrganisationProblem {
  /** Path to the field, e.g. `['people', 3, 'unit']`. */
  path: Path;
  /** `people[3].unit`. */
  field: string;
  /** 1-based line in the file (0 when the file has no position for it). */
  line: number;
  message: string;
}

/**
 * The organisation file is invalid. The message lists every problem, one a line,
 * as `<file>:<line>: <field>: <what is wrong>`, so start-up fails with all of them at once.
 */
export class OrganisationFileError extends Error {
  readonly code = 'AUTH.ORGANISATION_INVALID';

  constructor(
    readonly source: string,
    readonly problems: OrganisationProblem[],
  ) {
    super(
      `organisation file ${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${source}:${p.line}: ${p.field || '(file)'}: ${p.message}`).join('\n'),
    );
    this.name = 'OrganisationFileError';
  }
}

/** Reads and validates an organisation file; throws `OrganisationFileError` naming every mistake. */
export function loadOrganisationFile(file: string): Organisation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OrganisationFileError(file, [
      { path: [], field: '', line: 0, message: `cannot read the file: ${(err as Error).message}` },
    ]);
  }
  return parseOrganisation(text, file);
}

/** Parses and validates the YAML text of an organisation file. */
export function parseOrganisation(text: string, source = 'organisation.yaml'): Organisation {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0) {
    throw new OrganisationFileError(
      source,
      syntax.map((e) => ({
        path: [],
        field: '',
        line: lineCounter.linePos(e.pos[0]).line,
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const validator = new Validator(doc.contents as Node | null, lineCounter);
  const organisation = validator.validate(doc.toJS());
  if (validator.problems.length > 0 || !organisation) {
    throw new OrganisationFileError(
      source,
      [...validator.problems].sort((a, b) => a.line - b.line),
    );
  }
  return organisation;
}

/** Ids are recorded in events and used in URLs: no `:` (so never `system:`), no spaces. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{1,31}$/;

const TOP_KEYS = ['demo', 'name', 'units', 'leadership', 'workingGroups', 'people'];
const UNIT_KEYS = ['id', 'name', 'kind', 'head', 'supervisingDeputy', 'sector'];
const LEADERSHIP_KEYS = ['name', 'leader', 'deputies', 'members'];
const WORKING_GROUP_KEYS = ['name', 'leader', 'staffedBy'];
const PERSON_KEYS = ['id', 'username', 'name', 'unit', 'roles', 'groups', 'retired', 'passwordHash'];

type Raw = Record<string, unknown>;

class Validator {
  readonly problems: OrganisationProblem[] = [];
  /** People whose `roles` had a mistake: checks that depend on their roles are skipped. */
  private readonly rolesUnreadable = new Set<string>();

  constructor(
    private readonly root: Node | null,
    private readonly lines: LineCounter,
  ) {}

  validate(raw: unknown): Organisation | undefined {
    const top = this.map([], raw, TOP_KEYS);
    if (!top) return undefined;

    const demo = top.demo === undefined ? false : this.bool(['demo'], top.demo);
    const name = this.str(['name'], top.name);
    const units = this.units(top.units);
    const people = this.people(top.people);
    const leadership = this.leadership(top.leadership);
    const workingGroups = this.workingGroups(top.workingGroups);

    const unitById = new Map(units.map(({ unit }) => [unit.id, unit]));
    const personById = new Map(people.map(({ person }) => [person.id, person]));
    const refs = new References(this, unitById, personById);

    this.crossCheckUnits(units, refs);
    if (leadership) this.crossCheckLeadership(leadership, refs);
    for (const [id, group] of Object.entries(workingGroups)) {
      if (group) this.crossCheckWorkingGroup(id as WorkingGroup, group, refs, unitById);
    }
    this.crossCheckPeople(people, unitById, leadership?.value, workingGroups);

    if (this.problems.length > 0 || !leadership || name === undefined) return undefined;
    return {
      demo: demo ?? false,
      name,
      units: units.map((u) => u.unit),
      leadership: leadership.value,
      workingGroups: workingGroups as Record<WorkingGroup, WorkingGroupDefinition>,
      people: people.map((p) => p.person),
    };
  }

  // ---- sections -----------------------------------------------------------

  private units(raw: unknown): { unit: Unit; index: number }[] {
    const list = this.list(['units'], raw, { nonEmpty: true });
    const out: { unit: Unit; index: number }[] = [];
    const seen = new Map<string, number>();
    list?.forEach((item, index) => {
      const path = ['units', index];
      const u = this.map(path, item, UNIT_KEYS);
      if (!u) return;
      const id = this.id([...path, 'id'], u.id);
      const name = this.str([...path, 'name'], u.name);
      const kind = this.oneOf<UnitKind>([...path, 'kind'], u.kind, UNIT_KINDS);
      const head = u.head === undefined ? undefined : this.id([...path, 'head'], u.head);
      const supervisingDeputy =
        u.supervisingDeputy === undefined ? undefined : this.id([...path, 'supervisingDeputy'], u.supervisingDeputy);
      let sector: Sector | undefined;
      if (kind === 'enterprise') {
        sector = this.oneOf<Sector>(
          [...path, 'sector'],
          u.sector,
          SECTORS,
          'an enterprise (直管企业) needs its sector',
        );
      } else if (u.sector !== undefined) {
        this.report([...path, 'sector'], 'only enterprises (kind: enterprise) have a sector');
      }
      if (kind && kind !== 'enterprise' && u.head === undefined) {
        this.report(
          path,
          `missing field "head": ${kind === 'office' ? 'an office (科室)' : 'a subordinate unit (二级单位)'} needs its head (负责人)`,
        );
      }
      if (id !== undefined) {
        const first = seen.get(id);
        if (first !== undefined) {
          this.report(
            [...path, 'id'],
            `duplicate unit id "${id}" (first used on line ${this.lineOf(['units', first, 'id'])})`,
          );
          return;
        }
        seen.set(id, index);
      }
      // Keep a unit whose other fields are wrong (already reported), so references to it do not cascade.
      if (id === undefined) return;
      out.push({ unit: { id, name: name ?? '', kind: kind ?? 'office', head, supervisingDeputy, sector }, index });
    });
    return out;
  }

  private people(raw: unknown): { person: Person; index: number }[] {
    const list = this.list(['people'], raw, { nonEmpty: true });
    const out: { person: Person; index: number }[] = [];
    const seenIds = new Map<string, number>();
    const seenUsernames = new Map<string, number>();
    list?.forEach((item, index) => {
      const path = ['people', index];
      const p = this.map(path, item, PERSON_KEYS);
      if (!p) return;
      const id = this.id([...path, 'id'], p.id);
      const username = this.username([...path, 'username'], p.username);
      const name = this.str([...path, 'name'], p.name);
      const unit = p.unit === undefined ? undefined : this.id([...path, 'unit'], p.unit);
      const roles = this.enumList<Role>([...path, 'roles'], p.roles, ROLES, 'role', isRole, { nonEmpty: true });
      const groups =
        p.groups === undefined
          ? { values: [], ok: true }
          : this.enumList<Group>([...path, 'groups'], p.groups, GROUPS, 'group', isGroup);
      const retired = p.retired === undefined ? false : this.bool([...path, 'retired'], p.retired);
      const passwordHash = this.str([...path, 'passwordHash'], p.passwordHash);
      if (passwordHash !== undefined) {
        const problem = describePasswordHashProblem(passwordHash);
        if (problem) this.report([...path, 'passwordHash'], problem);
      }
      let duplicate = false;
      if (id !== undefined) {
        const first = seenIds.get(id);
        if (first !== undefined) {
          this.report(
            [...path, 'id'],
            `duplicate person id "${id}" (first used on line ${this.lineOf(['people', first, 'id'])})`,
          );
          duplicate = true;
        } else seenIds.set(id, index);
      }
      if (username !== undefined) {
        const first = seenUsernames.get(username);
        if (first !== undefined) {
          this.report(
            [...path, 'username'],
            `duplicate username "${username}" (first used on line ${this.lineOf(['people', first, 'username'])})`,
          );
          duplicate = true;
        } else seenUsernames.set(username, index);
      }
      // Keep a person whose other fields are wrong (already reported), so references to them do not cascade;
      // role-based checks skip people whose roles could not all be read.
      if (duplicate || id === undefined) return;
      if (!roles?.ok) this.rolesUnreadable.add(id);
      out.push({
        person: {
          id,
          username: username ?? '',
          name: name ?? '',
          unit,
          roles: roles?.values ?? [],
          groups: groups?.values ?? [],
          retired: retired ?? false,
          passwordHash: passwordHash ?? '',
        },
        index,
      });
    });
    return out;
  }

  private leadership(raw: unknown): { value: LeadershipGroup } | undefined {
    const path = ['leadership'];
    const l = this.map(path, raw, LEADERSHIP_KEYS);
    if (!l) return undefined;
    const name = this.str([...path, 'name'], l.name);
    const leader = this.id([...path, 'leader'], l.leader);
    const deputies = l.deputies === undefined ? [] : this.idList([...path, 'deputies'], l.deputies);
    const members = l.members === undefined ? [] : this.idList([...path, 'members'], l.members);
    if (name === undefined || leader === undefined || !deputies || !members) return undefined;
    return { value: { name, leader, deputies, members } };
  }

  private workingGroups(raw: unknown): Partial<Record<WorkingGroup, WorkingGroupDefinition>> {
    const out: Partial<Record<WorkingGroup, WorkingGroupDefinition>> = {};
    const m = this.map(['workingGroups'], raw, WORKING_GROUPS as readonly string[], 'working group');
    if (!m) return out;
    for (const id of WORKING_GROUPS) {
      const path = ['workingGroups', id];
      if (m[id] === undefined) {
        this.report(
          ['workingGroups'],
          `missing working group "${id}" (the plan has four: ${WORKING_GROUPS.join(', ')})`,
        );
        continue;
      }
      const g = this.map(path, m[id], WORKING_GROUP_KEYS);
      if (!g) continue;
      const name = this.str([...path, 'name'], g.name);
      const leader = this.id([...path, 'leader'], g.leader);
      let staffedBy: string[] | undefined;
      if (g.staffedBy === undefined || (Array.isArray(g.staffedBy) && g.staffedBy.length === 0)) {
        this.report(
          g.staffedBy === undefined ? path : [...path, 'staffedBy'],
          `working group "${id}" has no staffing office: "staffedBy" must list the offices/units that staff it`,
        );
      } else {
        staffedBy = this.idList([...path, 'staffedBy'], g.staffedBy);
      }
      if (name !== undefined && leader !== undefined && staffedBy) out[id] = { id, name, leader, staffedBy };
    }
    return out;
  }

  // ---- cross references -----------------------------------------------------

  private crossCheckUnits(units: { unit: Unit; index: number }[], refs: References): void {
    for (const { unit, index } of units) {
      const path = ['units', index];
      if (unit.head !== undefined) {
        const head = refs.person([...path, 'head'], unit.head);
        if (head) {
          if (head.unit !== unit.id) {
            this.report(
              [...path, 'head'],
              `head "${head.id}" belongs to unit "${head.unit ?? '(none)'}", not "${unit.id}"`,
            );
          }
          if (!head.roles.includes('unitHead') && !this.rolesUnreadable.has(head.id)) {
            this.report([...path, 'head'], `head "${head.id}" must hold the role unitHead`);
          }
          if (head.retired) this.report([...path, 'head'], `head "${head.id}" is retired`);
        }
      }
      if (unit.supervisingDeputy !== undefined) {
        const deputy = refs.person([...path, 'supervisingDeputy'], unit.supervisingDeputy);
        if (deputy && !deputy.roles.includes('deputy') && !this.rolesUnreadable.has(deputy.id)) {
          this.report([...path, 'supervisingDeputy'], `"${deputy.id}" must hold the role deputy`);
        }
      }
    }
  }

  private crossCheckLeadership({ value }: { value: LeadershipGroup }, refs: References): void {
    const seen = new Map<string, string>();
    const check = (path: Path, personId: string, position: string) => {
      const person = refs.person(path, personId);
      if (person?.retired) this.report(path, `"${personId}" is retired and cannot be in the leadership group`);
      const earlier = seen.get(personId);
      if (earlier) this.report(path, `"${personId}" is already in the leadership group as ${earlier}`);
      else seen.set(personId, position);
      return person;
    };
    const leader = check(['leadership', 'leader'], value.leader, 'leader');
    if (leader && !leader.roles.includes('chief') && !this.rolesUnreadable.has(leader.id)) {
      this.report(
        ['leadership', 'leader'],
        `the leader (组长) must be the bureau chief: "${leader.id}" must hold the role chief`,
      );
    }
    value.deputies.forEach((id, i) => {
      check(['leadership', 'deputies', i], id, 'deputy leader');
    });
    value.members.forEach((id, i) => {
      check(['leadership', 'members', i], id, 'member');
    });
  }

  private crossCheckWorkingGroup(
    id: WorkingGroup,
    group: WorkingGroupDefinition,
    refs: References,
    unitById: Map<string, Unit>,
  ): void {
    const path = ['workingGroups', id];
    const leader = refs.person([...path, 'leader'], group.leader);
    if (leader?.retired) this.report([...path, 'leader'], `leader "${leader.id}" is retired`);
    const seen = new Set<string>();
    group.staffedBy.forEach((unitId, i) => {
      const unitPath = [...path, 'staffedBy', i];
      if (seen.has(unitId)) this.report(unitPath, `unit "${unitId}" is listed twice`);
      seen.add(unitId);
      if (!unitById.has(unitId)) {
        refs.unit(unitPath, unitId);
      } else if (unitById.get(unitId)?.kind === 'enterprise') {
        this.report(
          unitPath,
          `"${unitId}" is an enterprise; working groups are staffed by the bureau's offices and units`,
        );
      }
    });
  }

  private crossCheckPeople(
    people: { person: Person; index: number }[],
    unitById: Map<string, Unit>,
    leadership: LeadershipGroup | undefined,
    workingGroups: Partial<Record<WorkingGroup, WorkingGroupDefinition>>,
  ): void {
    const inLeadership = new Set(leadership ? [leadership.leader, ...leadership.deputies, ...leadership.members] : []);
    const chiefs: number[] = [];
    for (const { person: p, index } of people) {
      const path = ['people', index];
      const unit = p.unit === undefined ? undefined : unitById.get(p.unit);
      if (p.unit !== undefined && !unit) this.report([...path, 'unit'], `unknown unit "${p.unit}"`);
      const needsUnit = p.roles.filter((r) => ROLES_REQUIRING_UNIT.includes(r));
      if (p.unit === undefined && needsUnit.length > 0) {
        this.report(path, `missing field "unit": the role ${needsUnit[0]} needs a unit`);
      }
      if (p.retired && !p.roles.includes('retiree') && !this.rolesUnreadable.has(p.id)) {
        this.report([...path, 'roles'], 'a retired person must hold the role retiree');
      }
      if (!p.retired && p.roles.includes('retiree')) {
        this.report([...path, 'retired'], 'a person with the role retiree must have "retired: true"');
      }
      if (p.retired) {
        const active = p.roles.filter((r) => ACTIVE_DUTY_ROLES.includes(r));
        if (active.length > 0)
          this.report([...path, 'roles'], `a retired person cannot hold the role ${active.join(', ')}`);
        if (p.groups.length > 0) this.report([...path, 'groups'], 'a retired person cannot be in a group');
      }
      if (p.roles.includes('auditor') && p.roles.length > 1) {
        this.report([...path, 'roles'], 'auditor is read-only and cannot be combined with other roles');
      }
      if (p.roles.includes('chief')) {
        chiefs.push(index);
        if (leadership && leadership.leader !== p.id) {
          this.report(
            [...path, 'roles'],
            `"${p.id}" holds the role chief but leadership.leader is "${leadership.leader}"`,
          );
        }
      }
      if (p.roles.includes('deputy') && leadership && !leadership.deputies.includes(p.id)) {
        this.report([...path, 'roles'], `"${p.id}" holds the role deputy but is not in leadership.deputies`);
      }
      if (p.roles.includes('unitHead') && unit && unit.head !== p.id) {
        this.report(
          [...path, 'roles'],
          `"${p.id}" holds the role unitHead but unit "${unit.id}" names "${unit.head ?? '(none)'}" as its head`,
        );
      }
      const coordination = workingGroups.coordination;
      if (p.roles.includes('office') && unit && coordination && !coordination.staffedBy.includes(unit.id)) {
        this.report(
          [...path, 'roles'],
          `the role office belongs to the bureau office, but unit "${unit.id}" does not staff the coordination group (staffedBy: ${coordination.staffedBy.join(', ')})`,
        );
      }
      p.groups.forEach((g, i) => {
        if (g === 'leadership') {
          if (!inLeadership.has(p.id)) {
            this.report(
              [...path, 'groups', i],
              `"${p.id}" lists the leadership group but is not its leader, a deputy or a member`,
            );
          }
          return;
        }
        const wg = isWorkingGroup(g) ? workingGroups[g] : undefined;
        if (wg && unit && !wg.staffedBy.includes(unit.id)) {
          this.report(
            [...path, 'groups', i],
            `group ${g} (${wg.name}) is staffed by ${wg.staffedBy.join(', ')}; unit "${unit.id}" is not one of them`,
          );
        }
        if (wg && !unit) this.report([...path, 'groups', i], `a member of group ${g} needs a unit that staffs it`);
      });
    }
    if (chiefs.length === 0 && people.length > 0 && this.rolesUnreadable.size === 0) {
      this.report(['people'], 'nobody holds the role chief (the bureau chief, 主要领导)');
    }
    for (const index of chiefs.slice(1)) {
      this.report(['people', index, 'roles'], 'only one person may hold the role chief');
    }
  }

  // ---- scalar helpers -------------------------------------------------------

  report(path: Path, message: string): void {
    this.problems.push({ path, field: fieldName(path), line: this.lineOf(path), message });
  }

  private map(path: Path, raw: unknown, allowed: readonly string[], what = 'field'): Raw | undefined {
    if (raw === undefined || raw === null) {
      this.reportMissing(path);
      return undefined;
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      this.report(path, 'must be a mapping (key: value)');
      return undefined;
    }
    const m = raw as Raw;
    for (const key of Object.keys(m)) {
      if (!allowed.includes(key))
        this.report([...path, key], `unknown ${what} "${key}" (expected one of: ${allowed.join(', ')})`);
    }
    return m;
  }

  private list(path: Path, raw: unknown, { nonEmpty = false } = {}): unknown[] | undefined {
    if (raw === undefined || raw === null) {
      this.reportMissing(path);
      return undefined;
    }
    if (!Array.isArray(raw)) {
      this.report(path, 'must be a list');
      return undefined;
    }
    if (nonEmpty && raw.length === 0) this.report(path, 'must not be empty');
    return raw;
  }

  private str(path: Path, raw: unknown): string | undefined {
    if (raw === undefined || raw === null) {
      this.reportMissing(path);
      return undefined;
    }
    if (typeof raw !== 'string' || raw.trim() === '') {
      this.report(path, 'must be a non-empty string');
      return undefined;
    }
    return raw.trim();
  }

  private id(path: Path, raw: unknown): string | undefined {
    const value = typeof raw === 'number' ? String(raw) : this.str(path, raw);
    if (value === undefined) return undefined;
    if (!ID_PATTERN.test(value)) {
      this.report(path, `"${value}" is not a valid id (letters, digits, "-", "_", "."; no spaces or ":")`);
      return undefined;
    }
    return value;
  }

  private username(path: Path, raw: unknown): string | undefined {
    const value = this.str(path, raw);
    if (value === undefined) return undefined;
    if (!USERNAME_PATTERN.test(value)) {
      this.report(path, `"${value}" is not a valid username (2-32 lower-case letters, digits, "-", "_", ".")`);
      return undefined;
    }
    return value;
  }

  private bool(path: Path, raw: unknown): boolean | undefined {
    if (typeof raw !== 'boolean') {
      this.report(path, 'must be true or false');
      return undefined;
    }
    return raw;
  }

  private oneOf<T extends string>(path: Path, raw: unknown, allowed: readonly T[], missing?: string): T | undefined {
    if (raw === undefined || raw === null) {
      if (missing) this.report(path.slice(0, -1), `missing field "${path[path.length - 1]}": ${missing}`);
      else this.reportMissing(path);
      return undefined;
    }
    if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) {
      this.report(path, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw)})`);
      return undefined;
    }
    return raw as T;
  }

  private idList(path: Path, raw: unknown): string[] | undefined {
    const list = this.list(path, raw);
    if (!list) return undefined;
    const out: string[] = [];
    let ok = true;
    list.forEach((item, i) => {
      const id = this.id([...path, i], item);
      if (id === undefined) ok = false;
      else out.push(id);
    });
    return ok ? out : undefined;
  }

  /** The valid entries of a list of names, and whether all of them were valid. */
  private enumList<T extends string>(
    path: Path,
    raw: unknown,
    allowed: readonly T[],
    what: string,
    is: (v: unknown) => v is T,
    { nonEmpty = false } = {},
  ): { values: T[]; ok: boolean } | undefined {
    const list = this.list(path, raw, { nonEmpty });
    if (!list) return undefined;
    const values: T[] = [];
    let ok = !(nonEmpty && list.length === 0);
    list.forEach((item, i) => {
      if (!is(item)) {
        this.report([...path, i], `unknown ${what} ${JSON.stringify(item)} (${what}s are: ${allowed.join(', ')})`);
        ok = false;
      } else if (values.includes(item)) {
        this.report([...path, i], `${what} "${item}" is listed twice`);
      } else {
        values.push(item);
      }
    });
    return { values, ok };
  }

  private reportMissing(path: Path): void {
    if (path.length === 0) {
      this.report(path, 'the file is empty; expected a mapping with units, leadership, workingGroups and people');
      return;
    }
    const parentPath = path.slice(0, -1);
    const node = this.nodeAt(path);
    // `head:` with nothing after it exists but is empty; an absent key is reported at its parent.
    this.report(node ? path : parentPath, `missing field "${fieldName(path.slice(-1))}"`);
  }

  /** The YAML node at a path, or (for a key with an empty value) the key itself. */
  private nodeAt(path: Path): Node | undefined {
    return this.locate(path)?.node;
  }

  private locate(path: Path): { node: Node; key?: Node } | undefined {
    let node: Node | null | undefined = this.root;
    let key: Node | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const items: Pair[] = node.items;
        const pair = items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return undefined;
        key = pair.key as Node;
        node = (pair.value as Node | null) ?? key;
      } else if (isSeq(node) && typeof segment === 'number') {
        key = undefined;
        node = node.items[segment] as Node | undefined;
      } else {
        return undefined;
      }
    }
    return node ? { node, key } : undefined;
  }

  /**
   * Line of the nearest node along the path that exists in the file. A mapping
   * key's own line is used (for a block value it is the line that names the field).
   */
  lineOf(path: Path): number {
    for (let depth = path.length; depth >= 0; depth--) {
      const found = this.locate(path.slice(0, depth));
      const range = found?.key?.range ?? found?.node.range;
      if (range) return this.lines.linePos(range[0]).line;
    }
    return 1;
  }
}

/** Resolves references to units and people, reporting unknown ids. */
class References {
  constructor(
    private readonly v: Validator,
    private readonly units: Map<string, Unit>,
    private readonly people: Map<string, Person>,
  ) {}

  person(path: Path, id: string): Person | undefined {
    const p = this.people.get(id);
    if (!p) this.v.report(path, `unknown person "${id}"`);
    return p;
  }

  unit(path: Path, id: string): Unit | undefined {
    const u = this.units.get(id);
    if (!u) this.v.report(path, `unknown unit "${id}"`);
    return u;
  }
}

function fieldName(path: Path): string {
  return path.reduce<string>(
    (acc, segment) => (typeof segment === 'number' ? `${acc}[${segment}]` : acc ? `${acc}.${segment}` : segment),
    '',
  );
}
