import { createHash } from 'node:crypto';
import { canonicalJson, eventHash, GENESIS_HASH, verifyChain } from '.';
import { boss, clerk, demoV1, owner } from './testing/demo-workflow';
import { History } from './testing/history';

function history() {
  const h = new History(demoV1);
  h.start(0);
  h.send('PING', {}, clerk, 1);
  h.send('SUBMIT', { note: 'n' }, owner, 2);
  h.send('NEXT', {}, owner, 3);
  h.send('APPROVE', {}, boss, 4);
  return h.stored();
}

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members, like JSON.stringify otherwise', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([undefined, 'x', -0])).toBe('[null,"x",0]');
    expect(canonicalJson('中文')).toBe('"中文"');
  });
});

describe('hash chain', () => {
  it('hashes sha256(prevHash + canonical JSON of type, data and metadata without hash), from the genesis', () => {
    const [first, second] = history();
    const { hash, ...rest } = first.metadata;
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalJson({ type: first.type, data: first.data, metadata: rest }))
      .digest('hex');
    expect(first.metadata.prevHash).toBe(GENESIS_HASH);
    expect(hash).toBe(expected);
    expect(second.metadata.prevHash).toBe(hash);
    expect(eventHash(hash, second)).toBe(second.metadata.hash);
  });

  it('verifies an untouched stream', () => {
    const events = history();
    expect(verifyChain(events)).toEqual({ ok: true, count: 5, lastHash: events[4].metadata.hash });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, lastHash: GENESIS_HASH });
  });

  it('finds an edited data field at its revision', () => {
    const events = history();
    (events[2].data as { note: string }).note = 'edited';
    expect(verifyChain(events)).toMatchObject({ ok: false, brokenAt: 2n, reason: 'hash-mismatch' });
  });

  it('finds edited metadata (actor, time, state) at its revision', () => {
    for (const edit of [
      (m: any) => {
        m.actor.id = 'someone-else';
      },
      (m: any) => {
        m.occurredAt = '2020-01-01T00:00:00.000Z';
      },
      (m: any) => {
        m.stateAfter = 'done';
      },
      (m: any) => {
        m.effects = [{ id: 'x_0', kind: 'notify', params: {} }];
      },
    ]) {
      const events = history();
      edit(events[3].metadata);
      expect(verifyChain(events)).toMatchObject({ ok: false, brokenAt: 3n, reason: 'hash-mismatch' });
    }
  });

  it('finds a forger who also recomputed the edited event’s hash: the next link breaks', () => {
    const events = history();
    (events[1].metadata.actor as { id: string }).id = 'forger';
    events[1].metadata.hash = eventHash(events[1].metadata.prevHash, events[1]);
    expect(verifyChain(events)).toMatchObject({ ok: false, brokenAt: 2n, reason: 'prev-hash-mismatch' });
  });

  it('finds a removed or reordered event', () => {
    const removed = history();
    removed.splice(2, 1);
    removed.forEach((event, i) => {
      event.revision = BigInt(i);
    });
    expect(verifyChain(removed)).toMatchObject({ ok: false, brokenAt: 2n, reason: 'prev-hash-mismatch' });
    const gap = history();
    gap.splice(2, 1);
    expect(verifyChain(gap)).toMatchObject({ ok: false, brokenAt: 3n, reason: 'revision-gap' });
  });
});
