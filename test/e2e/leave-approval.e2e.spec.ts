import Database from 'better-sqlite3';
import { type TestApp, startTestApp } from '../support/test-app';

/** Leave approval end to end over HTTP, on a real SQLite file. */
describe('leave approval over HTTP', () => {
  let t: TestApp;
  const auth = async (username: string) => ({ authorization: `Bearer ${await t.token(username)}` });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const hoursFromNow = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
  const application = (overrides: Record<string, unknown> = {}) => ({
    applicant: { id: 'p-staff', name: '干部职工（演示）', unit: 'hazchem' },
    destination: { placeCode: '150602', name: '东胜区' },
    leavesCity: true,
    specialReason: '家中老人住院，需前往陪护',
    departAt: hoursFromNow(24),
    returnAt: hoursFromNow(72),
    companions: [{ name: '配偶', relation: '家属' }],
    epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false },
    ...overrides,
  });

  async function open(input = application()) {
    const res = await t
      .http()
      .post('/cases')
      .set(await auth('staff'))
      .send({ process: 'leaveApproval', input });
    expect(res.status).toBe(201);
    return res.body as { id: string; states: string[]; revision: number; state: unknown; context: unknown };
  }

  async function send(id: string, username: string, type: string, data: Record<string, unknown> = {}) {
    return t
      .http()
      .post(`/cases/${id}/events`)
      .set(await auth(username))
      .send({ type, data });
  }

  async function historyLength(id: string) {
    const res = await t
      .http()
      .get(`/cases/${id}/history`)
      .set(await auth('auditor'));
    expect(res.status).toBe(200);
    return res.body.events.length as number;
  }

  it('runs the happy path from request to return, and the return asks for a screening case', async () => {
    const created = await open();
    expect(created.states).toEqual(['awaitingChiefApproval']);
    const viewedByChief = await t
      .http()
      .get(`/cases/${created.id}`)
      .set(await auth('chief'));
    expect(viewedByChief.body.nextEvents).toEqual(expect.arrayContaining(['APPROVE', 'REJECT']));
    expect(viewedByChief.body.deadlines[0]).toMatchObject({
      state: 'awaitingChiefApproval',
      responsible: { role: 'chief' },
    });

    expect((await send(created.id, 'chief', 'APPROVE', {})).body.states).toEqual(['awaitingOfficeFiling']);
    expect((await send(created.id, 'office', 'FILE', {})).body.states).toEqual(['cleared']);
    expect((await send(created.id, 'staff', 'DEPART', { at: new Date().toISOString() })).body.states).toEqual(['away']);
    const returned = await send(created.id, 'staff', 'RETURN', { at: new Date().toISOString() });
    expect(returned.status).toBe(200);
    expect(returned.body.states).toEqual(['returned']);
    expect(returned.body.status).toBe('done');

    const history = await t
      .http()
      .get(`/cases/${created.id}/history`)
      .set(await auth('auditor'));
    const types = history.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(['CASE_STARTED', 'APPROVE', 'FILE', 'DEPART', 'RETURN']);
    const last = history.body.events[4];
    expect(last.actor).toMatchObject({ id: 'p-staff', roles: expect.arrayContaining(['staff']) });
    expect(last.effects).toEqual([
      expect.objectContaining({ kind: 'startCase', params: expect.objectContaining({ process: 'returnScreening' }) }),
    ]);
    expect(history.body.events[1].actor.id).toBe('p-chief');
    const verify = await t
      .http()
      .get(`/cases/${created.id}/verify`)
      .set(await auth('auditor'));
    expect(verify.body.ok).toBe(true);
  });

  it('refuses at once a destination the register says is high risk, with the reason', async () => {
    const put = await t
      .http()
      .put('/risk-areas/110105')
      .set(await auth('office'))
      .send({ level: 'high', name: '北京市朝阳区', effectiveFrom: new Date(Date.now() - 60_000).toISOString() });
    expect(put.status).toBe(200);
    const created = await open(application({ destination: { placeCode: '110105', name: '北京市朝阳区' } }));
    expect(created.states).toEqual(['refused']);
    const view = await t
      .http()
      .get(`/cases/${created.id}`)
      .set(await auth('staff'));
    expect(JSON.stringify(view.body.context)).toContain('high');
    expect(view.body.nextEvents).toEqual([]);
  });

  it('records a rejection with its reason, and a withdrawal by the applicant', async () => {
    const a = await open();
    const rejected = await send(a.id, 'chief', 'REJECT', { reason: '疫情期间非必要不出行' });
    expect(rejected.body.states).toEqual(['rejected']);
    const b = await open();
    expect((await send(b.id, 'staff', 'WITHDRAW', {})).body.states).toEqual(['withdrawn']);
  });

  it('only the chief approves and only the office files (403, nothing appended)', async () => {
    const c = await open();
    const byOffice = await send(c.id, 'office', 'APPROVE', {});
    expect(byOffice.status).toBe(403);
    expect(await historyLength(c.id)).toBe(1);
    await send(c.id, 'chief', 'APPROVE', {});
    const byStaff = await send(c.id, 'staff', 'FILE', {});
    expect(byStaff.status).toBe(403);
    const auditor = await send(c.id, 'auditor', 'FILE', {});
    expect(auditor.status).toBe(403);
    expect(await historyLength(c.id)).toBe(2);
  });

  it('answers 409 with the allowed events when the state does not take the event', async () => {
    const c = await open();
    const res = await send(c.id, 'staff', 'DEPART', { at: new Date().toISOString() });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CASE.EVENT_NOT_ALLOWED');
    expect(res.body.details.allowed).toEqual(expect.arrayContaining(['APPROVE', 'REJECT', 'WITHDRAW']));
  });

  it('travels in time: state?revision=N equals what the live call returned at N', async () => {
    const c = await open();
    const live = [c];
    live.push((await send(c.id, 'chief', 'APPROVE', {})).body);
    live.push((await send(c.id, 'office', 'FILE', {})).body);
    for (const [revision, view] of live.entries()) {
      const past = await t
        .http()
        .get(`/cases/${c.id}/state?revision=${revision}`)
        .set(await auth('auditor'));
      expect(past.status).toBe(200);
      expect(past.body.revision).toBe(revision);
      expect(past.body.state).toEqual(view.state);
      expect(past.body.context).toEqual(view.context);
    }
    const before = await t
      .http()
      .get(`/cases/${c.id}/state?at=2000-01-01T00:00:00Z`)
      .set(await auth('auditor'));
    expect(before.status).toBe(404);
    const both = await t
      .http()
      .get(`/cases/${c.id}/state?revision=1&at=2000-01-01T00:00:00Z`)
      .set(await auth('auditor'));
    expect(both.status).toBe(400);
  });

  it('verify detects an event edited in the database file', async () => {
    const c = await open();
    await send(c.id, 'chief', 'APPROVE', {});
    await send(c.id, 'office', 'FILE', {});
    expect(
      (
        await t
          .http()
          .get(`/cases/${c.id}/verify`)
          .set(await auth('auditor'))
      ).body.ok,
    ).toBe(true);
    const db = new Database(t.dbPath);
    const row = db.prepare('SELECT position, data FROM events WHERE stream_id = ? AND revision = 1').get(c.id) as {
      position: number;
      data: string;
    };
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify({ forged: true }), row.position);
    db.close();
    const verify = await t
      .http()
      .get(`/cases/${c.id}/verify`)
      .set(await auth('auditor'));
    expect(verify.body.ok).toBe(false);
    expect(verify.body.chain).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('50 parallel APPROVE: exactly one succeeds, the rest are 409, one event stored', async () => {
    const c = await open();
    const headers = await auth('chief');
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.http().post(`/cases/${c.id}/events`).set(headers).send({ type: 'APPROVE', data: {} }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(await historyLength(c.id)).toBe(2);
  });

  it('a stale expectedRevision is a 409 and appends nothing', async () => {
    const c = await open();
    await send(c.id, 'chief', 'APPROVE', {});
    const res = await t
      .http()
      .post(`/cases/${c.id}/events`)
      .set(await auth('office'))
      .send({ type: 'FILE', data: {}, expectedRevision: 0 });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CASE.REVISION_CONFLICT');
    expect(await historyLength(c.id)).toBe(2);
  });

  describe('bad input: a 4xx with a message, and the stream unchanged', () => {
    let id: string;
    beforeAll(async () => {
      id = (await open()).id;
    });
    afterEach(async () => {
      expect(await historyLength(id)).toBe(1);
    });

    const cases: [string, () => Promise<{ status: number; body: { message?: string } }>, number][] = [
      ['unknown case', async () => send('leaveApproval-00000000-0000-4000-8000-000000000000', 'chief', 'APPROVE'), 404],
      ['malformed case id', async () => send('nonsense', 'chief', 'APPROVE'), 404],
      ['unknown event type', async () => send(id, 'chief', 'TELEPORT'), 400],
      ['lowercase event type', async () => send(id, 'chief', 'approve'), 400],
      ['missing reason on REJECT', async () => send(id, 'chief', 'REJECT', {}), 400],
      ['wrong type of reason', async () => send(id, 'chief', 'REJECT', { reason: 42 }), 400],
      ['extra field in the payload', async () => send(id, 'chief', 'APPROVE', { sneaky: true }), 400],
      [
        'extra field in the body',
        async () =>
          t
            .http()
            .post(`/cases/${id}/events`)
            .set(await auth('chief'))
            .send({ type: 'APPROVE', admin: true }),
        400,
      ],
      [
        'a 1 MB payload',
        async () =>
          t
            .http()
            .post(`/cases/${id}/events`)
            .set(await auth('chief'))
            .send({ type: 'REJECT', data: { reason: 'x'.repeat(1_000_000) } }),
        413,
      ],
      [
        'malformed JSON',
        async () =>
          t
            .http()
            .post(`/cases/${id}/events`)
            .set(await auth('chief'))
            .set('content-type', 'application/json')
            .send('{"type": "APPROVE",'),
        400,
      ],
    ];
    it.each(cases)('%s', async (_name, call, status) => {
      const res = await call();
      expect(res.status).toBe(status);
      expect(typeof res.body.message).toBe('string');
      expect(res.body.message?.length).toBeGreaterThan(0);
    });
  });

  describe('bad start input: 4xx and no case opened', () => {
    const starts: [string, Record<string, unknown>, number][] = [
      ['unknown process', { process: 'teleportApproval', input: {} }, 404],
      [
        'returnAt before departAt',
        { process: 'leaveApproval', input: application({ returnAt: hoursFromNow(1), departAt: hoursFromNow(5) }) },
        400,
      ],
      ['departAt in the past', { process: 'leaveApproval', input: application({ departAt: hoursFromNow(-5) }) }, 400],
      [
        'empty destination',
        { process: 'leaveApproval', input: application({ destination: { placeCode: '', name: '' } }) },
        400,
      ],
      ['missing special reason', { process: 'leaveApproval', input: application({ specialReason: undefined }) }, 400],
      ['input not an object', { process: 'leaveApproval', input: 'leave' }, 400],
    ];
    it.each(starts)('%s', async (_name, body, status) => {
      const before = await t.http().get('/health');
      const res = await t
        .http()
        .post('/cases')
        .set(await auth('staff'))
        .send(body);
      expect(res.status).toBe(status);
      expect(res.body.message).toEqual(expect.any(String));
      const after = await t.http().get('/health');
      expect(after.body.details.store.headPosition).toBe(before.body.details.store.headPosition);
    });
  });
});
