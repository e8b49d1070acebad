import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryService } from '@app/auth/directory.service';
import { type Actor, type CaseState, isAllowed, mayStart, type PolicyRule, type WorkflowDefinition } from '@app/engine';
import { createWorkflowRegistry } from '@app/workflows/registry';
import {
  EVENT_SCENARIOS,
  type EventScenario,
  feverDetection,
  inspectionPlan,
  leaveApplication,
  PAYLOADS,
  PEOPLE,
  type Payload,
  START,
  scenarioInState,
  screeningInput,
} from '../support/fixtures/policy-scenarios';
import { type TestApp, startTestApp } from '../support/test-app';

/**
 * Issue 4, section 4: who may do what to which case, over HTTP.
 *
 * The matrix tries every (process, event type, demo account) and every
 * (process, account) start against the real API. Each attempt has two
 * oracles: the engine's policy evaluated on the case as it is
 * (`isAllowed` / `mayStart` with the account's actor from the directory),
 * which the HTTP answer must follow; and, written down here independently
 * of the engine, the plan's table in usernames (PLAN_EVENTS / PLAN_START),
 * which the engine's verdicts must agree with. So a policy the HTTP layer
 * ignores fails, and so does a wrong policy.
 */

// ---- the demo organisation, as read from config/organisation.demo.yaml ---------------------------

const ACCOUNTS = [
  'chief',
  'deputy',
  'deputy2',
  'office-head',
  'office',
  'duty',
  'emergency-head',
  'safety-coord-head',
  'policy-head',
  'publicity',
  'hazchem-head',
  'prevention',
  'staff',
  'basics-head',
  'disaster-head',
  'logistics',
  'staff2',
  'enforcement-head',
  'rescue-head',
  'enterprise-head',
  'retiree',
  'auditor',
  'admin',
];
/** The leadership group (领导小组): leader, deputies and members of its block. */
const LEADERSHIP = [
  'chief',
  'deputy',
  'deputy2',
  'enforcement-head',
  'rescue-head',
  'office-head',
  'emergency-head',
  'safety-coord-head',
  'policy-head',
  'hazchem-head',
  'basics-head',
  'disaster-head',
];
/** People with the office role (机关办公室). */
const OFFICE = ['office', 'office-head'];
/** People with the inspector role (督导检查人员). */
const INSPECTORS = ['hazchem-head', 'prevention', 'basics-head', 'enforcement-head'];
/** Members of the prevention working group (应对防控组). */
const PREVENTION_GROUP = ['hazchem-head', 'prevention', 'basics-head', 'enforcement-head', 'rescue-head'];
const UNIT_HEADS = [
  'office-head',
  'emergency-head',
  'safety-coord-head',
  'policy-head',
  'hazchem-head',
  'basics-head',
  'disaster-head',
  'enforcement-head',
  'rescue-head',
  'enterprise-head',
];
const union = (...lists: readonly string[][]) => [...new Set(lists.flat())];
const without = (list: readonly string[], ...out: string[]) => list.filter((u) => !out.includes(u));

// ---- the plan's table, independent of the engine (usernames, for the fixture cases) ---------------

/**
 * Who may send each event to the fixture cases (see test/support/fixtures/policy-scenarios.ts:
 * the traveller and the returnee are `staff`, the lead inspector `rescue-head`, the inspected
 * unit's head `enterprise-head`, the person under review `basics-head`, the reviewer `deputy`).
 * Auditors appear nowhere: they can do nothing.
 */
