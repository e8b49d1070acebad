import { type TestApp, startTestApp } from '../support/test-app';

/** `GET /me`: identity and what the caller may do, from the same policy the engine enforces. */
describe('GET /me', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const me = async (username: string) =>
    (
      await t
        .http()
        .get('/me')
        .set('authorization', `Bearer ${await t.token(username)}`)
    ).body;
  const leave = (body: { may: { process: string }[] }) =>
    body.may.find((p) => p.process === 'leaveApproval') as unknown as {
      start: boolean;
      events: { type: string; when: string[] }[];
    };

  it('the chief approves departures in any case', async () => {
    const body = await me('chief');
    expect(body).toMatchObject({ id: 'p-chief', roles: expect.arrayContaining(['chief']), readOnly: false });
    expect(leave(body).events).toEqual(expect.arrayContaining([{ type: 'APPROVE', when: ['always'] }]));
    expect(leave(body).events.map((e) => e.type)).not.toContain('FILE');
  });

  it('staff open their own leave requests and withdraw only as the applicant', async () => {
    const body = await me('staff');
    expect(leave(body).start).toBe(true);
    expect(leave(body).events).toEqual(expect.arrayContaining([{ type: 'WITHDRAW', when: ['asSubject'] }]));
    expect(leave(body).events.map((e) => e.type)).not.toContain('APPROVE');
  });

  it('auditors are read-only: they may open nothing and send nothing', async () => {
    const body = await me('auditor');
    expect(body.readOnly).toBe(true);
    for (const process of body.may) {
      expect(process.start).toBe(false);
      expect(process.events).toEqual([]);
    }
  });

  it('without a token it is 401', async () => {
    expect((await t.http().get('/me')).status).toBe(401);
  });
});
