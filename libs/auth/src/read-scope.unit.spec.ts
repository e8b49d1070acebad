import { DirectoryService } from './directory.service';
import { type CaseSummary, canReadCase, isReadOnly, matchesReadScope, readScopeFilter } from './read-scope';

describe('read scope', () => {
  const directory = DirectoryService.fromFile('config/organisation.demo.yaml');
  const actor = (username: string) => directory.toActor(directory.byUsername(username)!);
  const can = (username: string, c: CaseSummary) => canReadCase(actor(username), directory, c);

  const staffLeave: CaseSummary = {
    process: 'leaveApproval',
    subjectId: 'p-staff',
    subjectUnit: 'hazchem',
    startedBy: 'p-staff',
    responsibleRoles: ['chief', 'office'],
  };
  const enterpriseInspection: CaseSummary = {
    process: 'supervisionInspection',
    subjectUnit: 'ent-chem',
    startedBy: 'p-prevention',
    responsibleGroups: ['prevention'],
    involvedPersonIds: ['p-prevention'],
  };
  const fever: CaseSummary = {
    process: 'feverEscalation',
    subjectId: 'p-staff2',
    responsibleGroups: ['prevention'],
  };

  it('staff see their own cases only', () => {
    expect(can('staff', staffLeave)).toBe(true);
    expect(can('staff2', staffLeave)).toBe(false);
    expect(can('staff2', fever)).toBe(true);
    expect(can('staff', fever)).toBe(false);
    expect(can('staff', { process: 'x', involvedPersonIds: ['p-staff'] })).toBe(true);
  });

  it('a retiree sees their own requests', () => {
    expect(can('retiree', { process: 'leaveApproval', subjectId: 'p-retiree', startedBy: 'p-retiree' })).toBe(true);
    expect(can('retiree', staffLeave)).toBe(false);
  });

  it("a unit head sees the unit's cases (unit taken from the subject when not given)", () => {
    expect(can('enterprise-head', enterpriseInspection)).toBe(true);
    expect(can('enterprise-head', staffLeave)).toBe(false);
    const inspection = { process: 'supervisionInspection', subjectUnit: 'ent-chem' };
    expect(can('enterprise-head', inspection)).toBe(true);
    expect(canReadCase(actor('enterprise-head'), directory, { process: 'x', subjectId: 'p-enterprise-head' })).toBe(
      true,
    );
  });

  it('does not take a unit-head role on trust: the directory must name them head', () => {
    const impostor = { ...actor('staff'), roles: ['staff', 'unitHead'] };
    expect(canReadCase(impostor, directory, { process: 'x', subjectId: 'p-prevention' })).toBe(false);
  });

  it('a working group sees the cases its group is responsible for', () => {
    expect(can('prevention', fever)).toBe(true);
    expect(can('logistics', fever)).toBe(false);
    expect(can('publicity', enterpriseInspection)).toBe(false);
  });

  it('a responsible duty role sees the case (the office files departures)', () => {
    expect(can('office', staffLeave)).toBe(true);
    expect(can('duty', staffLeave)).toBe(false);
    expect(can('duty', { process: 'dutyReport', responsibleRoles: ['dutyOfficer'] })).toBe(true);
    // `staff` is everyone: naming it responsible opens the case to nobody extra.
    expect(can('staff2', { process: 'x', responsibleRoles: ['staff'] })).toBe(false);
  });

  it('the leadership group, auditors and admins see all', () => {
    for (const u of ['chief', 'deputy', 'hazchem-head', 'enforcement-head', 'auditor', 'admin']) {
      expect(can(u, staffLeave)).toBe(true);
      expect(can(u, fever)).toBe(true);
    }
    expect(readScopeFilter(actor('auditor'))).toEqual({ all: true, reason: 'auditor' });
    expect(readScopeFilter(actor('deputy'))).toEqual({ all: true, reason: 'leadership' });
  });

  it('describes the same rule for list queries', () => {
    expect(readScopeFilter(actor('prevention'))).toEqual({
      all: false,
      personIds: ['p-prevention'],
      units: [],
      groups: ['prevention'],
      roles: ['inspector'],
    });
    expect(readScopeFilter(actor('enterprise-head'))).toMatchObject({ units: ['ent-chem'] });
    const all = [staffLeave, enterpriseInspection, fever];
    for (const u of ['staff', 'staff2', 'prevention', 'office', 'enterprise-head', 'logistics', 'chief']) {
      const filter = readScopeFilter(actor(u));
      expect(all.map((c) => matchesReadScope(filter, c, directory))).toEqual(all.map((c) => can(u, c)));
    }
  });

  it('auditors are read-only; nobody else is', () => {
    expect(isReadOnly(actor('auditor'))).toBe(true);
    for (const p of directory.people().filter((p) => p.username !== 'auditor')) {
      expect(isReadOnly(directory.toActor(p))).toBe(false);
    }
  });
});
