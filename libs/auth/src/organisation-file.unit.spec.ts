import { OrganisationFileError, parseOrganisation } from './organisation-file';

// Validation checks the hash's form, not the password: any well-formed hash will do here.
const H = `'$scrypt$ln=14,r=8,p=1$${Buffer.alloc(16, 1).toString('base64').replace(/=+$/, '')}$${Buffer.alloc(32, 2)
  .toString('base64')
  .replace(/=+$/, '')}'`;

const VALID = `name: 测试局
units:
  - id: office
    name: 办公室
    kind: office
    head: p-office-head
  - id: hazchem
    name: 危险化学品安全监督管理室
    kind: office
    head: p-hazchem-head
    supervisingDeputy: p-deputy
  - id: policy
    name: 政策法规宣传和规划科技室
    kind: office
    head: p-policy-head
  - id: ent
    name: 某化工企业
    kind: enterprise
    sector: hazardousChemicals
leadership:
  name: 疫情防控工作领导小组
  leader: p-chief
  deputies: [p-deputy]
  members: [p-office-head, p-hazchem-head, p-policy-head]
workingGroups:
  coordination:
    name: 综合协调组
    leader: p-chief
    staffedBy: [office]
  prevention:
    name: 应对防控组
    leader: p-chief
    staffedBy: [hazchem]
  publicity:
    name: 宣传动员组
    leader: p-chief
    staffedBy: [policy]
  logistics:
    name: 后勤保障组
    leader: p-chief
    staffedBy: [office]
people:
  - { id: p-chief, username: chief, name: 局长, roles: [chief], passwordHash: ${H} }
  - { id: p-deputy, username: deputy, name: 副局长, roles: [deputy], passwordHash: ${H} }
  - { id: p-office-head, username: office-head, name: 办公室主任, unit: office, roles: [unitHead, office], groups: [coordination], passwordHash: ${H} }
  - { id: p-hazchem-head, username: hazchem-head, name: 危化室主任, unit: hazchem, roles: [unitHead], passwordHash: ${H} }
  - { id: p-policy-head, username: policy-head, name: 宣传室主任, unit: policy, roles: [unitHead], passwordHash: ${H} }
  - { id: p-staff, username: staff, name: 职工, unit: hazchem, roles: [staff], groups: [prevention], passwordHash: ${H} }
  - { id: p-retiree, username: retiree, name: 退休人员, roles: [retiree], retired: true, passwordHash: ${H} }
`;

/** 1-based line of the first line containing `snippet`. */
function lineOf(text: string, snippet: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(snippet));
  if (index < 0) throw new Error(`snippet not in text: ${snippet}`);
  return index + 1;
}

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`not in text: ${from}`);
  return text.replace(from, to);
}

function problemsOf(text: string): OrganisationFileError {
  try {
    parseOrganisation(text, 'org.yaml');
  } catch (err) {
    if (err instanceof OrganisationFileError) return err;
    throw err;
  }
  throw new Error('expected the organisation to be refused');
}