const PLAN_EVENTS: Record<string, Record<string, readonly string[]>> = {
  leaveApproval: {
    APPROVE: ['chief'], // only the chief approves a departure
    REJECT: ['chief'],
    FILE: OFFICE, // only the office files it
    DEPART: ['staff', ...OFFICE], // only the traveller, or the office for them, reports departure and return
    RETURN: ['staff', ...OFFICE],
    WITHDRAW: ['staff'], // the applicant withdraws their own request
    RISK_LEVEL_CHANGED: [], // the risk-area register (a system actor) only
  },
  returnScreening: {
    REPORT_CONTACT_HISTORY: ['staff', ...OFFICE], // the returnee, or the office for them
    RECORD_TEMPERATURE: ['staff', ...OFFICE],
    END_OBSERVATION: OFFICE, // never the returnee's own call
  },
  feverEscalation: {
    TRANSFER_TO_CLINIC: PREVENTION_GROUP, // the prevention group handles fever cases
    RECORD_CONSULTATION: PREVENTION_GROUP,
  },
  supervisionInspection: {
    START: union(INSPECTORS, ['rescue-head']), // inspectors, and the lead inspector named in the plan
    RECORD_FINDINGS: union(INSPECTORS, ['rescue-head']), // inspectors record findings
    SUBMIT_RECTIFICATION: ['enterprise-head'], // whoever owes it: the inspected unit's head
    VERIFY: union(INSPECTORS, ['rescue-head']),
    REFER_FOR_ACCOUNTABILITY: union(INSPECTORS, LEADERSHIP),
  },
  accountabilityReview: {
    // The leadership group assigns reviewers; the subject of a review never acts on it.
    ASSIGN_REVIEWER: without(LEADERSHIP, 'basics-head'),
    DECIDE: ['deputy'], // only the assigned reviewer decides (never the subject)
  },
  dutyReport: {
    TRIAGE: ['duty'], // only the duty officer triages
  },
};

/** Who may open a case of each process. */
const PLAN_START: Record<string, readonly string[]> = {
  leaveApproval: without(ACCOUNTS, 'auditor', 'admin'), // staff, retirees, heads, office, leaders
  returnScreening: OFFICE,
  feverEscalation: union(PREVENTION_GROUP, INSPECTORS, UNIT_HEADS, OFFICE),
  supervisionInspection: union(INSPECTORS, PREVENTION_GROUP, LEADERSHIP),
  accountabilityReview: LEADERSHIP,
  dutyReport: ['duty'],
};

/**
 * Where the plan and the engine's policy are expected to differ, the machine's guard turning a
 * permitted actor down (409, nothing appended). None today: the subject of a review is excluded
 * by the policy itself (`notSubject`). Any difference not listed here is a wrong policy.
 */
const GUARDED: string[] = [];

/** The events each state takes (read from the machines), for `nextEvents`. */
const ACCEPTS: Record<string, readonly string[]> = {
  'leaveApproval.awaitingChiefApproval': ['APPROVE', 'REJECT', 'WITHDRAW'],
  'leaveApproval.cleared': ['DEPART', 'WITHDRAW', 'RISK_LEVEL_CHANGED'],
  'leaveApproval.away': ['RETURN', 'RISK_LEVEL_CHANGED'],
  'leaveApproval.rejected': [],
  'returnScreening.underObservation': ['RECORD_TEMPERATURE', 'END_OBSERVATION'],
  'feverEscalation.atClinic': ['RECORD_CONSULTATION'],
  'supervisionInspection.rectificationOrdered': ['SUBMIT_RECTIFICATION', 'REFER_FOR_ACCOUNTABILITY'],
  'supervisionInspection.awaitingVerification': ['VERIFY', 'REFER_FOR_ACCOUNTABILITY'],
  'accountabilityReview.open': ['ASSIGN_REVIEWER'],
  'accountabilityReview.underReview': ['ASSIGN_REVIEWER', 'DECIDE'],
  'dutyReport.awaitingTriage': ['TRIAGE'],
};

// ---- plumbing --------------------------------------------------------------------------------------

interface View {
  id: string;
  process: string;
  state: unknown;
  states: string[];
  status: string;
  revision: number;
  context: unknown;
  nextEvents: string[];
  startedBy: { id: string };
  position?: number | string;
}
interface Res {
  status: number;
  body: any;
  text: string;
}

