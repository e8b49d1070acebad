import { DirectoryService } from './directory.service';

const DEMO = 'config/organisation.demo.yaml';

describe('DirectoryService (demo organisation)', () => {
  const directory = DirectoryService.fromFile(DEMO);
  const id = (t: ReturnType<DirectoryService['escalationTarget']>) => t && { person: t.person.id, level: t.level };

  it('looks people up by id and by username (case-insensitive)', () => {
    expect(directory.byId('p-chief')?.username).toBe('chief');
    expect(directory.byUsername(' Chief ')?.id).toBe('p-chief');
    expect(directory.byUsername('nobody')).toBeUndefined();
  });

  it('answers role, group, unit, head and leader questions', () => {
    expect(directory.peopleWithRole('deputy').map((p) => p.id)).toEqual(['p-deputy', 'p-deputy2']);
    expect(directory.peopleWithRole('dutyOfficer').map((p) => p.id)).toEqual(['p-duty']);
    expect(directory.membersOfGroup('coordination').map((p) => p.id)).toEqual(['p-office-head', 'p-office', 'p-duty']);
    expect(directory.membersOfGroup('leadership').map((p) => p.id)).toContain('p-chief');
    expect(directory.membersOfGroup('leadership').map((p) => p.id)).toContain('p-enforcement-head');
    expect(directory.unitOf('p-prevention')?.name).toBe('危险化学品安全监督管理室');
    expect(directory.unitOf('p-chief')).toBeUndefined();
    expect(directory.headOf('enforcement')?.id).toBe('p-enforcement-head');
    expect(directory.headOf('ent-mine')).toBeUndefined();
    expect(directory.leaderOf('prevention')?.id).toBe('p-chief');
    expect(directory.leaderOf('leadership')?.id).toBe('p-chief');
    expect(directory.leaderOf('nonsense')).toBeUndefined();
  });

  it('builds the actor recorded in events, without secrets', () => {
    const actor = directory.toActor('p-office-head');
    expect(actor).toEqual({
      id: 'p-office-head',
      name: '办公室主任（演示）',
      roles: ['unitHead', 'office'],
      unit: 'office',
      groups: ['leadership', 'coordination'],
      kind: 'user',
    });
    expect(JSON.stringify(actor)).not.toContain('scrypt');
    expect(directory.toActor('p-chief')).not.toHaveProperty('unit');
    expect(() => directory.toActor('p-ghost')).toThrow(/unknown person/);
  });

  describe('escalation chain: staff → unit head → deputy → chief', () => {
    it('climbs from a staff member to the chief', () => {
      expect(id(directory.escalationTarget({ person: 'applicant.id' }, 'p-staff'))).toEqual({
        person: 'p-hazchem-head',
        level: 'unitHead',
      });
      expect(id(directory.escalationTarget({ person: 'x' }, 'p-hazchem-head'))).toEqual({
        person: 'p-deputy2',
        level: 'supervisingDeputy',
      });
      expect(id(directory.escalationTarget({ person: 'x' }, 'p-deputy2'))).toEqual({
        person: 'p-chief',
        level: 'chief',
      });
      expect(directory.escalationTarget({ person: 'x' }, 'p-chief')).toBeUndefined();
    });

    it('takes a person id directly when no holder is given', () => {
      expect(id(directory.escalationTarget({ person: 'p-staff2' }))).toEqual({
        person: 'p-disaster-head',
        level: 'unitHead',
      });
    });

    it('sends enterprise heads to their supervising deputy, and unit-less people to the chief', () => {
      expect(id(directory.escalationTarget({ role: 'unitHead' }, 'p-enterprise-head'))).toEqual({
        person: 'p-deputy2',
        level: 'supervisingDeputy',
      });
      expect(id(directory.escalationTarget({ person: 'x' }, 'p-admin'))).toEqual({ person: 'p-chief', level: 'chief' });
      expect(id(directory.escalationTarget({ role: 'staff' }, 'p-retiree'))).toEqual({
        person: 'p-office-head',
        level: 'unitHead',
      });
    });

    it('sends the office, the duty line and the working groups to their leader (the chief)', () => {
      expect(id(directory.escalationTarget({ role: 'office' }))).toEqual({ person: 'p-chief', level: 'groupLeader' });
      expect(id(directory.escalationTarget({ role: 'dutyOfficer' }, 'p-duty'))).toEqual({
        person: 'p-chief',
        level: 'groupLeader',
      });
      expect(id(directory.escalationTarget({ group: 'prevention' }))).toEqual({
        person: 'p-chief',
        level: 'groupLeader',
      });
      expect(id(directory.escalationTarget({ group: 'leadership' }))).toEqual({ person: 'p-chief', level: 'chief' });
      expect(directory.escalationTarget({ group: 'prevention' }, 'p-chief')).toBeUndefined();
    });

    it('sends a deputy to the chief, and the chief nowhere', () => {
      expect(id(directory.escalationTarget({ role: 'deputy' }))).toEqual({ person: 'p-chief', level: 'chief' });
      expect(directory.escalationTarget({ role: 'chief' })).toBeUndefined();
    });
  });

  it('reads YAML text too, and can swap the organisation', () => {
    const copy = new DirectoryService(directory.organisation);
    copy.replace({ ...directory.organisation, people: directory.people().filter((p) => p.id !== 'p-staff') });
    expect(copy.byId('p-staff')).toBeUndefined();
    expect(directory.byId('p-staff')).toBeDefined();
  });
});