describe('organisation file validation', () => {
  it('accepts a valid file', () => {
    const org = parseOrganisation(VALID, 'org.yaml');
    expect(org.people).toHaveLength(7);
    expect(org.workingGroups.prevention.staffedBy).toEqual(['hazchem']);
    expect(org.demo).toBe(false);
    expect(org.people.find((p) => p.id === 'p-retiree')?.retired).toBe(true);
  });

  it('names the line and field of an unknown unit', () => {
    const text = replaceOnce(
      VALID,
      'id: p-staff, username: staff, name: 职工, unit: hazchem',
      'id: p-staff, username: staff, name: 职工, unit: hazmat',
    );
    const err = problemsOf(text);
    expect(err.message).toContain(`org.yaml:${lineOf(text, 'unit: hazmat')}: people[5].unit: unknown unit "hazmat"`);
  });

  it('names an unknown person referenced as a unit head', () => {
    const text = replaceOnce(VALID, 'head: p-policy-head', 'head: p-nobody');
    const err = problemsOf(text);
    expect(err.message).toContain(
      `org.yaml:${lineOf(text, 'head: p-nobody')}: units[2].head: unknown person "p-nobody"`,
    );
  });

  it('reports a duplicate person id with both lines', () => {
    const text = replaceOnce(VALID, 'id: p-retiree, username: retiree', 'id: p-staff, username: retiree');
    const err = problemsOf(text);
    const first = lineOf(text, 'id: p-staff, username: staff');
    const second = lineOf(text, 'id: p-staff, username: retiree');
    expect(err.message).toContain(
      `org.yaml:${second}: people[6].id: duplicate person id "p-staff" (first used on line ${first})`,
    );
  });

  it('reports a duplicate username', () => {
    const text = replaceOnce(VALID, 'username: retiree', 'username: staff');
    const err = problemsOf(text);
    expect(err.problems).toContainEqual(
      expect.objectContaining({ field: 'people[6].username', line: lineOf(text, 'id: p-retiree') }),
    );
    expect(err.message).toMatch(/duplicate username "staff" \(first used on line \d+\)/);
  });

  it('reports a missing field on its parent, naming the field', () => {
    const text = replaceOnce(VALID, 'id: p-deputy, username: deputy, name: 副局长,', 'id: p-deputy, username: deputy,');
    const err = problemsOf(text);
    expect(err.message).toContain(`org.yaml:${lineOf(text, 'id: p-deputy')}: people[1]: missing field "name"`);
  });

  it('reports a field present but empty on its own line', () => {
    const text = replaceOnce(VALID, '    head: p-policy-head\n', '    head:\n');
    const err = problemsOf(text);
    const line = text.split('\n').indexOf('    head:') + 1;
    expect(err.message).toContain(`org.yaml:${line}: units[2].head: missing field "head"`);
  });

  it('refuses a bad role name, listing the valid ones', () => {
    const text = replaceOnce(VALID, 'roles: [chief]', 'roles: [cheif]');
    const err = problemsOf(text);
    expect(err.message).toContain(
      `org.yaml:${lineOf(text, '[cheif]')}: people[0].roles[0]: unknown role "cheif" (roles are: chief, deputy,`,
    );
  });

  it('refuses a bad group name', () => {
    const text = replaceOnce(VALID, 'groups: [prevention]', 'groups: [preventon]');
    expect(problemsOf(text).message).toContain('people[5].groups[0]: unknown group "preventon"');
  });

  it('refuses a working group without its staffing office', () => {
    const text = replaceOnce(VALID, 'staffedBy: [policy]', 'staffedBy: []');
    const err = problemsOf(text);
    expect(err.message).toContain(
      `org.yaml:${lineOf(text, 'staffedBy: []')}: workingGroups.publicity.staffedBy: working group "publicity" has no staffing office`,
    );
  });

  it('refuses a working group whose staffedBy is missing', () => {
    const text = replaceOnce(
      VALID,
      '    leader: p-chief\n    staffedBy: [office]\n  prevention:',
      '    leader: p-chief\n  prevention:',
    );
    expect(problemsOf(text).message).toContain(
      'workingGroups.coordination: working group "coordination" has no staffing office',
    );
  });

  it('refuses a missing working group', () => {
    const text = replaceOnce(
      VALID,
      '  logistics:\n    name: 后勤保障组\n    leader: p-chief\n    staffedBy: [office]\n',
      '',
    );
    const err = problemsOf(text);
    expect(err.message).toContain(
      `org.yaml:${lineOf(text, 'workingGroups:')}: workingGroups: missing working group "logistics"`,
    );
  });

  it('refuses a staffing unit that does not exist or is an enterprise', () => {
    const text = replaceOnce(VALID, 'staffedBy: [hazchem]', 'staffedBy: [hazchem, ent, mine-rescue]');
    const err = problemsOf(text);
    expect(err.message).toContain('workingGroups.prevention.staffedBy[1]: "ent" is an enterprise');
    expect(err.message).toContain('workingGroups.prevention.staffedBy[2]: unknown unit "mine-rescue"');
  });

  it('refuses a group member whose unit does not staff the group', () => {
    const text = replaceOnce(
      VALID,
      'unit: hazchem, roles: [staff], groups: [prevention]',
      'unit: hazchem, roles: [staff], groups: [publicity]',
    );
    expect(problemsOf(text).message).toContain(
      'people[5].groups[0]: group publicity (宣传动员组) is staffed by policy; unit "hazchem" is not one of them',
    );
  });

  it('refuses an enterprise without a sector, and a bad sector', () => {
    expect(problemsOf(replaceOnce(VALID, '    sector: hazardousChemicals\n', '')).message).toContain(
      'units[3]: missing field "sector": an enterprise (直管企业) needs its sector',
    );
    expect(problemsOf(replaceOnce(VALID, 'sector: hazardousChemicals', 'sector: chemicals')).message).toContain(
      'units[3].sector: must be one of hazardousChemicals, nonCoalMine, metallurgy, industryTrade (got "chemicals")',
    );
  });

  it('refuses a bad unit kind', () => {
    const text = replaceOnce(VALID, 'name: 办公室\n    kind: office', 'name: 办公室\n    kind: ofice');
    expect(problemsOf(text).message).toContain(
      `org.yaml:${lineOf(text, 'kind: ofice')}: units[0].kind: must be one of office, subordinate, enterprise`,
    );
  });

  it('refuses an unknown field (a typo) on its line', () => {
    const text = replaceOnce(VALID, 'head: p-office-head', 'hed: p-office-head');
    const err = problemsOf(text);
    expect(err.message).toContain(`org.yaml:${lineOf(text, 'hed: p-office-head')}: units[0].hed: unknown field "hed"`);
    expect(err.message).toContain('units[0]: missing field "head"');
  });

  it('refuses a leader who is not the chief', () => {
    const text = replaceOnce(VALID, '  leader: p-chief\n  deputies', '  leader: p-deputy\n  deputies');
    expect(problemsOf(text).message).toContain('leadership.leader: the leader (组长) must be the bureau chief');
  });

  it('refuses a unit head who is not in the unit or lacks the role', () => {
    const text = replaceOnce(VALID, 'head: p-policy-head', 'head: p-staff');
    const err = problemsOf(text);
    expect(err.message).toContain('units[2].head: head "p-staff" belongs to unit "hazchem", not "policy"');
    expect(err.message).toContain('units[2].head: head "p-staff" must hold the role unitHead');
  });

  it('refuses an inconsistent retired flag', () => {
    const text = replaceOnce(VALID, 'roles: [retiree], retired: true', 'roles: [retiree]');
    expect(problemsOf(text).message).toContain('a person with the role retiree must have "retired: true"');
  });

  it('refuses a malformed password hash', () => {
    const text = replaceOnce(
      VALID,
      `name: 职工, unit: hazchem, roles: [staff], groups: [prevention], passwordHash: ${H}`,
      'name: 职工, unit: hazchem, roles: [staff], groups: [prevention], passwordHash: secret',
    );
    expect(problemsOf(text).message).toContain(
      `org.yaml:${lineOf(text, 'passwordHash: secret')}: people[5].passwordHash: password hash must look like`,
    );
  });

  it('refuses ids that could pass for system actors', () => {
    const text = replaceOnce(VALID, 'id: p-staff,', "id: 'system:timer',");
    expect(problemsOf(text).message).toContain('people[5].id: "system:timer" is not a valid id');
  });

  it('reports YAML syntax errors with their line', () => {
    const text = replaceOnce(VALID, 'leadership:\n  name:', 'leadership:\n name: x\n   bad: [');
    const err = problemsOf(text);
    expect(err.problems[0].message).toMatch(/^YAML syntax:/);
    expect(err.problems[0].line).toBeGreaterThan(1);
  });

  it('reports every problem at once, in file order', () => {
    let text = replaceOnce(VALID, 'roles: [chief]', 'roles: [cheif]');
    text = replaceOnce(text, 'head: p-policy-head', 'head: p-nobody');
    const err = problemsOf(text);
    expect(err.problems.length).toBeGreaterThanOrEqual(2);
    const lines = err.problems.map((p) => p.line);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
    expect(err.message.split('\n')[0]).toMatch(/^organisation file org.yaml is invalid \(\d+ problems\):$/);
  });

  it('refuses an empty file', () => {
    expect(problemsOf('').message).toContain('the file is empty');
  });
});
