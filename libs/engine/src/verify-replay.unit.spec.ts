import { eventHash, recordEffectOutcome, verifyChain, verifyReplay } from '.';
import { at, boss, clerk, demoV1, owner } from './testing/demo-workflow';
import { History } from './testing/history';

function history() {
  const h = new History(demoV1);
  h.start(0);
  h.send('PING', {}, clerk, 1);
  h.fire((t) => t.kind === 'after');
  h.fire((t) => t.kind === 'deadline', 70);
  const submitted = h.send('SUBMIT', { note: 'n' }, owner, 80).event;
  h.accept(
    recordEffectOutcome(demoV1, h.state, {
      type: 'EFFECT_FAILED',
      data: { effectId: `${submitted.id}_0`, attempt: 1, error: 'x', final: true },
      eventId: h.nextId(),
      occurredAt: at(81),
    })!,
  );
  h.send('NEXT', {}, owner, 90);
  h.send('APPROVE', {}, boss, 100);
  return h.stored();
}

/** Re-seals the chain from `from` on, as a forger with write access to the store would. */
function reseal(events: ReturnType<typeof history>, from: number) {
  for (let i = from; i < events.length; i++) {
    events[i].metadata.prevHash = i === 0 ? '' : events[i - 1].metadata.hash;
    events[i].metadata.hash = eventHash(events[i].metadata.prevHash, events[i]);
  }
  expect(verifyChain(events).ok).toBe(true);
}

describe('verifyReplay', () => {
  it('re-derives every event of an untouched history', () => {
    expect(verifyReplay(demoV1, history())).toEqual({ ok: true, count: 8 });
  });

  it('finds a recorded state the machine does not reach, even with a resealed chain', () => {
    const events = history();
    events[1].metadata.stateAfter = 'review';
    reseal(events, 1);
    expect(verifyReplay(demoV1, events)).toMatchObject({
      ok: false,
      brokenAt: 1n,
      field: 'stateAfter',
      recorded: 'review',
      replayed: 'open',
    });
  });

  it('finds altered effects and timers', () => {
    const effects = history();
    effects[4].metadata.effects[0].params = { to: [{ role: 'nobody' }], template: 'x' };
    reseal(effects, 4);
    expect(verifyReplay(demoV1, effects)).toMatchObject({ ok: false, brokenAt: 4n, field: 'effects' });
    const timers = history();
    timers[0].metadata.timers[1].dueAt = at(600);
    reseal(timers, 0);
    expect(verifyReplay(demoV1, timers)).toMatchObject({ ok: false, brokenAt: 0n, field: 'timers' });
  });

  it('finds a DEADLINE_MISSED that blames someone else', () => {
    const events = history();
    (events[3].data as { heldBy: unknown }).heldBy = { role: 'office' };
    reseal(events, 3);
    expect(verifyReplay(demoV1, events)).toMatchObject({ ok: false, brokenAt: 3n, field: 'data' });
  });

  it('finds an event the case could not have taken', () => {
    const events = history();
    events[1].type = 'APPROVE';
    reseal(events, 1);
    expect(verifyReplay(demoV1, events)).toMatchObject({ ok: false, brokenAt: 1n });
  });
});
