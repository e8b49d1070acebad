import { canReadCase } from '@app/auth';
import { CASE_STARTED } from '@app/engine';
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import type { CaseChange, Projection } from './runner/projection';
import { createProjections } from './projections';
import { DAY, HOUR, type OpenedProjections, ProjectionHarness } from './testing/projection-harness';

/** Every row of every read-model table, sorted: two builds of the same log must give the same dump. */
function dump(db: Database.Database): Record<string, unknown[]> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'projection_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(
    tables.map((table) => [
      table,
      (db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[])
        .map((row) => JSON.stringify(row))
        .sort(),
    ]),
  );
}

/** Counts every case event it is given, with no key to hide a second application. */
class EventTally implements Projection {
  readonly name = 'eventTally';
  readonly version = 1;
  create(db: Database.Database): void {
    db.exec('CREATE TABLE IF NOT EXISTS event_tally (position INTEGER NOT NULL, event_id TEXT NOT NULL)');
  }
  drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS event_tally');
  }
  writer(db: Database.Database) {
    const insert = db.prepare('INSERT INTO event_tally (position, event_id) VALUES (?, ?)');
    return { apply: (change: CaseChange) => void insert.run(change.event.position, change.event.id) };
  }
}

async function caseEventCount(h: ProjectionHarness): Promise<number> {
  let n = 0;
  for await (const event of h.store.readAll()) if (!event.streamId.startsWith('riskArea-')) n++;
  return n;
}

