import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../apps/worker/src/testing/harness';
import {
  dutyReportInput,
  fromNow,
  inspectionPlan,
  leaveApplication,
  now,
  PEOPLE,
  PAYLOADS,
} from '../support/fixtures/policy-scenarios';
import { type CaseViewBody, findNode, type HistoryEvent, ScenarioDriver, treeShape } from '../support/scenario-driver';
import { type TestApp, startTestApp } from '../support/test-app';
import { UpwardReceiver } from '../support/upward-receiver';

/**
 * Issue 6, section 3: the six end-to-end scenarios, through HTTP, with the
 * dispatcher and workers running in the app (as `npm start` runs them), real
 * Redis and SQLite. Each scenario logs in as the demo accounts who act, and
 * ends by checking every case it touched: the history verifies (hash chain
 * and replay), the case rebuilt at its last revision is the case now, and
 * the links (section 2: the view's parent/children and `GET /cases/:id/links`)
 * are right.
 *
 * Two apps, started together: scenarios 1–5 share one with the deployment's
 * deadlines (5 sets its own short rectification deadline in the findings);
 * scenario 6 has its own, whose deadlines file gives the chief 3 seconds.
 * Shared-app scenarios look only at their own cases (inbox items and
 * inaction entries are picked by case id).
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Scenario 6: how long the chief has (the deadlines file's override). */
const CHIEF_DEADLINE_S = 3;
/** Scenario 5: the rectification deadline the inspectors set. */
const RECTIFICATION_MS = 3 * SECOND;

/** A trip out of the city (东胜区 → 呼和浩特市新城区), not in the risk-area register. */
const OUT_OF_TOWN = { placeCode: '150102', name: '呼和浩特市新城区' };

