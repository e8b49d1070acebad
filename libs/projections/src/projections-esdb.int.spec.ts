import { type EsdbEmulator, startEsdbEmulator } from '../../../test/esdb-emulator';
import { HOUR, ProjectionHarness } from './testing/projection-harness';

/** The same runner over the EventStoreDB adapter (the in-repo gRPC emulator): positions are byte offsets there. */
describe('projections over EventStoreDB', () => {
  let emulator: EsdbEmulator;
  let h: ProjectionHarness;

  beforeAll(async () => {
    emulator = await startEsdbEmulator();
    h = await ProjectionHarness.start({ esdb: emulator.connectionString });
  });

  afterAll(async () => {
    await h?.close();
    await emulator?.stop();
  });

  it('follows, catches up, reads its own writes and rebuilds to the same rows', async () => {
    const trip = await h.leave('p-staff');
    await h.send(trip, 'APPROVE', {}, 'p-chief');
    const parent = (
      await h.cases.start(
        'probeParent',
        { subject: { id: 'p-staff', name: '干部职工（演示）' } },
        h.actor('p-prevention'),
      )
    ).state.streamId;
    await h.send(parent, 'SPAWN', {}, 'p-prevention');
    const [child] = await h.runStartCases(parent, { report: true });
    h.clock.advance(2 * HOUR);
    await h.missDeadline(parent, 'open');

    const p = h.open();
    await h.catchUp(p);
    const auditor = h.actor('p-auditor');
    expect(p.index.list(auditor).total).toBe(3);
    expect(p.reader.links(auditor, parent)).toEqual({ parent: null, children: [child] });
    expect(p.inaction.report({}, h.clock.now()).items.map((item) => item.caseId)).toEqual([parent]);

    await h.send(trip, 'FILE', {}, 'p-office');
    const head = await h.store.headPosition();
    expect(await p.runner.waitForPosition(head, 5_000)).toBe(true);
    expect(p.reader.entry(auditor, trip)!.states).toEqual(['cleared']);

    const rows = () => p.db.reader.prepare('SELECT * FROM case_index ORDER BY id').all();
    const before = rows();
    await p.runner.rebuild();
    expect(rows()).toEqual(before);
    expect(p.runner.currentPosition()).toBe(head);
  });
});
