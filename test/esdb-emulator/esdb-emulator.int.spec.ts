/**
 * The emulator speaks EventStoreDB's protocol and semantics to the real client
 * (`@eventstore/db-client`), with nothing of ours in between.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  EventStoreDBClient,
  type Position,
  type ResolvedEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import { type EsdbEmulator, startEsdbEmulator } from './index';

describe('EventStoreDB gRPC emulator (test infrastructure)', () => {
  let emulator: EsdbEmulator;
  let client: EventStoreDBClient;

  beforeAll(async () => {
    emulator = await startEsdbEmulator();
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });

  afterAll(async () => {
    await client?.dispose();
    await emulator?.stop();
  });

  const event = (type = 'Tested', data: Record<string, unknown> = { ok: true }) => jsonEvent({ type, data });
  const newStream = (category = `emu${randomUUID().slice(0, 8)}`) => `${category}-${randomUUID()}`;
  const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const item of iterable) out.push(item);
    return out;
  };
  const at = (commit: bigint): Position => ({ commit, prepare: commit });

  it('answers appends with revisions and log positions that are byte offsets, also on stream reads', async () => {
    const stream = newStream();
    const result = await client.appendToStream(stream, [event(), event()], { expectedRevision: 'no_stream' });
    expect(result.nextExpectedRevision).toBe(1n);
    const read = await collect(client.readStream(stream));
    expect(read.map((e) => e.event?.revision)).toEqual([0n, 1n]);
    const [first, second] = read.map((e) => e.event!.position!.commit);
    expect(second - first).toBeGreaterThan(1n);
    expect(result.position).toEqual(at(second));
    expect(read[1].event!.position).toEqual(at(second));
    expect(read[0].event!.isJson).toBe(true);
    expect(read[0].event!.created).toBeInstanceOf(Date);
  });

  it('reads $all forwards inclusive and backwards exclusive of a position', async () => {
    const stream = newStream();
    await client.appendToStream(stream, [event(), event(), event()]);
    const positions = (await collect(client.readStream(stream))).map((e) => e.event!.position!.commit);
    const filter = { maxCount: 10 };
    const forwards = await collect(client.readAll({ fromPosition: at(positions[1]), ...filter }));
    expect(forwards.slice(0, 2).map((e) => e.event?.position?.commit)).toEqual([positions[1], positions[2]]);
    const backwards = await collect(
      client.readAll({ fromPosition: at(positions[1]), direction: BACKWARDS, ...filter }),
    );
    expect(backwards[0].event?.position?.commit).toBe(positions[0]);
  });

  it('fails a read from a position inside a record', async () => {
    const result = await client.appendToStream(newStream(), [event()]);
    await expect(
      collect(client.readAll({ fromPosition: at(result.position!.commit + 1n), maxCount: 1 })),
    ).rejects.toThrow(/invalid position/);
  });

  it("shows system events in $all, except those EventStoreDB's default $all filter hides", async () => {
    const streams = (await collect(client.readAll({ fromPosition: START, maxCount: 50 }))).map(
      (e) => e.event?.streamId,
    );
    expect(streams).toContain('$settings');
    expect(streams).not.toContain('$epoch-information');
    const user = await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 5 }));
    expect(user.length).toBeGreaterThan(0);
  });

  it('answers StreamNotFound for a missing stream', async () => {
    await expect(collect(client.readStream(newStream()))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('reports the current revision on a wrong expected version, also for a partly repeated append', async () => {
    const stream = newStream();
    const a = event();
    const b = event();
    await client.appendToStream(stream, [a, b], { expectedRevision: 'no_stream' });
    const stale = await client.appendToStream(stream, [event()], { expectedRevision: 0n }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(WrongExpectedVersionError);
    expect(stale).toMatchObject({ streamName: stream, expectedVersion: 0n, actualVersion: 1n });
    const missing = await client
      .appendToStream(newStream(), [event()], { expectedRevision: 'stream_exists' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ expectedVersion: 'stream_exists', actualVersion: 'no_stream' });
    // Same first id, different second one: "corrupted idempotency", reported as a wrong expected version.
    const partly = await client
      .appendToStream(stream, [a, event()], { expectedRevision: 'no_stream' })
      .catch((e: unknown) => e);
    expect(partly).toBeInstanceOf(WrongExpectedVersionError);
    const again = await client.appendToStream(stream, [a, b], { expectedRevision: 'no_stream' });
    expect(again.nextExpectedRevision).toBe(1n);
    expect((await collect(client.readStream(stream))).length).toBe(2);
  });

  it('refuses an append over MaxAppendSize', async () => {
    const big = () => event('Big', { blob: 'x'.repeat(600_000) });
    await expect(client.appendToStream(newStream(), [big(), big()])).rejects.toMatchObject({
      type: 'maximum-append-size-exceeded',
      maxAppendSize: 1024 * 1024,
    });
  });

  it('filters $all server-side by stream prefix, stream regex and event type, with checkpoints', async () => {
    const category = `emu${randomUUID().slice(0, 8)}`;
    const stream = newStream(category);
    await client.appendToStream(stream, [event('Kept'), event('Dropped'), event('Kept')]);
    const take = async (
      filter: Parameters<typeof client.subscribeToAll>[0],
      until: (e: AllStreamResolvedEvent[]) => boolean,
    ) => {
      const subscription = client.subscribeToAll(filter);
      const seen: AllStreamResolvedEvent[] = [];
      try {
        for await (const e of subscription) {
          seen.push(e);
          if (until(seen)) break;
        }
      } finally {
        await subscription.unsubscribe();
      }
      return seen;
    };
    const byPrefix = await take(
      { fromPosition: START, filter: streamNameFilter({ prefixes: [`${category}-`] }) },
      (s) => s.length === 3,
    );
    expect(byPrefix.map((e) => e.event?.type)).toEqual(['Kept', 'Dropped', 'Kept']);
    const byType = await take(
      { fromPosition: START, filter: eventTypeFilter({ prefixes: ['Kept'] }) },
      (s) => s.filter((e) => e.event?.streamId === stream).length === 2,
    );
    expect(byType.every((e) => e.event?.type === 'Kept')).toBe(true);
    const byRegex = await take(
      { fromPosition: START, filter: streamNameFilter({ regex: `^${category}-` }) },
      (s) => s.length === 3,
    );
    expect(byRegex.every((e) => e.event?.streamId === stream)).toBe(true);

    let checkpoints = 0;
    await take(
      {
        fromPosition: START,
        // A search window of 1: a checkpoint after every event considered.
        filter: excludeSystemEvents({
          maxSearchWindow: 1,
          checkpointReached: () => {
            checkpoints += 1;
          },
        }),
      },
      (s) => s.some((e) => e.event?.streamId === stream && e.event.revision === 2n),
    );
    const system = await take({ fromPosition: START, filter: excludeSystemEvents() }, (s) => s.length > 0);
    expect(system[0].event?.type.startsWith('$')).toBe(false);
    expect(checkpoints).toBeGreaterThan(0);
  });

  it('sends CaughtUp after the history of a subscription, then live events', async () => {
    const stream = newStream();
    await client.appendToStream(stream, [event(), event()]);
    const subscription = client.subscribeToStream(stream, { fromRevision: 0n });
    const order: string[] = [];
    subscription.on('caughtUp', () => order.push('caughtUp'));
    try {
      const received: ResolvedEvent[] = [];
      for await (const e of subscription) {
        received.push(e);
        order.push(String(e.event?.revision));
        if (received.length === 1) await client.appendToStream(stream, [event()]);
        if (received.length === 2) break;
      }
      // Exclusive of the start revision; revision 1 is history, revision 2 arrives live.
      expect(received.map((e) => e.event?.revision)).toEqual([1n, 2n]);
      expect(order.indexOf('caughtUp')).toBeGreaterThan(-1);
    } finally {
      await subscription.unsubscribe();
    }
  });
});