const directory = DirectoryService.fromFile(join(__dirname, '../../config/organisation.demo.yaml'));
const registry = createWorkflowRegistry();
const actorOf = (username: string): Actor => directory.toActor(directory.byUsername(username)!);
const personId = (username: string) => directory.byUsername(username)!.id;
/** Enough of a CaseState for the policy: state value, context and status, as the case view gives them. */
const caseStateOf = (view: View) =>
  ({ state: view.state, context: view.context, status: view.status }) as unknown as CaseState;
const sorted = (list: readonly string[]) => [...list].sort();

/** Runs `fn` over `items`, `size` at a time. */
async function inPool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (queue.length > 0) await fn(queue.shift()!);
    }),
  );
}

const matrix = {
  startTried: 0,
  startAllowed: 0,
  startForbidden: 0,
  eventTried: 0,
  eventAllowed: 0,
  eventForbidden: 0,
  eventGuardRefused: 0,
  skipped: [] as string[],
};

describe('the policy matrix over HTTP (issue 4 §4)', () => {
  let t: TestApp;
  const auth = new Map<string, { authorization: string }>();
  const as = (username: string) => auth.get(username)!;
  const started = Date.now();

  // startTestApp gives the store a fresh file but not the read models: without this they would go to the
  // shared ./data/projections.db, whose checkpoint (from an earlier run) is past this store's positions.
  const projectionsDir = mkdtempSync(join(tmpdir(), 'pwe-matrix-projections-'));
  const projectionsPathBefore = process.env.PROJECTIONS_PATH;

  beforeAll(async () => {
    process.env.PROJECTIONS_PATH = join(projectionsDir, 'projections.db');
    t = await startTestApp();
    // Each login costs a scrypt; once per account, in parallel.
    await Promise.all(
      ACCOUNTS.map(async (u) => {
        auth.set(u, { authorization: `Bearer ${await t.token(u)}` });
      }),
    );
  });
  afterAll(async () => {
    const tried = matrix.startTried + matrix.eventTried;
    console.log(
      [
        `policy matrix: ${tried} combinations tried over HTTP ` +
          `(${ACCOUNTS.length} accounts × (${registry.processes().length} starts + ${EVENT_SCENARIOS.length} event types))`,
        `  starts: ${matrix.startTried} tried, ${matrix.startAllowed} allowed (201), ${matrix.startForbidden} forbidden (403)`,
        `  events: ${matrix.eventTried} tried, ${matrix.eventAllowed} allowed (200), ${matrix.eventForbidden} forbidden (403), ` +
          `${matrix.eventGuardRefused} permitted by the policy but refused by the machine's guard (409)`,
        `  skipped: ${matrix.skipped.length}${matrix.skipped.map((reason) => `\n    - ${reason}`).join('')}`,
        `  suite time: ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ].join('\n'),
    );
    await t?.close();
    if (projectionsPathBefore === undefined) delete process.env.PROJECTIONS_PATH;
    else process.env.PROJECTIONS_PATH = projectionsPathBefore;
    rmSync(projectionsDir, { recursive: true, force: true });
  });

  const send = (id: string, username: string, type: string, data: Payload): Promise<Res> =>
    t.http().post(`/cases/${id}/events`).set(as(username)).send({ type, data });
  const get = (username: string, path: string): Promise<Res> => t.http().get(path).set(as(username));

  async function open(process: string, username: string, input: Payload): Promise<View> {
    const res = await t.http().post('/cases').set(as(username)).send({ process, input });
    if (res.status !== 201) throw new Error(`${username} could not open ${process}: ${res.status} ${res.text}`);
    return res.body;
  }

  /** A fresh case of the scenario, driven along the happy path into the state that takes its event. */
  async function prepare(s: EventScenario): Promise<View> {
    let view = await open(s.process, s.starter, s.input());
    for (const step of s.before) {
      const res = await send(view.id, step.as, step.type, step.data());
      if (res.status !== 200) {
        throw new Error(`${s.process}: ${step.as} ${step.type} on the way to ${s.state}: ${res.status} ${res.text}`);
      }
      view = res.body;
    }
    if (view.states.join() !== s.state) throw new Error(`${s.process} reached ${view.states}, not ${s.state}`);
    return view;
  }

  async function history(id: string): Promise<{ type: string; actor: { id: string } }[]> {
    const res = await get('auditor', `/cases/${id}/history`);
    if (res.status !== 200) throw new Error(`history of ${id}: ${res.status} ${res.text}`);
    return res.body.events;
  }

  async function headPosition(): Promise<string> {
    return (await t.http().get('/health')).body.details.store.headPosition;
  }

  it('the demo organisation has exactly the accounts the matrix tries, and every one logged in', () => {
    expect(sorted(directory.people().map((p) => p.username))).toEqual(sorted(ACCOUNTS));
    expect(auth.size).toBe(ACCOUNTS.length);
  });

  it('GET /processes states the policy table of the definitions, and the scenarios cover every event type', async () => {
    const res = await get('staff', '/processes');
    expect(res.status).toBe(200);
    const listed = (res.body as { process: string; latest: boolean }[]).filter((p) => p.latest);
    expect(sorted(listed.map((p) => p.process))).toEqual(sorted(registry.processes()));
    expect(sorted(Object.keys(PLAN_START))).toEqual(sorted(registry.processes()));
    for (const p of listed as unknown as {
      process: string;
      events: { type: string; policy: PolicyRule[] }[];
      start: PolicyRule[];
    }[]) {
      const def: WorkflowDefinition = registry.latest(p.process);
      expect(p.start).toEqual(def.startPolicy);
      expect(p.events.map((e) => e.type)).toEqual(Object.keys(def.events));
      for (const e of p.events) expect(e.policy).toEqual(def.policy[e.type] ?? []);
      // One scenario per event type, and one plan row per event type.
      expect(sorted(EVENT_SCENARIOS.filter((s) => s.process === p.process).map((s) => s.type))).toEqual(
        sorted(p.events.map((e) => e.type)),
      );
      expect(sorted(Object.keys(PLAN_EVENTS[p.process]))).toEqual(sorted(p.events.map((e) => e.type)));
    }
  });

  it('START: every (process, account) — 201 iff the start policy allows, else 403 and nothing appended', async () => {
    const disagreements: string[] = [];
    const wrong: string[] = [];
    for (const process of registry.processes()) {
      const def = registry.latest(process);
      const rows = ACCOUNTS.map((u) => ({
        u,
        engine: mayStart(def, actorOf(u)),
        plan: PLAN_START[process].includes(u),
        readOnly: u === 'auditor',
      }));
      for (const r of rows) {
        if (r.engine !== r.plan) disagreements.push(`${process} start ${r.u}: engine=${r.engine} plan=${r.plan}`);
      }
      const forbidden = rows.filter((r) => r.readOnly || !r.engine);
      const allowed = rows.filter((r) => !r.readOnly && r.engine);
      matrix.startTried += rows.length;
      matrix.startForbidden += forbidden.length;
      matrix.startAllowed += allowed.length;

      // Refusals alone, so the head of the log must not move.
      const before = await headPosition();
      const refused = await Promise.all(
        forbidden.map(async (r) => ({
          r,
          res: await t.http().post('/cases').set(as(r.u)).send({ process, input: START[process].input() }),
        })),
      );
      for (const { r, res } of refused) {
        const code = r.readOnly ? 'CASE.READ_ONLY' : 'CASE.FORBIDDEN';
        if (res.status !== 403 || res.body.code !== code) {
          wrong.push(`${process} start by ${r.u}: expected 403 ${code}, got ${res.status} ${res.text}`);
        }
      }
      const after = await headPosition();
      if (after !== before) wrong.push(`${process}: refused starts moved the head of the log ${before} → ${after}`);

      const opened = await Promise.all(
        allowed.map(async (r) => ({
          r,
          res: await t.http().post('/cases').set(as(r.u)).send({ process, input: START[process].input() }),
        })),
      );
      for (const { r, res } of opened) {
        if (res.status !== 201 || res.body.startedBy?.id !== personId(r.u) || res.body.revision !== 0) {
          wrong.push(`${process} start by ${r.u}: expected 201 started by ${personId(r.u)}, got ${res.status}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(wrong).toEqual([]);
  });

  it('EVENTS: every (process, event, account) — allowed ones succeed, forbidden ones are 403 and append nothing', async () => {
    const disagreements: string[] = [];
    const wrong: string[] = [];
    await inPool(EVENT_SCENARIOS, 4, async (s) => {
      const def = registry.latest(s.process);
      // A process nobody may open by hand (only effects) cannot be driven over HTTP.
      if (!ACCOUNTS.some((u) => u !== 'auditor' && mayStart(def, actorOf(u)))) {
        matrix.skipped.push(
          `${s.process} ${s.type}: no user may open a ${s.process} case (start policy), so none is driven`,
        );
        return;
      }
      if (!mayStart(def, actorOf(s.starter)))
        throw new Error(`${s.starter} may not open ${s.process}: fix the fixture`);
      // One case for every refusal (nothing changes it), a fresh one for every success.
      const shared = await prepare(s);
      const state = caseStateOf(shared);
      const rows = ACCOUNTS.map((u) => ({
        u,
        engine: isAllowed(def, state, s.type, actorOf(u)),
        plan: PLAN_EVENTS[s.process][s.type].includes(u),
        readOnly: u === 'auditor',
      }));
      for (const r of rows) {
        if (r.engine !== r.plan) disagreements.push(`${s.process} ${s.type} ${r.u}`);
      }
      const forbidden = rows.filter((r) => r.readOnly || !r.engine);
      const guarded = rows.filter((r) => !r.readOnly && r.engine && !r.plan);
      const allowed = rows.filter((r) => !r.readOnly && r.engine && r.plan);
      matrix.eventTried += rows.length;
      matrix.eventForbidden += forbidden.length;
      matrix.eventGuardRefused += guarded.length;
      matrix.eventAllowed += allowed.length;
      const where = `${s.process}.${s.state}`;

      const before = (await history(shared.id)).length;
      const refused = await Promise.all(
        forbidden.map(async (r) => ({ r, res: await send(shared.id, r.u, s.type, s.data()) })),
      );
      for (const { r, res } of refused) {
        const code = r.readOnly ? 'CASE.READ_ONLY' : 'CASE.FORBIDDEN';
        if (res.status !== 403 || res.body.code !== code) {
          wrong.push(`${where} ${s.type} by ${r.u}: expected 403 ${code}, got ${res.status} ${res.text}`);
        }
      }
      const after = (await history(shared.id)).length;
      if (after !== before) wrong.push(`${where} ${s.type}: refused attempts appended ${after - before} event(s)`);

      await Promise.all([
        // Permitted by the policy but not by the plan (the machine's guard must turn them down).
        ...guarded.map(async (r) => {
          const fresh = await prepare(s);
          const res = await send(fresh.id, r.u, s.type, s.data());
          const length = (await history(fresh.id)).length;
          if (res.status !== 409 || res.body.code !== 'CASE.EVENT_NOT_ALLOWED' || length !== fresh.revision + 1) {
            wrong.push(`${where} ${s.type} by ${r.u}: expected 409 and nothing appended, got ${res.status}`);
          }
        }),
        ...allowed.map(async (r) => {
          const fresh = await prepare(s);
          const res = await send(fresh.id, r.u, s.type, s.data());
          if (res.status !== 200 || res.body.revision !== fresh.revision + 1) {
            wrong.push(`${where} ${s.type} by ${r.u}: expected 200, got ${res.status} ${res.text}`);
            return;
          }
          const events = await history(fresh.id);
          const last = events[events.length - 1];
          if (events.length !== fresh.revision + 2 || last.type !== s.type || last.actor.id !== personId(r.u)) {
            wrong.push(`${where} ${s.type} by ${r.u}: the history does not end with their ${s.type}`);
          }
        }),
      ]);
    });
    expect(sorted(disagreements)).toEqual(sorted(GUARDED));
    expect(wrong).toEqual([]);
  });

  it('engine-only event types (DEADLINE_MISSED, EFFECT_SUCCEEDED, CASE_STARTED) are refused to every user, nothing appended', async () => {
    const c = await prepare(scenarioInState('leaveApproval', 'awaitingChiefApproval'));
    const wrong: string[] = [];
    await Promise.all(
      ACCOUNTS.flatMap((u) =>
        ['DEADLINE_MISSED', 'EFFECT_SUCCEEDED', 'CASE_STARTED'].map(async (type) => {
          const res = await send(c.id, u, type, {});
          const expected = u === 'auditor' ? 403 : 400;
          if (res.status !== expected) wrong.push(`${type} by ${u}: expected ${expected}, got ${res.status}`);
        }),
      ),
    );
    expect(wrong).toEqual([]);
    expect((await history(c.id)).length).toBe(1);
  });

  describe('nextEvents: GET /cases/:id offers the caller only what they may send now', () => {
    const STATES: [string, string][] = [
      ['leaveApproval', 'awaitingChiefApproval'],
      ['leaveApproval', 'cleared'],
      ['leaveApproval', 'away'],
      ['returnScreening', 'underObservation'],
      ['feverEscalation', 'atClinic'],
      ['supervisionInspection', 'rectificationOrdered'],
      ['supervisionInspection', 'awaitingVerification'],
      ['accountabilityReview', 'open'],
      ['accountabilityReview', 'underReview'],
      ['dutyReport', 'awaitingTriage'],
    ];
    interface Seen {
      where: string;
      u: string;
      status: number;
      nextEvents: string[];
      expected: string[];
    }
    const seen: Seen[] = [];

    beforeAll(async () => {
      const cases: { where: string; view: View }[] = await Promise.all(
        STATES.map(async ([process, state]) => ({
          where: `${process}.${state}`,
          view: await prepare(scenarioInState(process, state)),
        })),
      );
      // A closed case offers nothing to anybody.
      const rejected = await prepare(scenarioInState('leaveApproval', 'awaitingChiefApproval'));
      const closed = await send(rejected.id, 'chief', 'REJECT', PAYLOADS.REJECT());
      expect(closed.status).toBe(200);
      cases.push({ where: 'leaveApproval.rejected', view: closed.body });
      await Promise.all(
        cases.flatMap(({ where, view }) =>
          ACCOUNTS.map(async (u) => {
            const res = await get(u, `/cases/${view.id}`);
            const process = where.split('.')[0];
            seen.push({
              where,
              u,
              status: res.status,
              nextEvents: res.body.nextEvents ?? [],
              expected: ACCEPTS[where].filter((type) => PLAN_EVENTS[process][type].includes(u)),
            });
          }),
        ),
      );
    });

    it('for every account that can read the case, nextEvents is exactly the accepted events the plan lets them send', () => {
      // The subject of a review is left to the next test (a known app bug).
      const readers = seen.filter(
        (s) => s.status === 200 && !(s.where.startsWith('accountabilityReview') && s.u === 'basics-head'),
      );
      expect(seen.every((s) => s.status === 200 || s.status === 404)).toBe(true);
      // Not vacuous: most of the comparisons offer the reader something.
      expect(readers.filter((s) => s.expected.length > 0).length).toBeGreaterThan(50);
      const wrong = readers
        .filter((s) => sorted(s.nextEvents).join() !== sorted(s.expected).join())
        .map(
          (s) =>
            `${s.where} as ${s.u}: nextEvents ${JSON.stringify(s.nextEvents)}, expected ${JSON.stringify(s.expected)}`,
        );
      expect(wrong).toEqual([]);
      // Auditors read everything and are offered nothing.
      expect(seen.filter((s) => s.u === 'auditor').map((s) => [s.status, s.nextEvents])).toEqual(
        Array.from({ length: STATES.length + 1 }, () => [200, []]),
      );
      expect(
        seen
          .filter((s) => s.where === 'leaveApproval.rejected' && s.status === 200)
          .every((s) => s.nextEvents.length === 0),
      ).toBe(true);
    });

    // nextEvents comes from the policy, not the guards: the subject of a review, a leadership member,
    // must not be offered ASSIGN_REVIEWER (the policy excludes the subject).
    it('the subject of a review is not offered ASSIGN_REVIEWER (they cannot send it)', () => {
      const subject = seen.filter((s) => s.where.startsWith('accountabilityReview') && s.u === 'basics-head');
      expect(subject.map((s) => [s.where, s.status, s.nextEvents])).toEqual([
        ['accountabilityReview.open', 200, []],
        ['accountabilityReview.underReview', 200, []],
      ]);
    });

    // The read scope counts the people a case names as working on it (`involvedOf`: inspectors, the
    // reviewer), so an inspector who may act on an inspection can read it.
    it('whoever may send an event to a case now can read it', () => {
      const blind = seen
        .filter((s) => s.expected.length > 0 && s.status !== 200)
        .map((s) => `${s.where}: ${s.u} may send ${s.expected.join(', ')} but GET is ${s.status}`);
      expect(blind).toEqual([]);
    });
  });

  describe('read scope: single reads and lists', () => {
    const ids: Record<string, string> = {};
    let minPosition = '0';

    const listed = async (u: string, id: string): Promise<boolean> => {
      const res = await get(u, `/cases?q=${id}&minPosition=${minPosition}&pageSize=100`);
      expect(res.status).toBe(200);
      expect(res.body.stale).toBe(false);
      return (res.body.items as { id: string }[]).some((item) => item.id === id);
    };
    const readable = async (u: string, id: string): Promise<boolean> => {
      const res = await get(u, `/cases/${id}`);
      if (res.status !== 200 && res.status !== 404) throw new Error(`GET ${id} as ${u}: ${res.status}`);
      return res.status === 200;
    };

    beforeAll(async () => {
      const outsider = (id: string, name: string) => ({ id, name });
      const [a, b, i1, i2, i3, f1, d1, r1, s1] = await Promise.all([
        open('leaveApproval', 'staff', leaveApplication()),
        open('leaveApproval', 'staff2', leaveApplication({ applicant: PEOPLE.staff2 })),
        // An inspection of ent-chem whose head on site is not in the directory: only the unit scope reaches it.
        open(
          'supervisionInspection',
          'hazchem-head',
          inspectionPlan({
            inspectors: [PEOPLE.hazchemHead, PEOPLE.prevention],
            unitHead: outsider('x-ent-chem-safety', '企业安全员（外部）'),
          }),
        ),
        // Another enterprise: not enterprise-head's.
        open(
          'supervisionInspection',
          'hazchem-head',
          inspectionPlan({
            target: { unitId: 'ent-mine', name: '演示非煤矿山有限公司', kind: 'enterprise' },
            sector: 'nonCoalMine',
            inspectors: [PEOPLE.hazchemHead, PEOPLE.prevention],
            unitHead: outsider('x-ent-mine-head', '非煤矿山负责人（外部）'),
          }),
        ),
        // enterprise-head is the subject.
        open('supervisionInspection', 'hazchem-head', inspectionPlan()),
        // A fever of a worker of ent-chem who is not in the directory.
        open('feverEscalation', 'prevention', feverDetection({ person: { name: '外包工人', unit: 'ent-chem' } })),
        open('dutyReport', 'duty', START.dutyReport.input()),
        open('accountabilityReview', 'chief', START.accountabilityReview.input()),
        open('returnScreening', 'office', screeningInput({ person: PEOPLE.staff2 })),
      ]);
      Object.assign(ids, {
        a: a.id,
        b: b.id,
        i1: i1.id,
        i2: i2.id,
        i3: i3.id,
        f1: f1.id,
        d1: d1.id,
        r1: r1.id,
        s1: s1.id,
      });
      minPosition = await headPosition();
    });

    it("staff see their own case, not staff2's: 404 on the single read and the history, absent from the list", async () => {
      expect(await readable('staff', ids.a)).toBe(true);
      expect(await readable('staff', ids.b)).toBe(false);
      expect((await get('staff', `/cases/${ids.b}/history`)).status).toBe(404);
      expect(await listed('staff', ids.a)).toBe(true);
      expect(await listed('staff', ids.b)).toBe(false);
      expect(await readable('staff2', ids.b)).toBe(true);
      expect(await readable('staff2', ids.a)).toBe(false);
      expect(await readable('staff2', ids.s1)).toBe(true); // the returnee of s1
      // staff's whole leave list: only cases about them or opened by them.
      const res = await get('staff', `/cases?process=leaveApproval&minPosition=${minPosition}&pageSize=100`);
      const items = res.body.items as { id: string; subject: { id: string }; startedBy: { id: string } }[];
      expect(items.length).toBeGreaterThan(0);
      expect(items.filter((c) => c.subject.id !== 'p-staff' && c.startedBy.id !== 'p-staff')).toEqual([]);
      expect(items.map((c) => c.id)).not.toContain(ids.b);
    });

    it("the head of an enterprise sees the cases about it (unit-head scope), not another enterprise's nor staff's", async () => {
      const expected = { a: false, b: false, i1: true, i2: false, i3: true, f1: true, d1: false, r1: false, s1: false };
      const got: Record<string, [boolean, boolean]> = {};
      for (const key of Object.keys(expected)) {
        got[key] = [await readable('enterprise-head', ids[key]), await listed('enterprise-head', ids[key])];
      }
      expect(got).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [v, v]])));
      // A leadership member who heads an office sees everything (not only hazchem's).
      for (const key of Object.keys(expected)) expect(await readable('hazchem-head', ids[key])).toBe(true);
    });

    it('auditors read and list every case; every write of theirs was 403 in the matrix', async () => {
      for (const id of Object.values(ids)) {
        expect(await readable('auditor', id)).toBe(true);
        expect(await listed('auditor', id)).toBe(true);
      }
      const res = await get('auditor', `/cases?minPosition=${minPosition}&pageSize=1`);
      const chief = await get('chief', `/cases?minPosition=${minPosition}&pageSize=1`);
      expect(res.body.total).toBe(chief.body.total);
      // A write now too (the matrix covered every event and start).
      expect((await send(ids.d1, 'auditor', 'TRIAGE', PAYLOADS.TRIAGE())).body.code).toBe('CASE.READ_ONLY');
    });

    it('list and single read agree for every account over a handful of cases', async () => {
      const disagree: string[] = [];
      await Promise.all(
        ACCOUNTS.flatMap((u) =>
          Object.entries(ids).map(async ([key, id]) => {
            const [single, list] = await Promise.all([readable(u, id), listed(u, id)]);
            if (single !== list) disagree.push(`${u} ${key} (${id}): GET ${single ? 200 : 404}, list ${list}`);
          }),
        ),
      );
      expect(disagree).toEqual([]);
    });
  });
});