describe('projections over a real SQLite store', () => {
  let h: ProjectionHarness;

  beforeEach(async () => {
    h = await ProjectionHarness.start();
  });

  afterEach(async () => {
    await h.close();
  });

  it('projects engine events into the case index, with the checkpoint moving in the same transaction', async () => {
    const id = await h.leave('p-staff');
    await h.send(id, 'APPROVE', {}, 'p-chief');
    await h.send(id, 'FILE', { note: '已报备' }, 'p-office');
    await h.riskAreas.set(
      { placeCode: '420100', name: '武汉市', level: 'high', effectiveFrom: h.clock.iso() },
      h.actor('p-office'),
      h.clock.iso(),
    );
    const p = h.open();
    await h.catchUp(p);

    const entry = p.reader.entry(h.actor('p-auditor'), id)!;
    expect(entry).toMatchObject({
      id,
      process: 'leaveApproval',
      version: 1,
      title: '外出审批',
      states: ['cleared'],
      stateLabels: { cleared: '已报备待出发' },
      status: 'active',
      subject: { id: 'p-staff', name: '干部职工（演示）', unit: { id: 'hazchem', name: '危险化学品安全监督管理室' } },
      startedBy: { id: 'p-staff' },
      revision: 2,
      responsible: [{ kind: 'person', id: 'p-staff', name: '干部职工（演示）' }],
      overdue: false,
      parentId: null,
      children: [],
    });
    // `cleared` is due a day after the planned departure.
    const state = await h.cases.get(id);
    expect(entry.dueAt).toBe(new Date(Date.parse(state.context.request.departAt) + DAY).toISOString());
    expect(p.reader.summary(id)).toEqual({
      process: 'leaveApproval',
      subjectId: 'p-staff',
      startedBy: 'p-staff',
      responsibleGroups: [],
      responsibleRoles: expect.arrayContaining(['chief', 'office']),
      involvedPersonIds: ['p-staff'],
    });
    // The risk-area event is not a case, but the checkpoint passed it: a read can wait for its position.
    const head = await h.store.headPosition();
    expect(p.runner.currentPosition()).toBe(head);
    expect(p.runner.status()).toMatchObject({ following: true, caughtUp: true, lastError: null, errors: [] });

    // Live: a new event shows once its position is reached.
    await h.send(id, 'DEPART', { at: h.clock.iso() }, 'p-staff');
    expect(await p.runner.waitForPosition(await h.store.headPosition(), 5_000)).toBe(true);
    expect(p.reader.entry(h.actor('p-auditor'), id)!.states).toEqual(['away']);
    // A position nobody wrote yet times out (false), it does not throw.
    expect(await p.runner.waitForPosition((await h.store.headPosition()) + 100n, 50)).toBe(false);
  });

  it('applies every event exactly once across restarts and with two runners sharing one file', async () => {
    const projections = () => [...createProjections(), new EventTally()];
    const path = join(h.dir, 'shared.db');
    const first = h.open(path, projections());
    for (let i = 0; i < 3; i++) {
      const id = await h.leave('p-staff');
      await h.send(id, 'APPROVE', {}, 'p-chief');
    }
    await h.catchUp(first);
    await first.close();

    // Written while nobody follows; a new runner (cold cache) resumes from the file's checkpoint.
    const later = await h.leave('p-staff2');
    await h.send(later, 'WITHDRAW', {}, 'p-staff2');
    const second = h.open(path, projections());
    const third = h.open(path, projections());
    second.runner.start();
    await h.catchUp(third);
    for (let i = 0; i < 4; i++) {
      const id = await h.leave('p-office');
      await h.send(id, 'REJECT', { reason: `第${i}次` }, 'p-chief');
    }
    const head = await h.store.headPosition();
    expect(await second.runner.waitForPosition(head, 10_000)).toBe(true);
    expect(await third.runner.waitForPosition(head, 10_000)).toBe(true);

    const tally = second.db.reader
      .prepare('SELECT count(*) AS n, count(DISTINCT event_id) AS distinct_ids FROM event_tally')
      .get() as { n: number; distinct_ids: number };
    const expected = await caseEventCount(h);
    expect(tally).toEqual({ n: expected, distinct_ids: expected });
    expect(second.reader.entry(h.actor('p-auditor'), later)!.states).toEqual(['withdrawn']);
    await second.close();
    await third.close();
  });

  it('lets another connection rebuild the file while this one follows, still applying every event once', async () => {
    const projections = () => [...createProjections(), new EventTally()];
    const path = join(h.dir, 'shared.db');
    const follower = h.open(path, projections());
    for (let i = 0; i < 3; i++) await h.leave('p-staff');
    await h.catchUp(follower);
    const before = dump(follower.db.reader);

    // The CLI's rebuild, in its own connection, while the API keeps following.
    const cli = h.open(path, projections());
    const appending = (async () => {
      for (let i = 0; i < 5; i++) await h.leave('p-staff2');
    })();
    await cli.runner.rebuild();
    await appending;
    expect(cli.runner.following).toBe(false);
    expect(await follower.runner.waitForPosition(await h.store.headPosition(), 10_000)).toBe(true);

    const expected = await caseEventCount(h);
    expect(
      follower.db.reader.prepare('SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM event_tally').get(),
    ).toEqual({ n: expected, d: expected });
    expect((dump(follower.db.reader).case_index ?? []).length).toBe(before.case_index.length + 5);
    await cli.close();
  });

  it('rebuilds to identical rows, and a projection whose version changed replays alone', async () => {
    const parent = await h.cases.start(
      'probeParent',
      { subject: { id: 'p-staff', name: '干部职工（演示）' } },
      h.actor('p-prevention'),
    );
    await h.send(parent.state.streamId, 'SPAWN', { withSource: true }, 'p-prevention');
    await h.runStartCases(parent.state.streamId, { report: true });
    const trip = await h.leave('p-staff');
    await h.send(trip, 'APPROVE', {}, 'p-chief');
    h.clock.advance(10 * HOUR);
    await h.missDeadline(trip, 'awaitingOfficeFiling');
    await h.send(trip, 'FILE', {}, 'p-office');

    const p = h.open();
    await h.catchUp(p);
    const before = dump(p.db.reader);
    expect(before.case_index).toHaveLength(3);
    expect(before.inaction).toHaveLength(1);

    const result = await p.runner.rebuild();
    expect(result.events).toBeGreaterThanOrEqual(8);
    expect(p.runner.following).toBe(true);
    expect(dump(p.db.reader)).toEqual(before);
    expect(p.runner.currentPosition()).toBe(await h.store.headPosition());
    await p.close();

    // A new version of one projection: its tables are dropped and it alone replays from the start.
    const [index, movements, inaction] = createProjections();
    const bumped = Object.assign(Object.create(Object.getPrototypeOf(movements)), movements, {
      version: 99,
    }) as Projection;
    const again = h.open(undefined, [index, bumped, inaction]);
    expect(again.runner.status().checkpoints.movementRegister).toBeNull();
    await h.catchUp(again);
    expect(dump(again.db.reader)).toEqual(before);
  });

  describe('read scope on the list', () => {
    let p: OpenedProjections;
    const ids: Record<string, string> = {};

    beforeEach(async () => {
      ids.staffPending = await h.leave('p-staff');
      ids.staffFiled = await h.leave('p-staff');
      await h.send(ids.staffFiled, 'APPROVE', {}, 'p-chief');
      ids.staff2 = await h.leave('p-staff2');
      ids.publicity = await h.leave('p-publicity');
      const probe = await h.cases.start(
        'probeParent',
        { subject: { name: '企业安全员（外部）', unit: 'ent-chem' } },
        h.actor('p-prevention'),
      );
      ids.probe = probe.state.streamId;
      p = h.open();
      await h.catchUp(p);
    });

    const visible = (username: string) => {
      const actor = h.actor(h.directory.byUsername(username)!.id);
      return p.index
        .list(actor, { pageSize: 100 })
        .items.map((item) => item.id)
        .sort();
    };

    it('staff see their own, a unit head the unit, groups and duty roles what they were responsible for, auditors all', () => {
      expect(visible('staff')).toEqual([ids.staffPending, ids.staffFiled].sort());
      expect(visible('staff2')).toEqual([ids.staff2]);
      // A unit head outside the leadership group sees the cases about their unit: the enterprise head,
      // the probe about their enterprise (a subject who is not a user).
      expect(visible('enterprise-head')).toEqual([ids.probe]);
      // The head of hazchem is a member of the leadership group (the demo's heads all are): everything.
      expect(visible('hazchem-head')).toEqual(Object.values(ids).sort());
      // The office has been responsible only where a request reached filing.
      expect(visible('office')).toEqual([ids.staffFiled]);
      // The prevention group holds the probe.
      expect(visible('prevention')).toEqual([ids.probe]);
      expect(visible('auditor')).toEqual(Object.values(ids).sort());
      expect(visible('chief')).toEqual(Object.values(ids).sort());
    });

    it('pages, counts and filters only within scope, and agrees with canReadCase for every person', () => {
      const staff = h.actor('p-staff');
      const page1 = p.index.list(staff, { pageSize: 1, page: 1 });
      const page2 = p.index.list(staff, { pageSize: 1, page: 2 });
      expect(page1.total).toBe(2);
      expect(new Set([...page1.items, ...page2.items].map((item) => item.id)).size).toBe(2);

      const auditor = h.actor('p-auditor');
      expect(p.index.list(auditor, { process: 'probeParent' }).items.map((i) => i.id)).toEqual([ids.probe]);
      expect(p.index.list(auditor, { state: 'awaitingOfficeFiling' }).items.map((i) => i.id)).toEqual([ids.staffFiled]);
      expect(p.index.list(auditor, { group: 'prevention' }).total).toBe(1);
      expect(p.index.list(auditor, { role: 'chief' }).total).toBe(3);
      expect(p.index.list(auditor, { q: '宣传动员' }).items.map((i) => i.id)).toEqual([ids.publicity]);
      expect(p.index.list(auditor, { q: ids.staff2.slice(0, 30) }).items.map((i) => i.id)).toEqual([ids.staff2]);
      expect(p.index.list(auditor, { q: '100%_' }).total).toBe(0);
      expect(p.index.list(auditor, { overdue: true }).total).toBe(0);

      const all = p.index.list(auditor, { pageSize: 100 }).items.map((item) => item.id);
      for (const person of h.directory.people()) {
        const actor = h.actor(person.id);
        const listed = p.index
          .list(actor, { pageSize: 100 })
          .items.map((item) => item.id)
          .sort();
        const single = all.filter((id) => canReadCase(actor, h.directory, p.reader.summary(id)!)).sort();
        expect({ person: person.id, listed }).toEqual({ person: person.id, listed: single });
      }
    });
  });

  it('links parent and child cases and answers the whole tree, hiding what the reader may not see', async () => {
    const prevention = 'p-prevention';
    const root = (
      await h.cases.start(
        'probeParent',
        { subject: { id: 'p-staff', name: '干部职工（演示）', unit: 'hazchem' } },
        h.actor(prevention),
      )
    ).state.streamId;
    // 1. the child's CASE_STARTED names the effect as its cause
    await h.send(root, 'SPAWN', {}, prevention);
    const [byCause] = await h.runStartCases(root);
    // 2. no cause, but the start input carries the parent's uuid
    await h.send(
      root,
      'SPAWN',
      { withSource: true, person: { id: 'p-staff2', name: '干部职工二（演示）' } },
      prevention,
    );
    const [byInput] = await h.runStartCases(root, { causation: false });
    // 3. no cause, no reference: only the worker's EFFECT_SUCCEEDED result names the child
    await h.send(root, 'SPAWN', {}, prevention);
    const [byResult] = await h.runStartCases(root, { causation: false, report: true });
    // A grandchild, opened by the first child.
    await h.send(byCause, 'SPAWN', {}, 'p-staff');
    const [grandchild] = await h.runStartCases(byCause, { report: true });

    const p = h.open();
    await h.catchUp(p);
    const auditor = h.actor('p-auditor');
    expect(p.reader.links(auditor, root)).toEqual({ parent: null, children: [byCause, byInput, byResult] });
    expect(p.reader.links(auditor, grandchild)).toEqual({ parent: byCause, children: [] });

    const tree = p.links.tree(auditor, grandchild)!;
    expect(tree.caseId).toBe(grandchild);
    expect(tree.root).toMatchObject({
      id: root,
      readable: true,
      process: 'probeParent',
      states: ['open'],
      status: 'active',
      children: [
        {
          id: byCause,
          process: 'probeChild',
          states: ['waiting'],
          children: [{ id: grandchild, current: true, children: [] }],
        },
        { id: byInput, children: [] },
        { id: byResult, children: [] },
      ],
    });

    // p-staff2 reads only their own child: the rest of the tree keeps its shape but shows nothing.
    const staff2 = h.actor('p-staff2');
    const seen = p.links.tree(staff2, byInput)!;
    expect(seen.root).toEqual({
      id: null,
      readable: false,
      process: 'probeParent',
      children: [
        {
          id: null,
          readable: false,
          process: 'probeChild',
          children: [{ id: null, readable: false, process: 'probeChild', children: [] }],
        },
        expect.objectContaining({ id: byInput, readable: true, current: true }),
        { id: null, readable: false, process: 'probeChild', children: [] },
      ],
    });
    // A case outside the reader's scope, or none at all, has no tree.
    expect(p.links.tree(staff2, root)).toBeUndefined();
    expect(p.links.tree(auditor, 'probeChild-00000000-0000-4000-8000-000000000000')).toBeUndefined();
    // The list shows children the reader may see.
    const listed = p.index.list(h.actor('p-staff'), { process: 'probeParent' }).items[0];
    expect(listed.children).toEqual([byCause, byResult]);
  });

  it('links a return to the screening case it opens, as the worker opens it', async () => {
    const trip = await h.leave('p-staff');
    await h.send(trip, 'APPROVE', {}, 'p-chief');
    await h.send(trip, 'FILE', {}, 'p-office');
    h.clock.advance(DAY);
    await h.send(trip, 'DEPART', { at: h.clock.iso() }, 'p-staff');
    h.clock.advance(2 * DAY);
    await h.send(trip, 'RETURN', { at: h.clock.iso() }, 'p-staff');
    const [screening] = await h.runStartCases(trip, { report: true });
    expect(screening).toMatch(/^returnScreening-/);

    const p = h.open();
    await h.catchUp(p);
    const staff = h.actor('p-staff');
    expect(p.reader.links(staff, trip)).toEqual({ parent: null, children: [screening] });
    expect(p.reader.entry(staff, screening)).toMatchObject({
      parentId: trip,
      subject: { id: 'p-staff', name: '干部职工（演示）' },
      status: 'active',
    });
    expect(p.links.tree(staff, screening)!.root).toMatchObject({
      id: trip,
      states: ['returned'],
      status: 'done',
      children: [{ id: screening, current: true }],
    });
  });

  it('keeps the register of movements', async () => {
    const companions = [{ name: '家属甲', relation: '配偶' }, { name: '家属乙' }];
    const pending = await h.leave('p-staff2');
    const planned = await h.leave('p-publicity', { companions });
    const away = await h.leave('p-staff', {
      departInMs: HOUR,
      awayMs: 2 * DAY,
      placeName: '呼和浩特市',
      placeCode: '150100',
    });
    const late = await h.leave('p-logistics', { departInMs: HOUR, awayMs: DAY });
    const back = await h.leave('p-office', { departInMs: HOUR, awayMs: DAY });
    await h.riskAreas.set(
      { placeCode: '420100', name: '武汉市', level: 'high', effectiveFrom: h.clock.iso(-DAY) },
      h.actor('p-office'),
      h.clock.iso(),
    );
    const refused = await h.leave('p-staff', { placeCode: '420100', placeName: '武汉市' });
    for (const id of [planned, away, late, back]) {
      await h.send(id, 'APPROVE', {}, 'p-chief');
      await h.send(id, 'FILE', {}, 'p-office');
    }
    h.clock.advance(2 * HOUR);
    for (const id of [away, late, back]) await h.send(id, 'DEPART', { at: h.clock.iso(-30 * 60_000) }, 'p-office');
    h.clock.advance(DAY - HOUR);
    await h.send(back, 'RETURN', { at: h.clock.iso() }, 'p-office');
    // `late` was due back a day after leaving, plus 12 h grace.
    h.clock.advance(14 * HOUR);
    await h.missDeadline(late, 'away');

    const p = h.open();
    await h.catchUp(p);
    const now = h.clock.now();
    const ids = (status?: Parameters<typeof p.movements.list>[0]['status']) =>
      p.movements
        .list({ status }, now)
        .items.map((item) => item.caseId)
        .sort();
    expect(ids()).toEqual([planned, away, late, back].sort());
    expect(ids('planned')).toEqual([planned]);
    expect(ids('away')).toEqual([away, late].sort());
    expect(ids('overdue')).toEqual([late]);
    expect(ids('returned')).toEqual([back]);
    expect(ids('pending')).toEqual([pending]);
    expect(ids('cancelled')).toEqual([refused]);

    const register = p.movements.list({ status: 'all' }, now).items;
    const byId = new Map(register.map((item) => [item.caseId, item]));
    const trip = await h.cases.get(planned);
    expect(byId.get(planned)).toMatchObject({
      applicant: {
        id: 'p-publicity',
        name: '宣传动员组干部（演示）',
        unit: { id: 'policy', name: '政策法规宣传和规划科技室' },
      },
      destination: { placeCode: '150602', name: '东胜区' },
      leavesCity: true,
      specialReason: '家中老人住院',
      companions,
      departAt: trip.context.request.departAt,
      returnAt: trip.context.request.returnAt,
      returnDueAt: new Date(Date.parse(trip.context.request.returnAt) + 12 * HOUR).toISOString(),
      departedAt: null,
      epidemiologicalHistory: { feverLast14Days: false, contactWithCase: false, visitedRiskArea: false, notes: '无' },
      status: 'planned',
      overdue: false,
    });
    expect(byId.get(away)).toMatchObject({ status: 'away', overdue: false, destination: { name: '呼和浩特市' } });
    expect(byId.get(away)!.departedAt).not.toBeNull();
    expect(byId.get(late)).toMatchObject({ status: 'away', overdue: true });
    expect(byId.get(late)!.overdueByMs).toBeGreaterThan(0);
    expect(byId.get(back)).toMatchObject({
      status: 'returned',
      overdue: false,
      returnedLate: false,
      overdueByMs: null,
    });
    expect(byId.get(back)!.returnedAt).not.toBeNull();
    expect(byId.get(refused)).toMatchObject({ status: 'cancelled', state: 'refused' });
    expect(
      p.movements
        .list({ unit: 'hazchem', status: 'all' }, now)
        .items.map((i) => i.caseId)
        .sort(),
    ).toEqual([away, refused].sort());
    expect(p.movements.list({ q: '呼和浩特' }, now).items.map((i) => i.caseId)).toEqual([away]);
  });

  it('records every missed deadline in the inaction ledger, and how long the case waited', async () => {
    const chiefLate = await h.leave('p-staff');
    const travellerLate = await h.leave('p-staff', { departInMs: HOUR, awayMs: DAY });
    const probe = (await h.cases.start('probeParent', { subject: { name: '外部人员' } }, h.actor('p-prevention'))).state
      .streamId;
    const enteredAt = h.clock.iso();
    await h.send(travellerLate, 'APPROVE', {}, 'p-chief');
    await h.send(travellerLate, 'FILE', {}, 'p-office');
    await h.send(travellerLate, 'DEPART', { at: h.clock.iso() }, 'p-staff');
    h.clock.advance(9 * HOUR);
    await h.missDeadline(chiefLate, 'awaitingChiefApproval');
    await h.missDeadline(probe, 'open');
    h.clock.advance(HOUR);
    await h.send(chiefLate, 'APPROVE', {}, 'p-chief');
    h.clock.advance(2 * DAY);
    await h.missDeadline(travellerLate, 'away');

    const p = h.open();
    await h.catchUp(p);
    const now = h.clock.now();
    const report = p.inaction.report({}, now);
    expect(report.total).toBe(3);
    // Soonest due first: the probe (1 h), the chief (8 h), the traveller (back a day after leaving, plus 12 h).
    expect(report.items.map((item) => item.caseId)).toEqual([probe, chiefLate, travellerLate]);
    const [group, chief, traveller] = report.items;
    expect(chief).toMatchObject({
      caseId: chiefLate,
      process: 'leaveApproval',
      title: '外出审批',
      state: 'awaitingChiefApproval',
      stateLabel: '待主要领导审批',
      responsible: { role: 'chief' },
      heldBy: {
        kind: 'role',
        id: 'chief',
        name: '局长（主要领导）',
        people: [{ id: 'p-chief' }],
        groups: [{ id: 'leadership' }],
      },
      subject: { id: 'p-staff', name: '干部职工（演示）' },
      enteredAt,
      stillWaiting: false,
      lateByMsAtRecord: HOUR,
    });
    // Due 8 h after the request, left it 2 h later.
    expect(chief.dueAt).toBe(new Date(Date.parse(enteredAt) + 8 * HOUR).toISOString());
    expect(chief.overdueMs).toBe(2 * HOUR);
    expect(chief.waitedMs).toBe(10 * HOUR);
    expect(chief.leftTo).toBe('awaitingOfficeFiling');
    expect(group).toMatchObject({
      caseId: probe,
      heldBy: { kind: 'group', id: 'prevention', name: '应对防控组' },
      stillWaiting: true,
      leftAt: null,
    });
    // Due an hour after it opened; still waiting 2 d 10 h later.
    expect(group.overdueMs).toBe(2 * DAY + 9 * HOUR);
    expect(traveller).toMatchObject({
      caseId: travellerLate,
      state: 'away',
      heldBy: { kind: 'person', id: 'p-staff', name: '干部职工（演示）', units: [{ id: 'hazchem' }] },
      stillWaiting: true,
    });
    expect(report.totals).toMatchObject({ entries: 3, stillWaiting: 2 });

    const ids = (query: Parameters<typeof p.inaction.report>[0]) =>
      p.inaction.report(query, now).items.map((item) => item.caseId);
    expect(ids({ group: 'leadership' })).toEqual([chiefLate]);
    expect(ids({ group: 'prevention' })).toEqual([probe]);
    // hazchem: p-staff's own miss, and the prevention group's (hazchem staffs it).
    expect(ids({ unit: 'hazchem' })).toEqual([probe, travellerLate]);
    expect(ids({ unit: 'office' })).toEqual([]);
    expect(ids({ process: 'probeParent' })).toEqual([probe]);
    expect(ids({ open: false })).toEqual([chiefLate]);
    expect(ids({ from: chief.dueAt, to: traveller.dueAt })).toEqual([chiefLate]);
    expect(ids({ from: chief.dueAt })).toEqual([chiefLate, travellerLate]);
    // The case index marks the overdue cases that still wait.
    const auditor = h.actor('p-auditor');
    expect(
      p.index
        .list(auditor, { overdue: true })
        .items.map((i) => i.id)
        .sort(),
    ).toEqual([probe, travellerLate].sort());
  });

  it('records a history the engine cannot replay and goes on', async () => {
    const id = await h.leave('p-staff');
    // A stream in a process category whose first event is not CASE_STARTED.
    await h.store.appendToStream('leaveApproval-00000000-0000-4000-8000-0000000000aa', [
      { id: '00000000-0000-4000-8000-0000000000ab', type: 'APPROVE', data: {}, metadata: { caseId: 'x' } },
    ]);
    const after = await h.leave('p-staff2');
    const p = h.open();
    await h.catchUp(p, { allowErrors: true });
    expect(p.reader.row(id)).toBeDefined();
    expect(p.reader.row(after)).toBeDefined();
    const status = p.runner.status();
    expect(status.errors).toEqual([
      expect.objectContaining({ streamId: 'leaveApproval-00000000-0000-4000-8000-0000000000aa', eventType: 'APPROVE' }),
    ]);
    expect(status.errors[0].message).toContain(CASE_STARTED);
  });
});
