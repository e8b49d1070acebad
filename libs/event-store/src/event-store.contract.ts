import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventStoreValidationError, ExpectedRevisionConflict, StreamNotFound } from './event-store.errors';
import type {
  AppendResult,
  EventData,
  EventStore,
  ExpectedRevision,
  RecordedEvent,
  SubscriptionMessage,
} from './event-store.port';
import { MAX_EVENT_BYTES } from './event-validation';

/** What an adapter's spec hands to the conformance suite. */
export interface EventStoreContractFixture {
  store: EventStore;
  /**
   * A second handle on the same backing store, as another process would have
   * (optional). The suite closes every handle it opens this way.
   */
  reopen?: () => Promise<EventStore>;
  /** Closes `store` and removes what `create` made. */
  cleanup: () => Promise<void>;
}

/**
 * The conformance suite every EventStore adapter passes (EventStoreDB
 * semantics). It never assumes an empty store: each test writes to streams of
 * its own random category and reads $all filtered by that category.
 */
export function describeEventStoreContract(name: string, create: () => Promise<EventStoreContractFixture>): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreContractFixture;
    let store: EventStore;

    beforeAll(async () => {
      fixture = await create();
      store = fixture.store;
    });

    afterAll(async () => {
      await fixture?.cleanup();
    });

    describe('appendToStream and expected revision', () => {
      it('appends with no_stream to a new stream, and conflicts on a second no_stream', async () => {
        const stream = newStream();
        const first = await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(0n);
        expect(first.position).toBeGreaterThan(0n);

        const error = await failure(store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' }));
        expect(error).toBeInstanceOf(ExpectedRevisionConflict);
        expect(error).toMatchObject({ stream, expected: 'no_stream', actual: 0n });
        expect(await revisions(store, stream)).toEqual([0n]);
      });

      it('appends at the exact current revision', async () => {
        const stream = newStream();
        const a = await store.appendToStream(stream, [event(), event()], { expectedRevision: 'no_stream' });
        expect(a.nextExpectedRevision).toBe(1n);
        const b = await store.appendToStream(stream, [event()], { expectedRevision: 1n });
        expect(b.nextExpectedRevision).toBe(2n);
        expect(b.position).toBeGreaterThan(a.position);
        const c = await store.appendToStream(stream, [event(), event()], { expectedRevision: b.nextExpectedRevision });
        expect(c.nextExpectedRevision).toBe(4n);
        expect(await revisions(store, stream)).toEqual([0n, 1n, 2n, 3n, 4n]);
      });

      it('refuses a stale revision and reports the actual one, writing nothing', async () => {
        const stream = newStream();
        await store.appendToStream(stream, [event(), event(), event()], { expectedRevision: 'no_stream' });
        for (const stale of [0n, 1n, 5n]) {
          const error = await failure(store.appendToStream(stream, [event()], { expectedRevision: stale }));
          expect(error).toBeInstanceOf(ExpectedRevisionConflict);
          expect(error).toMatchObject({ stream, expected: stale, actual: 2n });
        }
        const missing = newStream();
        const error = await failure(store.appendToStream(missing, [event()], { expectedRevision: 0n }));
        expect(error).toMatchObject({ stream: missing, expected: 0n, actual: 'no_stream' });
        expect(await revisions(store, stream)).toEqual([0n, 1n, 2n]);
        await expect(collect(store.readStream(missing))).rejects.toBeInstanceOf(StreamNotFound);
      });

      it("appends with 'any' whatever the stream's state (and by default)", async () => {
        const stream = newStream();
        expect((await store.appendToStream(stream, [event()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(
          0n,
        );
        expect((await store.appendToStream(stream, [event()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(
          1n,
        );
        expect((await store.appendToStream(stream, [event()])).nextExpectedRevision).toBe(2n);
        expect(await revisions(store, stream)).toEqual([0n, 1n, 2n]);
      });

      it('stream_exists fails on a missing stream and succeeds on an existing one', async () => {
        const stream = newStream();
        const error = await failure(store.appendToStream(stream, [event()], { expectedRevision: 'stream_exists' }));
        expect(error).toBeInstanceOf(ExpectedRevisionConflict);
        expect(error).toMatchObject({ stream, expected: 'stream_exists', actual: 'no_stream' });
        await expect(collect(store.readStream(stream))).rejects.toBeInstanceOf(StreamNotFound);

        await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        const ok = await store.appendToStream(stream, [event()], { expectedRevision: 'stream_exists' });
        expect(ok.nextExpectedRevision).toBe(1n);
      });

      it('treats a retry with the same event ids at the same expected revision as a success without duplicates', async () => {
        const stream = newStream();
        const batch = [event(), event()];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        const retry = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(retry).toEqual(first);

        const next = [event()];
        const second = await store.appendToStream(stream, next, { expectedRevision: 1n });
        await store.appendToStream(stream, [event()], { expectedRevision: 2n });
        // The stream has moved on, yet the retried ids are exactly where the retry expects them.
        const secondRetry = await store.appendToStream(stream, next, { expectedRevision: 1n });
        expect(secondRetry).toEqual(second);
        const firstAgain = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(firstAgain).toEqual(first);

        const stored = await collect(store.readStream(stream));
        expect(stored.map((e) => e.id)).toEqual([batch[0].id, batch[1].id, next[0].id, expect.any(String)]);
        expect(stored.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      });
    });

    describe('readStream', () => {
      it('reads forwards, backwards, with maxCount and from a revision', async () => {
        const stream = newStream();
        const sent = Array.from({ length: 5 }, (_, i) =>
          event({ type: 'Numbered', data: { n: i, nested: { list: [i, 'x'] } }, metadata: { by: 'contract', i } }),
        );
        const appended = await store.appendToStream(stream, sent, { expectedRevision: 'no_stream' });

        const forwards = await collect(store.readStream(stream));
        expect(forwards.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
        forwards.forEach((e, i) => {
          expect(e).toMatchObject({ id: sent[i].id, type: 'Numbered', streamId: stream, data: sent[i].data });
          expect(e.metadata).toMatchObject({ by: 'contract', i });
          expect(e.created).toBeInstanceOf(Date);
          if (i > 0) expect(e.position).toBeGreaterThan(forwards[i - 1].position);
        });
        expect(forwards[4].position).toBe(appended.position);

        const backwards = await collect(store.readStream(stream, { direction: 'backwards' }));
        expect(backwards.map((e) => e.revision)).toEqual([4n, 3n, 2n, 1n, 0n]);
        expect(backwards.map((e) => e.id)).toEqual([...sent].reverse().map((e) => e.id));

        expect(revs(await collect(store.readStream(stream, { maxCount: 2 })))).toEqual([0n, 1n]);
        expect(revs(await collect(store.readStream(stream, { fromRevision: 2n })))).toEqual([2n, 3n, 4n]);
        expect(revs(await collect(store.readStream(stream, { fromRevision: 1n, maxCount: 2 })))).toEqual([1n, 2n]);
        expect(
          revs(await collect(store.readStream(stream, { direction: 'backwards', fromRevision: 3n, maxCount: 2 }))),
        ).toEqual([3n, 2n]);
        expect(revs(await collect(store.readStream(stream, { direction: 'backwards', fromRevision: 'end' })))).toEqual([
          4n,
          3n,
          2n,
          1n,
          0n,
        ]);
        expect(revs(await collect(store.readStream(stream, { direction: 'backwards', maxCount: 1 })))).toEqual([4n]);
        expect(await collect(store.readStream(stream, { fromRevision: 5n }))).toEqual([]);
      });

      it('throws StreamNotFound on first iteration for a missing stream', async () => {
        const stream = newStream();
        const iterable = store.readStream(stream);
        const error = await failure(collect(iterable));
        expect(error).toBeInstanceOf(StreamNotFound);
        expect(error).toMatchObject({ stream });
        await expect(collect(store.readStream(stream, { direction: 'backwards' }))).rejects.toBeInstanceOf(
          StreamNotFound,
        );
      });
    });

    describe('readAll', () => {
      it('returns events in commit order across streams', async () => {
        const category = newCategory();
        const [a, b, c] = [newStream(category), newStream(category), newStream(category)];
        const order: string[] = [];
        const results: AppendResult[] = [];
        for (const stream of [a, b, a, c, b, a]) {
          const e = event();
          order.push(e.id);
          results.push(await store.appendToStream(stream, [e]));
        }
        // Concurrent appends: whatever order they commit in, $all shows that order.
        const concurrent = await Promise.all(
          Array.from({ length: 20 }, (_, i) => {
            const e = event({ data: { i } });
            return store.appendToStream(newStream(category), [e]).then((r) => ({ id: e.id, position: r.position }));
          }),
        );
        const committed = [...concurrent].sort((x, y) => (x.position < y.position ? -1 : 1));

        const all = await collect(store.readAll({ filter: { streamCategories: [category] } }));
        expect(all.map((e) => e.id)).toEqual([...order, ...committed.map((x) => x.id)]);
        expect(all.slice(0, 6).map((e) => e.position)).toEqual(results.map((r) => r.position));
        expect(all.slice(6).map((e) => e.position)).toEqual(committed.map((x) => x.position));
        for (let i = 1; i < all.length; i++) expect(all[i].position).toBeGreaterThan(all[i - 1].position);
        expect(all.slice(0, 6).map((e) => e.streamId)).toEqual([a, b, a, c, b, a]);

        const backwards = await collect(
          store.readAll({ direction: 'backwards', filter: { streamCategories: [category] } }),
        );
        expect(backwards.map((e) => e.id)).toEqual(all.map((e) => e.id).reverse());
        expect(await store.headPosition()).toBeGreaterThanOrEqual(all[all.length - 1].position);
      });

      it('reads from a position (inclusive), both directions, with maxCount and several categories', async () => {
        const category = newCategory();
        const other = newCategory();
        const streams = [newStream(category), newStream(category)];
        const ids: string[] = [];
        const positions: bigint[] = [];
        for (let i = 0; i < 5; i++) {
          const e = event({ data: { i } });
          ids.push(e.id);
          positions.push((await store.appendToStream(streams[i % 2], [e])).position);
          await store.appendToStream(newStream(other), [event()]);
        }
        const filter = { streamCategories: [category] };
        const idsOf = (events: RecordedEvent[]) => events.map((e) => e.id);

        expect(idsOf(await collect(store.readAll({ fromPosition: positions[2], filter })))).toEqual(ids.slice(2));
        expect(
          idsOf(await collect(store.readAll({ fromPosition: positions[2], direction: 'backwards', filter }))),
        ).toEqual([ids[2], ids[1], ids[0]]);
        expect(idsOf(await collect(store.readAll({ fromPosition: positions[1], maxCount: 2, filter })))).toEqual([
          ids[1],
          ids[2],
        ]);
        expect(
          idsOf(await collect(store.readAll({ fromPosition: 'end', direction: 'backwards', maxCount: 1, filter }))),
        ).toEqual([ids[4]]);

        const unfiltered = await collect(store.readAll({ fromPosition: positions[3], maxCount: 1 }));
        expect(unfiltered.map((e) => [e.id, e.position])).toEqual([[ids[3], positions[3]]]);

        const both = await collect(
          store.readAll({ fromPosition: positions[0], filter: { streamCategories: [category, other] } }),
        );
        expect(both).toHaveLength(10);
        expect(both.filter((e) => e.streamId.startsWith(`${category}-`)).map((e) => e.id)).toEqual(ids);
        for (let i = 1; i < both.length; i++) expect(both[i].position).toBeGreaterThan(both[i - 1].position);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers history, then caughtUp, then live events in global order under concurrent appends', async () => {
        const category = newCategory();
        const history: string[] = [];
        for (let i = 0; i < 3; i++) {
          const e = event({ data: { history: i } });
          history.push(e.id);
          await store.appendToStream(newStream(category), [e]);
        }
        const subscription = store.subscribeToAll({ fromPosition: 'start', filter: { streamCategories: [category] } });
        try {
          const reader = messages(subscription);
          const past = await reader.take(4);
          expect(past.slice(0, 3).map(idOf)).toEqual(history);
          expect(past[3].kind).toBe('caughtUp');

          const writers = 8;
          const perWriter = 6;
          const live = await Promise.all(
            Array.from({ length: writers }, async (_, w) => {
              const stream = newStream(category);
              const mine: { id: string; position: bigint }[] = [];
              for (let i = 0; i < perWriter; i++) {
                const e = event({ data: { w, i } });
                const expectedRevision: ExpectedRevision = i === 0 ? 'no_stream' : BigInt(i - 1);
                mine.push({
                  id: e.id,
                  position: (await store.appendToStream(stream, [e], { expectedRevision })).position,
                });
              }
              return mine;
            }),
          );
          const expected = live.flat().sort((x, y) => (x.position < y.position ? -1 : 1));
          const delivered = await reader.take(expected.length);
          expect(delivered.every((m) => m.kind === 'event')).toBe(true);
          expect(delivered.map(idOf)).toEqual(expected.map((x) => x.id));
          expect(delivered.map((m) => (m.kind === 'event' ? m.event.position : -1n))).toEqual(
            expected.map((x) => x.position),
          );
        } finally {
          await subscription.close();
        }
      });

      it('starts after a checkpoint position (exclusive) and from the end', async () => {
        const category = newCategory();
        const ids: string[] = [];
        const positions: bigint[] = [];
        for (let i = 0; i < 4; i++) {
          const e = event();
          ids.push(e.id);
          positions.push((await store.appendToStream(newStream(category), [e])).position);
        }
        const filter = { streamCategories: [category] };
        const fromCheckpoint = store.subscribeToAll({ fromPosition: positions[1], filter });
        const fromEnd = store.subscribeToAll({ fromPosition: 'end', filter });
        try {
          const checkpointReader = messages(fromCheckpoint);
          const got = await checkpointReader.take(3);
          expect(got.slice(0, 2).map(idOf)).toEqual([ids[2], ids[3]]);
          expect(got[2].kind).toBe('caughtUp');

          const endReader = messages(fromEnd);
          expect((await endReader.take(1))[0].kind).toBe('caughtUp');
          const e = event();
          await store.appendToStream(newStream(category), [e]);
          expect((await endReader.take(1)).map(idOf)).toEqual([e.id]);
          expect((await checkpointReader.take(1)).map(idOf)).toEqual([e.id]);
        } finally {
          await fromCheckpoint.close();
          await fromEnd.close();
        }
      });

      it('ends iteration when closed', async () => {
        const subscription = store.subscribeToAll({
          fromPosition: 'end',
          filter: { streamCategories: [newCategory()] },
        });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await withTimeout(iterator.next(), 'caughtUp')).value).toMatchObject({ kind: 'caughtUp' });
        const pending = iterator.next();
        await subscription.close();
        expect(await withTimeout(pending, 'end of iteration after close')).toMatchObject({ done: true });
      });

      it('sees appends made through another handle on the same store', async () => {
        if (!fixture.reopen) return;
        const category = newCategory();
        const other = await fixture.reopen();
        const subscription = store.subscribeToAll({ fromPosition: 'end', filter: { streamCategories: [category] } });
        try {
          const reader = messages(subscription);
          expect((await reader.take(1))[0].kind).toBe('caughtUp');
          const stream = newStream(category);
          const sent = [event(), event(), event()];
          await other.appendToStream(stream, [sent[0]], { expectedRevision: 'no_stream' });
          await other.appendToStream(stream, sent.slice(1), { expectedRevision: 0n });
          expect((await reader.take(3)).map(idOf)).toEqual(sent.map((e) => e.id));
          // And the other handle sees this one's writes under optimistic concurrency.
          const error = await failure(other.appendToStream(stream, [event()], { expectedRevision: 1n }));
          expect(error).toMatchObject({ actual: 2n });
          expect(revs(await collect(store.readStream(stream)))).toEqual([0n, 1n, 2n]);
        } finally {
          await subscription.close();
          await other.close();
        }
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of 200 concurrent appends at the same expected revision win', async () => {
        const stream = newStream();
        await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        const attempts = Array.from({ length: 200 }, (_, i) =>
          store.appendToStream(stream, [event({ data: { attempt: i } })], { expectedRevision: 0n }),
        );
        const settled = await Promise.allSettled(attempts);
        const won = settled.filter((s) => s.status === 'fulfilled');
        const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(199);
        for (const l of lost) {
          expect(l.reason).toBeInstanceOf(ExpectedRevisionConflict);
          expect(l.reason).toMatchObject({ stream, expected: 0n, actual: 1n });
        }
        expect(await revisions(store, stream)).toEqual([0n, 1n]);
      });
    });

    describe('payloads', () => {
      it('round-trips a 1 MB event', async () => {
        const stream = newStream();
        const blob = randomBytes(500_000).toString('hex'); // 1,000,000 characters
        const sent = event({ data: { blob, tail: 'end' }, metadata: { size: blob.length } });
        await store.appendToStream(stream, [sent], { expectedRevision: 'no_stream' });
        const [got] = await collect(store.readStream(stream));
        expect(got.data).toEqual({ blob, tail: 'end' });
        expect(got.metadata).toMatchObject({ size: 1_000_000 });
      });

      it('round-trips Chinese text in data and metadata', async () => {
        const stream = newStream();
        const data = {
          标题: '疫情防控应急预案',
          内容: '请各单位于今日18时前上报外出人员登记造册情况，𠮷野家 🦠 ✓',
          名单: ['张三', '李四', '王五'],
        };
        const metadata = { actor: { name: '区应急管理局值班员', unit: '防控办' } };
        await store.appendToStream(stream, [event({ data, metadata })], { expectedRevision: 'no_stream' });
        const [got] = await collect(store.readStream(stream));
        expect(got.data).toEqual(data);
        expect(got.metadata).toMatchObject(metadata);
        const [fromAll] = await collect(store.readAll({ fromPosition: got.position, maxCount: 1 }));
        expect(fromAll.data).toEqual(data);
      });
    });

    describe('bad input is refused and changes nothing', () => {
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      const badData: [string, unknown][] = [
        ['a function', { f: () => 1 }],
        ['a BigInt', { n: 10n }],
        ['a cycle', cyclic],
      ];

      it.each(['', 'noCategory', '-abc', 'has space-1', 'bad/char-1', 'cat-'])(
        'refuses the stream name %j',
        async (stream) => {
          const error = await failure(store.appendToStream(stream, [event()], { expectedRevision: 'any' }));
          expect(error).toBeInstanceOf(EventStoreValidationError);
        },
      );

      it.each(badData)('refuses data containing %s', async (_what, data) => {
        await expectRefused([event({ data })]);
      });

      it('refuses an event over the size limit', async () => {
        await expectRefused([event({ data: { blob: 'x'.repeat(MAX_EVENT_BYTES) } })]);
      });

      it('refuses an id that is not a uuid', async () => {
        await expectRefused([{ ...event(), id: 'not-a-uuid' }]);
      });

      it('writes none of an append whose last event is bad', async () => {
        await expectRefused([event(), event(), event({ data: { f: () => 1 } })]);
      });

      async function expectRefused(events: EventData[]): Promise<void> {
        const stream = newStream();
        const error = await failure(store.appendToStream(stream, events, { expectedRevision: 'no_stream' }));
        expect(error).toBeInstanceOf(EventStoreValidationError);
        await expect(collect(store.readStream(stream))).rejects.toBeInstanceOf(StreamNotFound);
        // The stream is still new: the same append, made valid, starts at revision 0.
        const ok = await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        expect(ok.nextExpectedRevision).toBe(0n);
      }
    });
  });
}

// ------------------------------------------------------------------ helpers

function newCategory(): string {
  return `contract${randomBytes(6).toString('hex')}`;
}

function newStream(category = newCategory()): string {
  return `${category}-${randomUUID()}`;
}

function event(overrides: Partial<EventData> = {}): EventData {
  return { id: randomUUID(), type: 'ContractTested', data: { ok: true }, metadata: {}, ...overrides };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function revisions(store: EventStore, stream: string): Promise<bigint[]> {
  return revs(await collect(store.readStream(stream)));
}

function revs(events: RecordedEvent[]): bigint[] {
  return events.map((e) => e.revision);
}

function idOf(message: SubscriptionMessage): string {
  return message.kind === 'event' ? message.event.id : `<${message.kind}>`;
}

/** The error a promise (or a synchronous throw while making it) ends with; fails if it succeeds. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

const WAIT_MS = 10_000;

async function withTimeout<T>(promise: Promise<T>, what: string | (() => string), ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const describe = () => (typeof what === 'string' ? what : what());
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${describe()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Pulls messages from a subscription, each batch within a timeout so a broken adapter fails instead of hanging. */
function messages(subscription: AsyncIterable<SubscriptionMessage>) {
  const iterator = subscription[Symbol.asyncIterator]();
  return {
    async take(n: number): Promise<SubscriptionMessage[]> {
      const out: SubscriptionMessage[] = [];
      const pull = async () => {
        while (out.length < n) {
          const next = await iterator.next();
          if (next.done) throw new Error(`subscription ended after ${out.length} of ${n} messages`);
          out.push(next.value);
        }
      };
      await withTimeout(pull(), () => `${n} subscription messages (got ${out.length}: ${out.map(idOf).join(', ')})`);
      return out;
    },
  };
}
