import { acceptedEvents, type Actor, allowedEventsFor, isAllowed, mayStart, SYSTEM_ACTORS } from '.';
import { boss, clerk, demoV1, owner, reviewer, stranger } from './testing/demo-workflow';
import { History } from './testing/history';

describe('policy', () => {
  const h = new History(demoV1);
  h.start(0);
  const open = h.state;
  h.send('SUBMIT', { note: 'n' }, owner, 1);
  const review = h.state;

  it('startPolicy says who may open a case; subject and responsible rules match nobody before there is one', () => {
    expect(mayStart(demoV1, clerk)).toBe(true);
    expect(mayStart(demoV1, owner)).toBe(false);
    const def = { ...demoV1, startPolicy: [{ subject: true as const }, { responsible: true as const }] };
    expect(mayStart(def, owner)).toBe(false);
    expect(mayStart(def, clerk)).toBe(false);
  });

  it('START is an ordinary event name: its rules are the event’s, not the opening’s', () => {
    const def = {
      ...demoV1,
      events: { ...demoV1.events, START: demoV1.events.PING },
      policy: { START: [{ role: 'boss' }] },
    };
    expect(isAllowed(def, open, 'START', boss)).toBe(true);
    expect(isAllowed(def, open, 'START', clerk)).toBe(false);
    expect(mayStart(def, clerk)).toBe(true);
    expect(mayStart(def, boss)).toBe(false);
  });

  it('matches roles, groups, the subject and the current state’s responsible party', () => {
    expect(isAllowed(demoV1, open, 'APPROVE', boss)).toBe(true); // role
    expect(isAllowed(demoV1, open, 'REJECT', reviewer)).toBe(true); // group
    expect(isAllowed(demoV1, open, 'REJECT', boss)).toBe(false);
    expect(isAllowed(demoV1, open, 'SUBMIT', owner)).toBe(true); // subject (context.owner.id)
    expect(isAllowed(demoV1, open, 'SUBMIT', stranger)).toBe(false);
    // responsible: open → { role: 'clerk' }; review.first → { person: 'owner.id' }
    expect(isAllowed(demoV1, open, 'PING', clerk)).toBe(true);
    expect(isAllowed(demoV1, open, 'PING', owner)).toBe(false);
    expect(isAllowed(demoV1, review, 'NEXT', owner)).toBe(true);
    expect(isAllowed(demoV1, review, 'NEXT', clerk)).toBe(false);
  });

  it('denies an event without rules, and lets system rules match only the real system actor', () => {
    expect(isAllowed(demoV1, open, 'UNKNOWN', boss)).toBe(false);
    const def = { ...demoV1, policy: { ...demoV1.policy, PING: [{ system: 'register' as const }] } };
    expect(isAllowed(def, open, 'PING', SYSTEM_ACTORS.register)).toBe(true);
    expect(isAllowed(def, open, 'PING', SYSTEM_ACTORS.timer)).toBe(false);
    const impostor: Actor = { ...SYSTEM_ACTORS.register, roles: ['system'], kind: 'user' };
    expect(isAllowed(def, open, 'PING', impostor)).toBe(false);
    // A system actor matches no role rule, even one it happens to hold.
    expect(isAllowed(demoV1, open, 'APPROVE', { ...SYSTEM_ACTORS.effects, roles: ['boss'] })).toBe(false);
  });

  it('offers the events the state takes and the actor may send', () => {
    expect(acceptedEvents(demoV1, open)).toEqual(['SUBMIT', 'PING']);
    expect(allowedEventsFor(demoV1, open, owner)).toEqual(['SUBMIT']);
    expect(allowedEventsFor(demoV1, open, clerk)).toEqual(['PING']);
    expect(acceptedEvents(demoV1, review)).toEqual(['NEXT', 'REJECT']);
    expect(allowedEventsFor(demoV1, review, reviewer)).toEqual(['REJECT']);
  });
});
