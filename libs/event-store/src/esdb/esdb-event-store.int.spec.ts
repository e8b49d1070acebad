import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type EsdbEmulator, startEsdbEmulator } from '../../../../test/esdb-emulator';
import { EventStoreValidationError, ExpectedRevisionConflict } from '../event-store.errors';
import { describeEventStoreContract } from '../event-store.contract';
import type { EventData, EventStore, SubscriptionMessage } from '../event-store.port';
import { EVENTSTORE_CONNECTION_STRING, EsdbEventStore } from './esdb-event-store';

/**
 * Against a real EventStoreDB when EVENTSTORE_CONNECTION_STRING is set,
 * otherwise against the in-repo gRPC emulator (test/esdb-emulator), so the real
 * client and wire protocol run in every CI run.
 */
const realServer = process.env[EVENTSTORE_CONNECTION_STRING];

async function server(options?: Parameters<typeof startEsdbEmulator>[0]): Promise<{
  connectionString: string;
  emulator?: EsdbEmulator;
  stop: () => Promise<void>;
}> {
  if (realServer) return { connectionString: realServer, stop: async () => undefined };
  const emulator = await startEsdbEmulator(options);
  return { connectionString: emulator.connectionString, emulator, stop: () => emulator.stop() };
}

describeEventStoreContract(realServer ? 'EventStoreDB (server)' : 'EventStoreDB (gRPC emulator)', async () => {
  const { connectionString, stop } = await server();
  const store = new EsdbEventStore(connectionString);
  return {
    store,
    reopen: async () => new EsdbEventStore(connectionString),
    cleanup: async () => {
      await store.close();
      await stop();
    },
  };
});

