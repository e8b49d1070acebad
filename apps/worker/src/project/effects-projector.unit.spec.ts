import type { RecordedEvent } from '@app/event-store';
import { engineKeys } from '@app/runtime/jobs';
import type { ChainableCommander } from 'ioredis';
import { ProjectedWrites } from './effects-projector';

const keys = engineKeys('t');
let position = 0n;

function event(type: string, data: unknown, occurredAt = '2026-11-29T10:00:00.000Z'): RecordedEvent {
  position++;
  return {
    id: `ev-${position}`,
    type,
    streamId: 'probe-1',
    revision: position,
    position,
    data,
    metadata: { process: 'probe', occurredAt },
    created: new Date(occurredAt),
  } as RecordedEvent;
}

const notified = (effectId: string, recipients: string[], occurredAt?: string) =>
  event(
    'EFFECT_SUCCEEDED',
    { effectId, attempt: 1, result: { kind: 'notify', recipients, template: 't', data: { n: effectId } } },
    occurredAt,
  );
const failed = (effectId: string, final: boolean) =>
  event('EFFECT_FAILED', { effectId, attempt: 3, error: 'boom', final });
const retried = (effectId: string) => event('EFFECT_RETRY_REQUESTED', { effectId });

/** The commands a batch sends, and the Redis state they leave (hashes and sorted sets). */
function applyBatch(events: RecordedEvent[], state = new Map<string, Map<string, string | number>>()) {
  const commands: string[][] = [];
  const at = (key: string) => {
    let entries = state.get(key);
    if (!entries) {
      entries = new Map();
      state.set(key, entries);
    }
    return entries;
  };
  const tx = {
    hset: (key: string, ...pairs: string[]) => {
      commands.push(['hset', key, ...pairs]);
      for (let i = 0; i < pairs.length; i += 2) at(key).set(pairs[i], pairs[i + 1]);
    },
    zadd: (key: string, ...pairs: Array<number | string>) => {
      commands.push(['zadd', key, ...pairs.map(String)]);
      for (let i = 0; i < pairs.length; i += 2) at(key).set(String(pairs[i + 1]), Number(pairs[i]));
    },
    hdel: (key: string, ...fields: string[]) => {
      commands.push(['hdel', key, ...fields]);
      for (const field of fields) at(key).delete(field);
    },
  } as unknown as ChainableCommander;
  const writes = new ProjectedWrites();
  for (const e of events) writes.project(e);
  writes.apply(tx, keys);
  return { commands, state };
}

describe('ProjectedWrites (one batch of the effects projector)', () => {
  it('writes a batch of notifications as one HSET and one ZADD per recipient', () => {
    const { commands, state } = applyBatch([
      notified('e1', ['p-a', 'p-b'], '2026-11-29T10:00:01.000Z'),
      notified('e2', ['p-b'], '2026-11-29T10:00:02.000Z'),
    ]);
    expect(commands.map(([name, key]) => `${name} ${key}`)).toEqual([
      `hset ${keys.inboxItems}`,
      `zadd ${keys.inboxOf('p-a')}`,
      `zadd ${keys.inboxOf('p-b')}`,
      `hdel ${keys.incidents}`,
    ]);
    expect([...state.get(keys.inboxOf('p-b'))!]).toEqual([
      ['e1', Date.parse('2026-11-29T10:00:01.000Z')],
      ['e2', Date.parse('2026-11-29T10:00:02.000Z')],
    ]);
    expect(JSON.parse(state.get(keys.inboxItems)!.get('e2') as string)).toMatchObject({
      id: 'e2',
      caseId: 'probe-1',
      process: 'probe',
      recipients: ['p-b'],
      deliveredAt: '2026-11-29T10:00:02.000Z',
    });
  });

  it('leaves each incident as the batch last said: added, removed, or added again', () => {
    const before = applyBatch([failed('kept', true), failed('gone', true)]).state;
    const { state } = applyBatch(
      [
        failed('new-then-retried', true),
        retried('new-then-retried'),
        retried('gone'),
        failed('retried-then-failed', true),
        retried('retried-then-failed'),
        failed('retried-then-failed', true),
        failed('not-final', false),
      ],
      before,
    );
    expect([...state.get(keys.incidents)!.keys()].sort()).toEqual(['kept', 'retried-then-failed']);
  });

  it('sends nothing for a batch without effect outcomes', () => {
    expect(applyBatch([event('CASE_STARTED', {}), failed('e', false)]).commands).toEqual([]);
  });
});
