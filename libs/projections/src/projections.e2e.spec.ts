import request from 'supertest';
import { HOUR, ProjectionHarness } from './testing/projection-harness';

describe('read models over HTTP (auth, read scope, validation)', () => {
  let h: ProjectionHarness;
  const tokens = new Map<string, string>();
  const ids: Record<string, string> = {};

  const http = () => request(h.app!.getHttpServer());
  const as = async (username: string) => {
    let token = tokens.get(username);
    if (!token) {
      const res = await http()
        .post('/auth/login')
        .send({ username, password: `${username}-demo` });
      expect(res.status).toBeLessThan(300);
      token = res.body.accessToken as string;
      tokens.set(username, token);
    }
    return `Bearer ${token}`;
  };
  const get = async (username: string, path: string) =>
    http()
      .get(path)
      .set('Authorization', await as(username));
  const head = async () => (await h.store.headPosition()).toString();

  beforeAll(async () => {
    h = await ProjectionHarness.start({ http: true });
    ids.away = await h.leave('p-staff');
    await h.send(ids.away, 'APPROVE', {}, 'p-chief');
    await h.send(ids.away, 'FILE', {}, 'p-office');
    h.clock.advance(25 * HOUR);
    await h.send(ids.away, 'DEPART', { at: h.clock.iso() }, 'p-staff');
    ids.pending = await h.leave('p-staff2');
    h.clock.advance(9 * HOUR);
    await h.missDeadline(ids.pending, 'awaitingChiefApproval');
    ids.probe = (
      await h.cases.start('probeParent', { subject: { name: '外部人员' } }, h.actor('p-prevention'))
    ).state.streamId;
    await h.send(ids.probe, 'SPAWN', { person: { id: 'p-staff', name: '干部职工（演示）' } }, 'p-prevention');
    [ids.child] = await h.runStartCases(ids.probe, { report: true });
  });

  afterAll(async () => {
    await h.close();
  });

  it('needs a token', async () => {
    expect((await http().get('/cases')).status).toBe(401);
    expect((await http().get('/register/movements')).status).toBe(401);
  });

  it('lists only what the caller may read, waiting for minPosition', async () => {
    const position = await head();
    const staff = await get('staff', `/cases?minPosition=${position}`);
    expect(staff.status).toBe(200);
    expect(staff.body).toMatchObject({ page: 1, pageSize: 20, stale: false });
    expect(BigInt(staff.body.position)).toBeGreaterThanOrEqual(BigInt(position));
    expect(staff.body.items.map((item: { id: string }) => item.id).sort()).toEqual([ids.away, ids.child].sort());

    const auditor = await get('auditor', `/cases?minPosition=${position}&pageSize=100`);
    expect(auditor.body.total).toBe(4);
    const chief = await get('chief', '/cases?process=leaveApproval&state=away');
    expect(chief.body.items.map((item: { id: string }) => item.id)).toEqual([ids.away]);
    const mine = await get('staff', '/cases?assignee=me&status=active');
    expect(mine.body.items.map((item: { id: string }) => item.id).sort()).toEqual([ids.away, ids.child].sort());
    const overdue = await get('chief', '/cases?overdue=true');
    expect(overdue.body.items.map((item: { id: string }) => item.id)).toEqual([ids.pending]);
    expect(overdue.body.items[0]).toMatchObject({
      subject: { id: 'p-staff2' },
      responsible: [{ kind: 'role', id: 'chief' }],
      overdue: true,
    });
  });

  it('sees its own write once the read models reach the position the append returned', async () => {
    const id = await h.leave('p-staff');
    const position = await head();
    const res = await get('staff', `/cases?q=${encodeURIComponent(id)}&minPosition=${position}`);
    expect(res.body).toMatchObject({ stale: false, total: 1, items: [{ id }] });
    // A position that never comes: answered after the bounded wait, marked stale.
    const future = (BigInt(position) + 1000n).toString();
    const started = Date.now();
    const stale = await get('staff', `/cases?minPosition=${future}`);
    expect(stale.status).toBe(200);
    expect(stale.body.stale).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  }, 30_000);

  it('refuses bad query parameters with 400', async () => {
    for (const query of [
      'pageSize=1000',
      'page=0',
      'overdue=maybe',
      'status=paused',
      'unknown=1',
      'minPosition=-1',
      'process=a-b',
    ]) {
      const res = await get('chief', `/cases?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    }
    expect((await get('chief', '/register/movements?status=gone')).status).toBe(400);
    expect((await get('chief', '/accountability/inaction?from=yesterday')).status).toBe(400);
    const backwards = await get('chief', '/accountability/inaction?from=2031-03-05T00:00:00Z&to=2031-03-01T00:00:00Z');
    expect(backwards.status).toBe(400);
  });

  it('answers the links tree within read scope, 404 otherwise', async () => {
    const tree = await get('auditor', `/cases/${ids.child}/links`);
    expect(tree.status).toBe(200);
    expect(tree.body.root).toMatchObject({
      id: ids.probe,
      readable: true,
      children: [{ id: ids.child, current: true, readable: true }],
    });
    // p-staff reads the child (they are its subject), not the parent.
    const staff = await get('staff', `/cases/${ids.child}/links`);
    expect(staff.body.root).toMatchObject({ id: null, readable: false, children: [{ id: ids.child }] });
    expect((await get('staff', `/cases/${ids.probe}/links`)).status).toBe(404);
    expect((await get('staff', `/cases/${ids.pending}/links`)).status).toBe(404);
    expect((await get('chief', '/cases/leaveApproval-00000000-0000-4000-8000-000000000000/links')).status).toBe(404);
  });

  it('opens the register of movements to the office, leadership and auditors only', async () => {
    expect((await get('staff', '/register/movements')).status).toBe(403);
    expect((await get('prevention', '/register/movements')).status).toBe(403);
    for (const username of ['office', 'duty', 'chief', 'deputy', 'auditor']) {
      const res = await get(username, '/register/movements?status=away');
      expect({ username, status: res.status }).toEqual({ username, status: 200 });
      expect(res.body.items).toEqual([
        expect.objectContaining({
          caseId: ids.away,
          applicant: expect.objectContaining({ id: 'p-staff' }),
          companions: [{ name: '家属甲', relation: '配偶' }],
          status: 'away',
          overdue: false,
        }),
      ]);
    }
    const pending = await get('office', '/register/movements?status=pending');
    const pendingIds = pending.body.items.map((item: { caseId: string }) => item.caseId);
    expect(pendingIds).toContain(ids.pending);
    expect(pendingIds).not.toContain(ids.away);
  });

  it('opens the inaction report to the leadership and auditors only', async () => {
    for (const username of ['staff', 'office', 'duty', 'prevention']) {
      expect({ username, status: (await get(username, '/accountability/inaction')).status }).toEqual({
        username,
        status: 403,
      });
    }
    for (const username of ['chief', 'deputy', 'auditor']) {
      const res = await get(username, '/accountability/inaction?group=leadership');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({
          caseId: ids.pending,
          state: 'awaitingChiefApproval',
          heldBy: expect.objectContaining({ kind: 'role', id: 'chief', name: '局长（主要领导）' }),
          stillWaiting: true,
        }),
      ]);
    }
  });
});