// What the contract cannot see: system events, server differences, EventStoreDB-only limits.
describe('EsdbEventStore specifics', () => {
  let env: Awaited<ReturnType<typeof server>>;
  let store: EventStore;

  beforeAll(async () => {
    env = await server();
    store = new EsdbEventStore(env.connectionString);
  });

  afterAll(async () => {
    await store?.close();
    await env?.stop();
  });

  it('keeps system events out of unfiltered $all reads, head position and subscriptions', async () => {
    const stream = newStream();
    const before = env.emulator?.log.appendSystemEvent('$stats-127.0.0.1:2113', '$statsCollected', { cpu: 1 });
    const appended = await store.appendToStream(stream, [event()]);
    // A `$` type in a user stream (as a tombstone or a projection link) is not a user event either.
    env.emulator?.log.appendSystemEvent(stream, '$>', '0@elsewhere');
    env.emulator?.log.appendSystemEvent('$stats-127.0.0.1:2113', '$statsCollected', { cpu: 2 });

    expect(await store.headPosition()).toBe(appended.position);
    const newest = await collect(store.readAll({ direction: 'backwards', maxCount: 3 }));
    expect(newest[0].position).toBe(appended.position);
    for (const e of newest) expect(e.streamId.startsWith('$') || e.type.startsWith('$')).toBe(false);
    if (before) {
      const forwards = await collect(store.readAll({ fromPosition: before.position }));
      expect(forwards.map((e) => e.position)).toEqual([appended.position]);
    }
    const subscription = store.subscribeToAll({ fromPosition: 'start' });
    try {
      const seen: SubscriptionMessage[] = [];
      for await (const message of subscription) {
        seen.push(message);
        if (message.kind === 'caughtUp') break;
      }
      expect(seen.at(-1)).toMatchObject({ kind: 'caughtUp', position: appended.position });
      for (const m of seen) {
        if (m.kind === 'event') expect(m.event.streamId.startsWith('$') || m.event.type.startsWith('$')).toBe(false);
      }
    } finally {
      await subscription.close();
    }
  });

  it('maps an append over the server MaxAppendSize to a validation error, writing nothing', async () => {
    const stream = newStream();
    // Each event is under the per-event limit; together they are over EventStoreDB's 1 MiB per append.
    const big = () => event({ data: { blob: 'x'.repeat(600_000) } });
    const error = await failure(store.appendToStream(stream, [big(), big()], { expectedRevision: 'no_stream' }));
    expect(error).toBeInstanceOf(EventStoreValidationError);
    expect(await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' })).toMatchObject({
      nextExpectedRevision: 0n,
    });
  });

  it("is idempotent with 'any' for a retry of the same ids, as EventStoreDB", async () => {
    const stream = newStream();
    const batch = [event(), event()];
    const first = await store.appendToStream(stream, batch);
    expect(await store.appendToStream(stream, batch)).toEqual(first);
    expect((await collect(store.readStream(stream))).map((e) => e.id)).toEqual(batch.map((e) => e.id));
  });

  it('refuses a position that is not the position of an event (EventStoreDB: "invalid position")', async () => {
    if (!env.emulator) return; // what a real node reads at an arbitrary offset is not specified
    const appended = await store.appendToStream(newStream(), [event()]);
    await expect(collect(store.readAll({ fromPosition: appended.position + 1n }))).rejects.toBeInstanceOf(
      EventStoreValidationError,
    );
    const subscription = store.subscribeToAll({ fromPosition: appended.position + 1n });
    try {
      await expect(subscription[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(EventStoreValidationError);
    } finally {
      await subscription.close();
    }
  });

  it('refuses malformed read arguments as validation errors', async () => {
    await expect(collect(store.readStream(newStream(), { maxCount: -1 }))).rejects.toBeInstanceOf(
      EventStoreValidationError,
    );
    await expect(collect(store.readAll({ fromPosition: -1n }))).rejects.toBeInstanceOf(EventStoreValidationError);
    expect(() => store.subscribeToAll({ filter: { streamCategories: ['bad-category'] } })).toThrow(
      EventStoreValidationError,
    );
  });
});

describe.each([
  { name: 'a server without CaughtUp (< 23.10)', options: { sendCaughtUp: false, serverVersion: '22.10.0' } },
  { name: 'a server with BatchAppend (>= 21.10)', options: { batchAppend: true } },
])('EsdbEventStore against the emulator as $name', ({ options }) => {
  if (realServer) {
    // These modes are the emulator pretending to be an older server; a real server (EVENTSTORE_CONNECTION_STRING)
    // is whatever version it is, so there is nothing to run against it here. Shown as skipped, not hidden.
    it.skip('runs against the emulator only (simulated server versions)', () => undefined);
    return;
  }
  let env: Awaited<ReturnType<typeof server>>;
  let store: EventStore;

  beforeAll(async () => {
    env = await server(options);
    store = new EsdbEventStore(env.connectionString);
  });

  afterAll(async () => {
    await store?.close();
    await env?.stop();
  });

  it('appends, conflicts and retries idempotently', async () => {
    const stream = newStream();
    const batch = [event(), event()];
    const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
    expect(first.nextExpectedRevision).toBe(1n);
    expect(await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' })).toEqual(first);
    const error = await failure(store.appendToStream(stream, [event()], { expectedRevision: 0n }));
    expect(error).toBeInstanceOf(ExpectedRevisionConflict);
    expect(error).toMatchObject({ stream, expected: 0n, actual: 1n });
    const missing = await failure(store.appendToStream(newStream(), [event()], { expectedRevision: 'stream_exists' }));
    expect(missing).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
    const big = () => event({ data: { blob: 'x'.repeat(600_000) } });
    expect(await failure(store.appendToStream(newStream(), [big(), big()]))).toBeInstanceOf(EventStoreValidationError);
    // The client chose the append method the server advertised.
    const used = options.batchAppend ? 'batchAppend' : 'append';
    const unused = options.batchAppend ? 'append' : 'batchAppend';
    expect(env.emulator!.calls[used]).toBeGreaterThan(0);
    expect(env.emulator!.calls[unused]).toBe(0);
  });

  it('signals caughtUp once, after the history, then delivers live events', async () => {
    const category = newCategory();
    const history = [event(), event(), event()];
    for (const e of history) await store.appendToStream(`${category}-${randomUUID()}`, [e]);
    for (const from of ['start', 'end'] as const) {
      const subscription = store.subscribeToAll({ fromPosition: from, filter: { streamCategories: [category] } });
      try {
        const iterator = subscription[Symbol.asyncIterator]();
        const got: SubscriptionMessage[] = [];
        while (got.at(-1)?.kind !== 'caughtUp') got.push((await iterator.next()).value as SubscriptionMessage);
        expect(got.map(label)).toEqual(from === 'start' ? [...history.map((e) => e.id), 'caughtUp'] : ['caughtUp']);
        const live = event();
        await store.appendToStream(`${category}-${randomUUID()}`, [live]);
        expect(label((await iterator.next()).value as SubscriptionMessage)).toBe(live.id);
      } finally {
        await subscription.close();
      }
    }
  });
});

// ------------------------------------------------------------------ helpers

function newCategory(): string {
  return `esdb${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

function newStream(): string {
  return `${newCategory()}-${randomUUID()}`;
}

function event(overrides: Partial<EventData> = {}): EventData {
  return { id: randomUUID(), type: 'EsdbTested', data: { ok: true }, ...overrides };
}

function label(message: SubscriptionMessage): string {
  return message.kind === 'event' ? message.event.id : message.kind;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}
