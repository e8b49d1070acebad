import { fold, recordEffectOutcome, requestEffectRetry, SYSTEM_ACTORS, verifyChain } from '.';
import { at, boss, clerk, demoV1, owner } from './testing/demo-workflow';
import { History } from './testing/history';

describe('effect outcomes', () => {
  let h: History;
  let effectA: string;
  let effectB: string;
  beforeEach(() => {
    h = new History(demoV1);
    h.start(0);
    const submitted = h.send('SUBMIT', { note: 'n' }, owner, 1).event;
    [effectA, effectB] = submitted.metadata.effects.map((effect) => effect.id);
  });

  const report = (type: 'EFFECT_SUCCEEDED' | 'EFFECT_FAILED', data: any, minute = 2) =>
    recordEffectOutcome(demoV1, h.state, { type, data, eventId: h.nextId(), occurredAt: at(minute) });

  it('tracks an effect from pending to succeeded, in any state, without touching the machine', () => {
    expect(Object.keys(h.state.pendingEffects)).toEqual([effectA, effectB]);
    const snapshotBefore = h.state.snapshot;
    const { event, state } = h.accept(
      report('EFFECT_SUCCEEDED', { effectId: effectA, attempt: 1, result: { ok: 1 } })!,
    );
    expect(event.metadata).toMatchObject({
      actor: { id: 'system:effects', kind: 'system' },
      stateBefore: { review: 'first' },
      stateAfter: { review: 'first' },
      effects: [],
      timers: [],
      cancelledTimers: [],
      causationId: h.events[1].id,
    });
    expect(Object.keys(state.pendingEffects)).toEqual([effectB]);
    expect(state.snapshot).toBe(snapshotBefore);
  });

  it('returns null for a duplicate report (at-least-once workers)', () => {
    h.accept(report('EFFECT_SUCCEEDED', { effectId: effectA, attempt: 1 })!);
    expect(report('EFFECT_SUCCEEDED', { effectId: effectA, attempt: 1 })).toBeNull();
    expect(report('EFFECT_FAILED', { effectId: effectA, attempt: 2, error: 'x', final: true })).toBeNull();
    expect(report('EFFECT_SUCCEEDED', { effectId: 'unknown_0', attempt: 1 })).toBeNull();
  });

  it('counts failed attempts, turns a final failure into an incident, and an operator retry back into pending', () => {
    let state = h.accept(
      report('EFFECT_FAILED', { effectId: effectA, attempt: 1, error: 'SMTP down', final: false })!,
    ).state;
    expect(state.pendingEffects[effectA]).toMatchObject({ attempts: 1, lastError: 'SMTP down' });
    state = h.accept(
      report('EFFECT_FAILED', { effectId: effectA, attempt: 5, error: 'SMTP down', final: true })!,
    ).state;
    expect(state.pendingEffects[effectA]).toBeUndefined();
    expect(state.incidents[effectA]).toMatchObject({
      effectId: effectA,
      kind: 'notify',
      attempt: 5,
      error: 'SMTP down',
    });
    state = h.accept(
      requestEffectRetry(demoV1, state, {
        data: { effectId: effectA, reason: 'mail server back' },
        actor: boss,
        eventId: h.nextId(),
        occurredAt: at(10),
      }),
    ).state;
    expect(state.incidents).toEqual({});
    expect(state.pendingEffects[effectA]).toMatchObject({ attempts: 5, lastError: 'SMTP down' });
    state = h.accept(report('EFFECT_SUCCEEDED', { effectId: effectA, attempt: 6 }, 11)!).state;
    expect(Object.keys(state.pendingEffects)).toEqual([effectB]);
    expect(verifyChain(h.stored()).ok).toBe(true);
    const folded = fold(demoV1, h.stored());
    expect(folded.pendingEffects).toEqual(state.pendingEffects);
    expect(folded.incidents).toEqual(state.incidents);
  });

  it('is accepted on a closed case', () => {
    h.send('NEXT', {}, owner, 2);
    h.send('APPROVE', {}, boss, 3);
    expect(h.state.status).toBe('done');
    expect(report('EFFECT_SUCCEEDED', { effectId: effectB, attempt: 1 }, 4)).not.toBeNull();
  });

  it('refuses a report from anyone but system:effects, and a malformed one', () => {
    const as = (actor: any) => () =>
      recordEffectOutcome(demoV1, h.state, {
        type: 'EFFECT_SUCCEEDED',
        data: { effectId: effectA, attempt: 1 },
        actor,
        eventId: 'e',
        occurredAt: at(2),
      });
    expect(as(clerk)).toThrow(expect.objectContaining({ code: 'CASE.FORBIDDEN' }));
    expect(as({ ...SYSTEM_ACTORS.effects, kind: 'user' })).toThrow(expect.objectContaining({ code: 'CASE.FORBIDDEN' }));
    expect(as(SYSTEM_ACTORS.timer)).toThrow(expect.objectContaining({ code: 'CASE.FORBIDDEN' }));
    expect(() => report('EFFECT_FAILED', { effectId: effectA, attempt: 0, error: 'x' })).toThrow(
      expect.objectContaining({ code: 'CASE.INVALID_PAYLOAD' }),
    );
  });

  it('refuses a retry of an effect that is not an incident', () => {
    expect(() =>
      requestEffectRetry(demoV1, h.state, {
        data: { effectId: effectA },
        actor: boss,
        eventId: 'e',
        occurredAt: at(3),
      }),
    ).toThrow(expect.objectContaining({ code: 'CASE.EVENT_NOT_ALLOWED' }));
  });
});