describe('end-to-end scenarios (issue 6 §3)', () => {
  let dir: string;
  let upward: UpwardReceiver;
  let main: TestApp;
  let late: TestApp;
  let d: ScenarioDriver;
  let d6: ScenarioDriver;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pwe-scenarios-'));
    const deadlinesFile = join(dir, 'deadlines.yaml');
    writeFileSync(deadlinesFile, `leaveApproval:\n  awaitingChiefApproval: PT${CHIEF_DEADLINE_S}S\n`);
    upward = await new UpwardReceiver().start();
    const fast = { EFFECT_BACKOFF_MS: '50', RECONCILE_INTERVAL_MS: '0' };
    [main, late] = await Promise.all([
      startTestApp({
        withWorker: true,
        env: { ...fast, REPORT_UPWARD_URL: upward.url, REPORT_UPWARD_SECRET: upward.secret },
      }),
      startTestApp({ withWorker: true, env: { ...fast, DEADLINES_FILE: deadlinesFile } }),
    ]);
    d = new ScenarioDriver(main);
    d6 = new ScenarioDriver(late);
  });

  afterAll(async () => {
    await Promise.all([main?.close(), late?.close()]);
    await upward?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Scenarios 1 and 2 up to the screening case: request, approval, filing, departure, return. */
  async function tripAndReturn(driver: ScenarioDriver): Promise<{ trip: CaseViewBody; screeningId: string }> {
    const trip = await driver.start(
      'staff',
      'leaveApproval',
      leaveApplication({ destination: OUT_OF_TOWN, departAt: fromNow(MINUTE), returnAt: fromNow(3 * DAY) }),
    );
    expect(trip.states).toEqual(['awaitingChiefApproval']);
    expect(trip.context.request.leavesCity).toBe(true);
    expect((await driver.view(trip.id, 'chief')).nextEvents).toEqual(expect.arrayContaining(['APPROVE', 'REJECT']));

    expect((await driver.send(trip.id, 'chief', 'APPROVE', PAYLOADS.APPROVE())).states).toEqual([
      'awaitingOfficeFiling',
    ]);
    expect((await driver.send(trip.id, 'office', 'FILE', PAYLOADS.FILE())).states).toEqual(['cleared']);
    expect((await driver.send(trip.id, 'staff', 'DEPART', { at: now() })).states).toEqual(['away']);
    const returned = await driver.send(trip.id, 'staff', 'RETURN', { at: now() });
    expect(returned.states).toEqual(['returned']);
    expect(returned.status).toBe('done');

    const history = (await driver.history(trip.id)).filter(isCommand);
    expect(history.map(typeAndActor)).toEqual([
      ['CASE_STARTED', 'p-staff'],
      ['APPROVE', 'p-chief'],
      ['FILE', 'p-office'],
      ['DEPART', 'p-staff'],
      ['RETURN', 'p-staff'],
    ]);
    const returnEvent = history[4];
    expect(returnEvent.effects).toEqual([
      expect.objectContaining({
        kind: 'startCase',
        params: expect.objectContaining({ process: 'returnScreening' }),
      }),
    ]);

    // The worker opens the screening case; the request does not.
    const screeningId = await driver.waitForChild(trip.id, 'returnScreening');
    const screening = await driver.view(screeningId, 'staff');
    expect(screening.states).toEqual(['awaitingReport']);
    expect(screening.context).toMatchObject({
      person: { id: 'p-staff' },
      tripCaseId: refersTo(trip.id),
      sourceCaseId: refersTo(trip.id),
      sourceProcess: 'leaveApproval',
      fromPlace: OUT_OF_TOWN,
      returnedAt: returnEvent.data.at,
    });
    recorded.push(
      ['returnScreening.tripCaseId', screening.context.tripCaseId, trip.id],
      ['returnScreening.sourceCaseId', screening.context.sourceCaseId, trip.id],
    );
    expect(screening.nextEvents).toEqual(expect.arrayContaining(['REPORT_CONTACT_HISTORY']));
    const opened = (await driver.history(screeningId))[0];
    expect(opened).toMatchObject({ type: 'CASE_STARTED', actor: { id: 'system:effects' } });
    expect(opened.causationId).toBe(returnEvent.id);

    // Contact history reported to both the community and the office, no exposure.
    const reported = await driver.send(
      screeningId,
      'staff',
      'REPORT_CONTACT_HISTORY',
      PAYLOADS.REPORT_CONTACT_HISTORY(),
    );
    expect(reported.states).toEqual(['awaitingTemperature']);
    return { trip: returned, screeningId };
  }

  it('1. leave the city: approved, filed, away, back; screening; contact history; 36.6 °C → cleared for work', async () => {
    const { trip, screeningId } = await tripAndReturn(d);

    const cleared = await d.send(screeningId, 'staff', 'RECORD_TEMPERATURE', { celsius: 36.6, measuredAt: now() });
    expect(cleared.states).toEqual(['clearedForWork']);
    expect(cleared.status).toBe('done');
    expect(cleared.context.temperatures).toEqual([expect.objectContaining({ celsius: 36.6 })]);
    expect(cleared.context.fever).toBeNull();
    expect(await d.commandTypes(screeningId)).toEqual(['CASE_STARTED', 'REPORT_CONTACT_HISTORY', 'RECORD_TEMPERATURE']);
    // No fever: the screening asked for nothing.
    expect((await d.history(screeningId)).flatMap((event) => event.effects ?? [])).toEqual([]);

    await d.expectIntact(trip.id);
    await d.expectIntact(screeningId);
    await d.expectLinks(trip.id, { parent: null, children: [screeningId] });
    await d.expectLinks(screeningId, { parent: trip.id, children: [] });
    expect(treeShape((await d.links(screeningId)).root)).toEqual({
      process: 'leaveApproval',
      states: ['returned'],
      children: [{ process: 'returnScreening', states: ['clearedForWork'] }],
    });
  });

  it('2. the same, but 37.3 °C → fever escalation; transfer; consultation excluded → cleared', async () => {
    const { trip, screeningId } = await tripAndReturn(d);

    const measuredAt = now();
    const fever = await d.send(screeningId, 'staff', 'RECORD_TEMPERATURE', { celsius: 37.3, measuredAt });
    expect(fever.states).toEqual(['feverEscalated']);
    expect(fever.status).toBe('done');
    expect(fever.context.fever).toEqual({ celsius: 37.3, measuredAt });

    const feverId = await d.waitForChild(screeningId, 'feverEscalation');
    const opened = await d.view(feverId, 'prevention');
    expect(opened.states).toEqual(['awaitingTransfer']);
    expect(opened.context).toMatchObject({
      person: { id: 'p-staff' },
      celsius: 37.3,
      detectedAt: measuredAt,
      source: 'screening',
      sourceCaseId: refersTo(screeningId),
    });
    recorded.push(['feverEscalation.sourceCaseId (from a screening)', opened.context.sourceCaseId, screeningId]);
    // The transfer deadline runs from the measurement, not from when the worker opened the case.
    expect(opened.deadlines).toEqual([
      expect.objectContaining({
        state: 'awaitingTransfer',
        dueAt: new Date(Date.parse(measuredAt) + 2 * HOUR).toISOString(),
        responsible: { group: 'prevention' },
      }),
    ]);
    expect(opened.nextEvents).toEqual(['TRANSFER_TO_CLINIC']);
    // The prevention group is told at once.
    await d.waitForInbox(
      'prevention',
      'feverEscalation.detected',
      (item) => item.caseId === feverId && item.template === 'feverEscalation.detected',
    );

    const atClinic = await d.send(feverId, 'prevention', 'TRANSFER_TO_CLINIC', PAYLOADS.TRANSFER_TO_CLINIC());
    expect(atClinic.states).toEqual(['atClinic']);
    const cleared = await d.send(feverId, 'prevention', 'RECORD_CONSULTATION', {
      outcome: 'excluded',
      experts: ['专家甲', '专家乙'],
      notes: '排除新冠肺炎，普通上呼吸道感染',
      celsius: 36.8,
    });
    expect(cleared.states).toEqual(['cleared']);
    expect(cleared.status).toBe('done');
    expect(cleared.context.outcome).toBe('excluded');
    expect(await d.commandTypes(feverId)).toEqual(['CASE_STARTED', 'TRANSFER_TO_CLINIC', 'RECORD_CONSULTATION']);
    // Excluded: nothing is reported upward.
    expect(upward.received.filter((r) => r.body?.caseId === feverId)).toEqual([]);

    for (const id of [trip.id, screeningId, feverId]) await d.expectIntact(id);
    await d.expectLinks(trip.id, { parent: null, children: [screeningId] });
    await d.expectLinks(screeningId, { parent: trip.id, children: [feverId] });
    await d.expectLinks(feverId, { parent: screeningId, children: [] });
    // The person sees their own chain of cases too.
    await d.expectLinks(screeningId, { parent: trip.id, children: [feverId] }, 'staff');
    await d.expectLinks(feverId, { parent: screeningId, children: [] }, 'staff');
    expect(treeShape((await d.links(feverId)).root)).toEqual({
      process: 'leaveApproval',
      states: ['returned'],
      children: [
        {
          process: 'returnScreening',
          states: ['feverEscalated'],
          children: [{ process: 'feverEscalation', states: ['cleared'] }],
        },
      ],
    });
  });

  it('3. a request to a high-risk destination is refused at once, with the reason, and opens nothing', async () => {
    const place = { placeCode: '420106', name: '武汉市武昌区' };
    const put = await main
      .http()
      .put(`/risk-areas/${place.placeCode}`)
      .set(await d.headers('office'))
      .send({ level: 'high', name: place.name, effectiveFrom: fromNow(-MINUTE) });
    expect(put.status).toBe(200);

    // Retirees are bound by the rule as much as staff (干部职工、离退休人员).
    const refused = await d.start(
      'retiree',
      'leaveApproval',
      leaveApplication({
        applicant: { id: 'p-retiree', name: '离退休人员（演示）', unit: 'office' },
        destination: place,
        departAt: fromNow(DAY),
        returnAt: fromNow(3 * DAY),
      }),
    );
    expect(refused.states).toEqual(['refused']);
    expect(refused.status).toBe('done');
    expect(refused.revision).toBe(0);
    expect(refused.nextEvents).toEqual([]);
    expect(refused.deadlines).toEqual([]);
    expect(refused.context.refusal).toMatchObject({ level: 'high' });
    expect(refused.context.refusal.reason).toContain('中高风险地区禁止外出');
    expect(refused.context.refusal.reason).toContain(place.name);
    expect(refused.context.refusal.reason).toContain('high');
    // The applicant sees the reason on their own case.
    const ownView = await d.view(refused.id, 'retiree');
    expect(ownView.context.refusal.reason).toBe(refused.context.refusal.reason);
    expect(ownView.nextEvents).toEqual([]);

    // Opens nothing: one event, asking for no effect and arming no timer; no child in the index.
    const history = await d.history(refused.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ type: 'CASE_STARTED', actor: { id: 'p-retiree' }, effects: [] });
    expect((history[0] as HistoryEvent & { timers?: unknown[] }).timers ?? []).toEqual([]);
    const list = await main
      .http()
      .get(`/cases?process=leaveApproval&state=refused&minPosition=${refused.position}`)
      .set(await d.headers('auditor'));
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toContain(refused.id);
    expect(list.body.items.find((item: { id: string }) => item.id === refused.id).children ?? []).toEqual([]);

    await d.expectIntact(refused.id);
    await d.expectLinks(refused.id, { parent: null, children: [] });
    expect((await d.links(refused.id, 'auditor', refused.position)).root).toMatchObject({
      id: refused.id,
      children: [],
    });
  });

  it('4. duty line: unexplained high fever → triage → fever escalation → suspected, isolated → confirmed, reported upward (signed)', async () => {
    const report = await d.start('duty', 'dutyReport', dutyReportInput({ receivedAt: fromNow(-5 * MINUTE) }));
    expect(report.states).toEqual(['awaitingTriage']);
    expect(report.context.kind).toBe('highFeverUnknownCause');

    const detectedAt = fromNow(-4 * MINUTE);
    const triaged = await d.send(report.id, 'duty', 'TRIAGE', {
      action: 'feverEscalation',
      reason: '不明原因高热，立即转发热处置',
      celsius: 39.2,
      detectedAt,
      person: { name: '王某' },
    });
    expect(triaged.states).toEqual(['escalated']);
    expect(triaged.status).toBe('done');

    const feverId = await d.waitForChild(report.id, 'feverEscalation');
    const opened = await d.view(feverId, 'prevention');
    expect(opened.states).toEqual(['awaitingTransfer']);
    expect(opened.context).toMatchObject({
      person: { name: '王某' },
      celsius: 39.2,
      detectedAt,
      source: 'dutyReport',
      sourceCaseId: refersTo(report.id),
      place: report.context.subject.place,
    });
    recorded.push(['feverEscalation.sourceCaseId (from a duty report)', opened.context.sourceCaseId, report.id]);
    expect(opened.deadlines[0].dueAt).toBe(new Date(Date.parse(detectedAt) + 2 * HOUR).toISOString());

    expect((await d.send(feverId, 'prevention', 'TRANSFER_TO_CLINIC', PAYLOADS.TRANSFER_TO_CLINIC())).states).toEqual([
      'atClinic',
    ]);
    const isolated = await d.send(feverId, 'prevention', 'RECORD_CONSULTATION', {
      outcome: 'suspected',
      experts: ['专家甲', '专家乙', '专家丙'],
      notes: '疑似病例，立即隔离',
    });
    expect(isolated.states).toEqual(['isolated']);
    expect(isolated.context.isolatedAt).toEqual(expect.any(String));
    const confirmed = await d.send(feverId, 'prevention', 'RECORD_CONSULTATION', {
      outcome: 'confirmed',
      experts: ['专家甲', '专家乙', '专家丙'],
      notes: '核酸检测阳性，确诊',
    });
    expect(confirmed.states).toEqual(['confirmed']);
    expect(confirmed.status).toBe('done');
    expect(confirmed.context.outcome).toBe('confirmed');

    // Both the suspected case and the confirmation are reported upward (reportUpward effects).
    const history = await d.history(feverId);
    const reports = history.flatMap((event) => (event.effects ?? []).filter((e) => e.kind === 'reportUpward'));
    expect(reports.map((effect) => effect.params.report)).toEqual([
      'feverEscalation.suspected',
      'feverEscalation.confirmed',
    ]);

    // The superior authority's receiver got each report, signed with the shared secret.
    const received = await waitFor(
      'both reports at the upward receiver',
      () => {
        const mine = upward.received.filter((r) => r.body?.caseId === feverId);
        return new Set(mine.map((r) => r.body.effectId)).size >= 2 ? mine : undefined;
      },
      20_000,
      100,
    );
    expect(received.every((r) => r.signatureValid)).toBe(true);
    for (const r of received) {
      expect(r.headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(upward.verify(r.raw, r.headers['x-signature'])).toBe(true);
      expect(r.headers['x-effect-id']).toBe(r.body.effectId);
      expect(r.headers['idempotency-key']).toBe(r.body.effectId);
      expect(r.headers['content-type']).toContain('application/json');
    }
    const byReport = new Map(received.map((r) => [r.body.report as string, r.body]));
    expect([...byReport.keys()].sort()).toEqual(['feverEscalation.confirmed', 'feverEscalation.suspected']);
    for (const effect of reports) {
      expect(byReport.get(effect.params.report)).toMatchObject({
        effectId: effect.id,
        caseId: feverId,
        report: effect.params.report,
        data: { caseId: refersTo(feverId), source: 'dutyReport', sourceCaseId: refersTo(report.id), celsius: 39.2 },
      });
    }
    const confirmedReport = byReport.get('feverEscalation.confirmed')!;
    recorded.push(
      ['reportUpward body data.caseId', confirmedReport.data.caseId, feverId],
      ['reportUpward body data.sourceCaseId', confirmedReport.data.sourceCaseId, report.id],
    );
    expect(byReport.get('feverEscalation.confirmed')!.data.outcome).toBe('confirmed');
    expect(byReport.get('feverEscalation.suspected')!.data.outcome).toBe('suspected');
    // A signature made with another secret would not pass.
    expect(
      new UpwardReceiver('another-secret-0123456789').verify(received[0].raw, received[0].headers['x-signature']),
    ).toBe(false);

    // The case records each delivery as done (the receiver's 200).
    const settled = await d.settled(feverId);
    expect(settled.incidents).toEqual([]);
    const outcomes = (await d.history(feverId)).filter((event) => event.type === 'EFFECT_SUCCEEDED');
    for (const effect of reports) {
      expect(outcomes.find((event) => event.data.effectId === effect.id)?.data.result).toEqual({ status: 200 });
    }

    for (const id of [report.id, feverId]) await d.expectIntact(id);
    await d.expectLinks(report.id, { parent: null, children: [feverId] });
    await d.expectLinks(feverId, { parent: report.id, children: [] });
    expect(treeShape((await d.links(feverId)).root)).toEqual({
      process: 'dutyReport',
      states: ['escalated'],
      children: [{ process: 'feverEscalation', states: ['confirmed'] }],
    });
  });

  it('5. hazardous-chemicals inspection: two problems, a short rectification deadline missed → DEADLINE_MISSED names the unit head → accountability review → assigned → decided', async () => {
    const inspection = await d.start(
      'hazchem-head',
      'supervisionInspection',
      inspectionPlan({ plannedDate: fromNow(HOUR) }),
    );
    expect(inspection.states).toEqual(['planned']);
    expect(inspection.context).toMatchObject({
      target: { unitId: 'ent-chem', kind: 'enterprise' },
      sector: 'hazardousChemicals',
      unitHead: { id: 'p-enterprise-head' },
    });
    expect((await d.send(inspection.id, 'prevention', 'START', PAYLOADS.START())).states).toEqual(['inProgress']);

    const problems = [
      { item: 'masks', description: '车间部分人员未佩戴口罩' },
      { item: 'servingChopsticks', description: '职工食堂未使用公筷公勺' },
    ];
    const deadline = fromNow(RECTIFICATION_MS);
    const ordered = await d.send(inspection.id, 'prevention', 'RECORD_FINDINGS', {
      checklist: [
        'codeScanAndTemperature',
        'masks',
        'distancing',
        'servingChopsticks',
        'officeCleaning',
        'vehicleCleaning',
        'protectiveSupplies',
        'movementRegister',
        'staffGuidance',
      ].map((item) => ({ item, ok: item !== 'masks' && item !== 'servingChopsticks' })),
      problems,
      rectificationDeadline: deadline,
    });
    expect(ordered.states).toEqual(['rectificationOrdered']);
    expect(ordered.context.findings.problems).toEqual(problems);
    expect(ordered.context.rectification).toMatchObject({
      round: 1,
      deadline,
      responsible: { id: 'p-enterprise-head' },
    });
    expect(ordered.deadlines).toEqual([
      expect.objectContaining({ state: 'rectificationOrdered', dueAt: new Date(deadline).toISOString() }),
    ]);
    // The unit head is told what to rectify, and by when.
    await d.waitForInbox(
      'enterprise-head',
      'the rectification order',
      (item) => item.caseId === inspection.id && item.template === 'supervisionInspection.rectificationOrdered',
    );

    // Nobody submits: the deadline passes.
    const missed = await d.waitForEvent(inspection.id, 'DEADLINE_MISSED', (event) => event.type === 'DEADLINE_MISSED');
    expect(missed.actor.id).toBe('system:timer');
    expect(missed.data).toMatchObject({
      state: 'rectificationOrdered',
      responsible: { person: 'rectification.responsible.id' },
      heldBy: { person: 'p-enterprise-head' },
      dueAt: new Date(deadline).toISOString(),
    });
    expect(missed.data.lateByMs).toBeGreaterThanOrEqual(0);
    // The machine's reaction (open a review against the unit head), then the engine's escalation.
    expect(missed.effects).toEqual([
      expect.objectContaining({
        kind: 'startCase',
        params: expect.objectContaining({
          process: 'accountabilityReview',
          input: expect.objectContaining({
            subject: { id: 'p-enterprise-head', name: PEOPLE.enterpriseHead.name, unit: 'ent-chem' },
            reason: 'rectificationOverdue',
            sourceCaseId: refersTo(inspection.id),
          }),
        }),
      }),
      expect.objectContaining({
        kind: 'notify',
        params: expect.objectContaining({ to: [{ unitHeadOf: 'p-enterprise-head' }], template: 'deadline.missed' }),
      }),
    ]);
    // The case does not move: the rectification is still owed.
    const stillOwed = await d.view(inspection.id, 'enterprise-head');
    expect(stillOwed.states).toEqual(['rectificationOrdered']);
    expect(stillOwed.nextEvents).toEqual(['SUBMIT_RECTIFICATION']);
    expect(stillOwed.overdue).toHaveLength(1);

    // The next level above the enterprise's head (its supervising deputy) is told.
    await d.waitForInbox(
      'deputy2',
      'the escalation',
      (item) => item.caseId === inspection.id && item.template === 'deadline.missed',
    );
    // The accountability report names the unit head.
    const ledger = await d.inaction('chief', { process: 'supervisionInspection', minPosition: missed.position });
    const entry = ledger.items.find((item: { caseId: string }) => item.caseId === inspection.id);
    expect(entry).toMatchObject({
      state: 'rectificationOrdered',
      heldBy: {
        kind: 'person',
        id: 'p-enterprise-head',
        people: [{ id: 'p-enterprise-head', name: PEOPLE.enterpriseHead.name }],
        units: [expect.objectContaining({ id: 'ent-chem' })],
      },
      stillWaiting: true,
    });

    // The accountability review opens (the worker's startCase).
    const reviewId = await d.waitForChild(inspection.id, 'accountabilityReview');
    const review = await d.view(reviewId, 'chief');
    expect(review.states).toEqual(['open']);
    expect(review.context).toMatchObject({
      subject: { id: 'p-enterprise-head', unit: 'ent-chem' },
      reason: 'rectificationOverdue',
      sourceCaseId: refersTo(inspection.id),
      sourceProcess: 'supervisionInspection',
    });
    recorded.push(['accountabilityReview.sourceCaseId', review.context.sourceCaseId, inspection.id]);
    expect(review.nextEvents).toEqual(['ASSIGN_REVIEWER']);
    await d.waitForInbox(
      'deputy',
      'the review opened',
      (item) => item.caseId === reviewId && item.template === 'accountabilityReview.opened',
    );

    // The leadership group (its leader) assigns a reviewer; the reviewer decides with a rationale.
    const assigned = await d.send(reviewId, 'chief', 'ASSIGN_REVIEWER', {
      reviewer: { id: 'p-deputy', name: PEOPLE.deputy.name },
      note: '请副局长审查整改逾期问题',
    });
    expect(assigned.states).toEqual(['underReview']);
    expect(assigned.context.reviewer).toEqual({ id: 'p-deputy', name: PEOPLE.deputy.name });
    // The reviewer decides (a leadership member, the deputy may also re-assign it).
    expect((await d.view(reviewId, 'deputy')).nextEvents).toEqual(expect.arrayContaining(['DECIDE']));
    // The person under review can neither decide nor re-assign their own review.
    expect((await d.view(reviewId, 'enterprise-head')).nextEvents).toEqual([]);
    const decided = await d.send(reviewId, 'deputy', 'DECIDE', {
      decision: 'criticism',
      rationale: '整改逾期，未按期完成防控问题整改，予以批评教育',
    });
    expect(decided.states).toEqual(['decided']);
    expect(decided.status).toBe('done');
    expect(decided.context.decision).toMatchObject({
      decision: 'criticism',
      rationale: '整改逾期，未按期完成防控问题整改，予以批评教育',
      by: { id: 'p-deputy' },
    });
    expect((await d.history(reviewId)).filter((e) => !e.type.startsWith('EFFECT_')).map(typeAndActor)).toEqual([
      ['CASE_STARTED', 'system:effects'],
      ['ASSIGN_REVIEWER', 'p-chief'],
      ['DECIDE', 'p-deputy'],
    ]);
    await d.waitForInbox(
      'enterprise-head',
      'the decision',
      (item) => item.caseId === reviewId && item.template === 'accountabilityReview.decided',
    );

    for (const id of [inspection.id, reviewId]) await d.expectIntact(id);
    await d.expectLinks(inspection.id, { parent: null, children: [reviewId] });
    await d.expectLinks(reviewId, { parent: inspection.id, children: [] });
    // The unit head, subject of both, sees the link from either side.
    await d.expectLinks(inspection.id, { parent: null, children: [reviewId] }, 'enterprise-head');
    await d.expectLinks(reviewId, { parent: inspection.id, children: [] }, 'enterprise-head');
    expect(treeShape((await d.links(reviewId)).root)).toEqual({
      process: 'supervisionInspection',
      states: ['rectificationOrdered'],
      children: [{ process: 'accountabilityReview', states: ['decided'] }],
    });
  });

  it('6. a chief who does not act: DEADLINE_MISSED names the chief, the deputy is told, the case still waits for the chief', async () => {
    const trip = await d6.start(
      'staff',
      'leaveApproval',
      leaveApplication({ destination: OUT_OF_TOWN, departAt: fromNow(DAY), returnAt: fromNow(3 * DAY) }),
    );
    expect(trip.states).toEqual(['awaitingChiefApproval']);
    expect(trip.deadlines).toEqual([
      expect.objectContaining({ state: 'awaitingChiefApproval', responsible: { role: 'chief' } }),
    ]);
    const dueAt = Date.parse(trip.deadlines[0].dueAt);
    expect(dueAt - Date.parse(trip.context.requestedAt)).toBe(CHIEF_DEADLINE_S * SECOND);

    // The chief does nothing.
    const missed = await d6.waitForEvent(trip.id, 'DEADLINE_MISSED', (event) => event.type === 'DEADLINE_MISSED');
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt);
    expect(missed.actor.id).toBe('system:timer');
    expect(missed.data).toMatchObject({
      state: 'awaitingChiefApproval',
      responsible: { role: 'chief' },
      heldBy: { role: 'chief' },
      dueAt: trip.deadlines[0].dueAt,
    });
    // The chief's own miss goes to the leadership group (the deputies among them).
    expect(missed.effects).toEqual([
      expect.objectContaining({
        kind: 'notify',
        params: expect.objectContaining({
          to: [{ group: 'leadership' }],
          template: 'deadline.missed',
          data: expect.objectContaining({
            caseId: refersTo(trip.id),
            state: 'awaitingChiefApproval',
            heldBy: { role: 'chief' },
          }),
        }),
      }),
    ]);
    const notified = await d6.waitForEvent(
      trip.id,
      'the escalation delivered',
      (event) => event.type === 'EFFECT_SUCCEEDED' && event.data.effectId === missed.effects[0].id,
    );
    expect(notified.data.result).toMatchObject({ kind: 'notify', template: 'deadline.missed' });
    expect(notified.data.result.recipients).toEqual(expect.arrayContaining(['p-deputy', 'p-deputy2']));
    const item = await d6.waitForInbox(
      'deputy',
      'the escalation',
      (i) => i.caseId === trip.id && i.template === 'deadline.missed',
    );
    expect(item).toMatchObject({
      id: missed.effects[0].id,
      process: 'leaveApproval',
      data: { state: 'awaitingChiefApproval', heldBy: { role: 'chief' } },
    });
    recorded.push(['deadline.missed inbox item data.caseId', item.data.caseId, trip.id]);
    expect(item.recipients).toContain('p-deputy');
    // The traveller is not the next level: nothing in their inbox about it.
    expect((await d6.inbox('staff')).filter((i) => i.template === 'deadline.missed')).toEqual([]);

    // The accountability report names the chief.
    const ledger = await d6.inaction('deputy', { process: 'leaveApproval', minPosition: missed.position });
    const entry = ledger.items.find((i: { caseId: string }) => i.caseId === trip.id);
    expect(entry).toMatchObject({
      state: 'awaitingChiefApproval',
      heldBy: { kind: 'role', id: 'chief', people: [{ id: 'p-chief', name: '局长（演示）' }] },
      stillWaiting: true,
      leftAt: null,
    });

    // Still waiting for the chief: same state, overdue, and the chief may still approve.
    const waiting = await d6.view(trip.id, 'chief');
    expect(waiting.states).toEqual(['awaitingChiefApproval']);
    expect(waiting.status).toBe('active');
    expect(waiting.overdue).toEqual([expect.objectContaining({ state: 'awaitingChiefApproval' })]);
    expect(waiting.nextEvents).toEqual(expect.arrayContaining(['APPROVE', 'REJECT']));
    expect((await d6.view(trip.id, 'deputy')).nextEvents).toEqual([]);
    const approved = await d6.send(trip.id, 'chief', 'APPROVE', { comment: '同意（逾期审批）' });
    expect(approved.states).toEqual(['awaitingOfficeFiling']);
    expect(approved.context.approval.by.id).toBe('p-chief');
    expect(await d6.commandTypes(trip.id)).toEqual(['CASE_STARTED', 'DEADLINE_MISSED', 'APPROVE']);
    const after = await d6.inaction('deputy', { process: 'leaveApproval', minPosition: String(approved.position) });
    expect(after.items.find((i: { caseId: string }) => i.caseId === trip.id)).toMatchObject({
      stillWaiting: false,
      leftAt: expect.any(String),
    });

    await d6.expectIntact(trip.id);
    await d6.expectLinks(trip.id, { parent: null, children: [] });
    expect(findNode((await d6.links(trip.id)).root, trip.id)?.children).toEqual([]);
  });

  /**
   * Every "source case id" a linked case carries (tripCaseId, sourceCaseId),
   * every report sent upward and every notification's data name the case as
   * the API does (`<process>-<uuid>`), so `GET /cases/:id` answers for it.
   */
  it('linked cases and reports carry the source case id as the API names it (<process>-<uuid>)', async () => {
    expect(recorded.length).toBeGreaterThanOrEqual(7);
    for (const [what, value, caseId] of recorded) {
      expect({ what, value }).toEqual({ what, value: caseId });
    }
    const [, value] = recorded[0];
    const res = await main
      .http()
      .get(`/cases/${value}`)
      .set(await d.headers('auditor'));
    expect(res.status).toBe(200);
  });
});

/** Case ids as a linked case, a report or a notification recorded them: [what, recorded value, the case's id]. */
const recorded: Array<[string, unknown, string]> = [];

/** The recorded id names the case `id` exactly as the API does. */
function refersTo(id: string) {
  return id;
}

function isCommand(event: HistoryEvent): boolean {
  return event.type !== 'EFFECT_SUCCEEDED' && event.type !== 'EFFECT_FAILED';
}

function typeAndActor(event: HistoryEvent): [string, string] {
  return [event.type, event.actor.id];
}
