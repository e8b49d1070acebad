import { DirectoryService } from './directory.service';
import { verifyPassword } from './password-hash';

/** The README documents these; the demo must keep its promises. */
describe('demo organisation (config/organisation.demo.yaml)', () => {
  const directory = DirectoryService.fromFile('config/organisation.demo.yaml');

  it('is marked as the demo', () => {
    expect(directory.isDemo).toBe(true);
  });

  it('mirrors the plan: four working groups staffed by the offices the plan names', () => {
    const staffing = (g: string) => directory.workingGroup(g)?.staffedBy.map((u) => directory.unitById(u)?.name);
    expect(directory.workingGroup('coordination')?.name).toBe('综合协调组');
    expect(staffing('coordination')).toEqual(['办公室']);
    expect(staffing('prevention')).toEqual([
      '危险化学品安全监督管理室',
      '安全生产基础室',
      '安全生产监管综合执法局',
      '矿山救护队',
    ]);
    expect(staffing('publicity')).toEqual(['政策法规宣传和规划科技室']);
    expect(staffing('logistics')).toEqual(['综合减灾室']);
    expect(directory.organisation.leadership.name).toBe('疫情防控工作领导小组');
    expect(
      directory
        .units()
        .filter((u) => u.kind === 'subordinate')
        .map((u) => u.name),
    ).toEqual(['安全生产监管综合执法局', '矿山救护队']);
    expect(new Set(directory.units().flatMap((u) => (u.sector ? [u.sector] : [])))).toEqual(
      new Set(['hazardousChemicals', 'nonCoalMine', 'metallurgy', 'industryTrade']),
    );
  });

  it('has the role-named accounts', () => {
    const usernames = directory.people().map((p) => p.username);
    for (const u of ['chief', 'deputy', 'deputy2', 'office', 'duty', 'prevention', 'logistics', 'publicity']) {
      expect(usernames).toContain(u);
    }
    for (const u of ['hazchem-head', 'enterprise-head', 'staff', 'staff2', 'retiree', 'auditor', 'admin']) {
      expect(usernames).toContain(u);
    }
    expect(directory.byUsername('prevention')?.roles).toContain('inspector');
    expect(directory.unitOf('p-enterprise-head')).toMatchObject({ kind: 'enterprise', sector: 'hazardousChemicals' });
  });

  it('every account password is "<username>-demo"', async () => {
    const results = await Promise.all(
      directory.people().map(async (p) => [p.username, await verifyPassword(`${p.username}-demo`, p.passwordHash)]),
    );
    expect(results.filter(([, ok]) => !ok)).toEqual([]);
  }, 30_000);
});
