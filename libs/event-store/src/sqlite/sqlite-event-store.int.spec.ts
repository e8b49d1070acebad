import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ExpectedRevisionConflict, StreamNotFound } from '../event-store.errors';
import { describeEventStoreContract } from '../event-store.contract';
import type { EventData, EventStore, ExpectedRevision, SubscriptionMessage } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

const tempDirs: string[] = [];
function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-event-store-'));
  tempDirs.push(dir);
  // A missing sub-directory checks that the store creates it.
  return join(dir, 'nested', 'events.db');
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describeEventStoreContract('SQLite', async () => {
  const path = tempDbPath();
  const store = new SqliteEventStore({ path, pollIntervalMs: 20 });
  return {
    store,
    reopen: async () => new SqliteEventStore({ path, pollIntervalMs: 20 }),
    cleanup: () => store.close(),
  };
});

function event(data: unknown = { ok: true }): EventData {
  return { id: randomUUID(), type: 'Tested', data };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function currentRevision(store: EventStore, stream: string): Promise<ExpectedRevision> {
  try {
    for await (const e of store.readStream(stream, { direction: 'backwards', maxCount: 1 })) return e.revision;
  } catch (error) {
    if (error instanceof StreamNotFound) return 'no_stream';
    throw error;
  }
  return 'no_stream';
}

/** Appends `count` events one by one at the revision last read, retrying on conflict. */
async function contend(store: EventStore, stream: string, count: number): Promise<bigint[]> {
  const revisions: bigint[] = [];
  while (revisions.length < count) {
    const expectedRevision = await currentRevision(store, stream);
    try {
      revisions.push((await store.appendToStream(stream, [event()], { expectedRevision })).nextExpectedRevision);
    } catch (error) {
      if (!(error instanceof ExpectedRevisionConflict)) throw error;
    }
  }
  return revisions;
}

describe('SqliteEventStore specifics', () => {
  let path: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    path = tempDbPath();
    store = new SqliteEventStore({ path, pollIntervalMs: 20 });
  });
  afterEach(async () => {
    await store.close();
  });

  describe('group commit', () => {
    it('writes concurrent appends to different streams in shared transactions', async () => {
      const before = store.stats();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          store.appendToStream(`group-${i}`, [event({ i })], { expectedRevision: 'no_stream' }),
        ),
      );
      const after = store.stats();
      expect(results.every((r) => r.nextExpectedRevision === 0n)).toBe(true);
      expect(after.appends - before.appends).toBe(100);
      expect(after.events - before.events).toBe(100);
      expect(after.transactions - before.transactions).toBeLessThanOrEqual(2);
      expect(after.largestBatch).toBeGreaterThanOrEqual(50);
      // Positions are distinct and gap-free within the batch.
      const positions = results.map((r) => Number(r.position)).sort((a, b) => a - b);
      expect(positions[positions.length - 1] - positions[0]).toBe(99);
    });

    it('fails only the conflicting appends of a batch', async () => {
      await store.appendToStream('mixed-taken', [event()], { expectedRevision: 'no_stream' });
      const before = store.stats();
      const settled = await Promise.allSettled([
        store.appendToStream('mixed-a', [event()], { expectedRevision: 'no_stream' }),
        store.appendToStream('mixed-taken', [event()], { expectedRevision: 'no_stream' }),
        store.appendToStream('mixed-b', [event(), event()], { expectedRevision: 'no_stream' }),
        store.appendToStream('mixed-a', [event()], { expectedRevision: 0n }),
        store.appendToStream('mixed-a', [event()], { expectedRevision: 0n }),
        store.appendToStream('mixed-missing', [event()], { expectedRevision: 'stream_exists' }),
      ]);
      expect(store.stats().transactions - before.transactions).toBe(1);
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'rejected',
        'rejected',
      ]);
      expect((settled[4] as PromiseRejectedResult).reason).toMatchObject({ stream: 'mixed-a', actual: 1n });
      expect((settled[5] as PromiseRejectedResult).reason).toMatchObject({ actual: 'no_stream' });
      expect((await collect(store.readStream('mixed-a'))).map((e) => e.revision)).toEqual([0n, 1n]);
      expect((await collect(store.readStream('mixed-b'))).map((e) => e.revision)).toEqual([0n, 1n]);
      expect((await collect(store.readStream('mixed-taken'))).length).toBe(1);
      await expect(collect(store.readStream('mixed-missing'))).rejects.toBeInstanceOf(StreamNotFound);
    });

    it('treats a retry in the same batch as idempotent', async () => {
      const batch = [event(), event()];
      const [first, second] = await Promise.all([
        store.appendToStream('retry-1', batch, { expectedRevision: 'no_stream' }),
        store.appendToStream('retry-1', batch, { expectedRevision: 'no_stream' }),
      ]);
      expect(second).toEqual(first);
      expect((await collect(store.readStream('retry-1'))).length).toBe(2);
    });

    it('refuses an event id already stored in another stream, leaving the rest of the batch', async () => {
      const reused = event();
      await store.appendToStream('ids-a', [reused]);
      const settled = await Promise.allSettled([
        store.appendToStream('ids-b', [event(), reused], { expectedRevision: 'no_stream' }),
        store.appendToStream('ids-c', [event()], { expectedRevision: 'no_stream' }),
      ]);
      // Codes, not just statuses: a failure then says what went wrong with each append.
      expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason?.code ?? s.reason) : s.status))).toEqual([
        'STORE.INVALID_INPUT',
        'fulfilled',
      ]);
      await expect(collect(store.readStream('ids-b'))).rejects.toBeInstanceOf(StreamNotFound);
    });
  });

  describe('paging', () => {
    it('reads and subscribes across page boundaries', async () => {
      const small = new SqliteEventStore({ path: tempDbPath(), readPageSize: 4, pollIntervalMs: 20 });
      try {
        const ids: string[] = [];
        for (let i = 0; i < 11; i++) {
          const e = event({ i });
          ids.push(e.id);
          await small.appendToStream(i % 2 === 0 ? 'pa-1' : 'pb-1', [e]);
          await small.appendToStream(`other-${i}`, [event()]);
        }
        const idsOf = (events: { id: string }[]) => events.map((e) => e.id);
        const evens = ids.filter((_, i) => i % 2 === 0);
        expect(idsOf(await collect(small.readStream('pa-1')))).toEqual(evens);
        expect(idsOf(await collect(small.readStream('pa-1', { direction: 'backwards' })))).toEqual(
          [...evens].reverse(),
        );
        expect(idsOf(await collect(small.readStream('pa-1', { fromRevision: 1n, maxCount: 5 })))).toEqual(
          evens.slice(1, 6),
        );
        const both = { streamCategories: ['pa', 'pb', 'pa'] };
        expect(idsOf(await collect(small.readAll({ filter: both })))).toEqual(ids);
        expect(idsOf(await collect(small.readAll({ filter: both, direction: 'backwards' })))).toEqual(
          [...ids].reverse(),
        );
        expect(idsOf(await collect(small.readAll({ filter: both, maxCount: 9 })))).toEqual(ids.slice(0, 9));
        expect(await collect(small.readAll())).toHaveLength(22);

        const subscription = small.subscribeToAll({ filter: { streamCategories: ['pb'] } });
        const got: string[] = [];
        for await (const message of subscription) {
          got.push(message.kind === 'event' ? message.event.id : 'caughtUp');
          if (message.kind === 'caughtUp') break;
        }
        expect(got).toEqual([...ids.filter((_, i) => i % 2 === 1), 'caughtUp']);
      } finally {
        await small.close();
      }
    });

    it('re-reads from the start each time an iterable is iterated', async () => {
      await store.appendToStream('again-1', [event(), event()]);
      const iterable = store.readStream('again-1');
      expect(await collect(iterable)).toHaveLength(2);
      expect(await collect(iterable)).toHaveLength(2);
    });
  });

  describe('a write lock held by another process', () => {
    it('waits for it and then writes, without blocking other work for the whole wait', async () => {
      // 5 tries of 100 ms plus back-off: room for the 60 ms release even when the machine is busy.
      const patient = new SqliteEventStore({ path, busyTimeoutMs: 100 });
      const locker = new Database(path);
      try {
        locker.exec('BEGIN IMMEDIATE');
        const append = patient.appendToStream('locked-1', [event()], { expectedRevision: 'no_stream' });
        setTimeout(() => locker.exec('COMMIT'), 60);
        await expect(append).resolves.toMatchObject({ nextExpectedRevision: 0n });
      } finally {
        if (locker.inTransaction) locker.exec('COMMIT');
        locker.close();
        await patient.close();
      }
    });

    it('gives up with SQLITE_BUSY when the lock is never released, and stays usable', async () => {
      const patient = new SqliteEventStore({ path, busyTimeoutMs: 10 });
      const locker = new Database(path);
      try {
        locker.exec('BEGIN IMMEDIATE');
        await expect(patient.appendToStream('locked-2', [event()])).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
        locker.exec('COMMIT');
        await expect(patient.appendToStream('locked-2', [event()])).resolves.toMatchObject({
          nextExpectedRevision: 0n,
        });
      } finally {
        if (locker.inTransaction) locker.exec('COMMIT');
        locker.close();
        await patient.close();
      }
    });
  });

  describe('durability setting', () => {
    it('defaults to synchronous=FULL in WAL mode with a busy timeout', () => {
      expect(store.connectionSettings()).toEqual({ journalMode: 'WAL', synchronous: 'FULL', busyTimeoutMs: 5000 });
    });

    it('applies synchronous=NORMAL when configured', async () => {
      const normal = new SqliteEventStore({ path: tempDbPath(), synchronous: 'NORMAL', busyTimeoutMs: 1234 });
      try {
        expect(normal.connectionSettings()).toEqual({ journalMode: 'WAL', synchronous: 'NORMAL', busyTimeoutMs: 1234 });
      } finally {
        await normal.close();
      }
    });

    it('refuses an unknown durability setting', () => {
      expect(() => new SqliteEventStore({ path: tempDbPath(), synchronous: 'OFF' as never })).toThrow(/synchronous/);
    });

    it('keeps the schema and data when the file is reopened', async () => {
      await store.appendToStream('reopen-1', [event({ n: 1 })]);
      await store.close();
      store = new SqliteEventStore({ path });
      const raw = new Database(path, { readonly: true });
      try {
        expect(raw.pragma('user_version', { simple: true })).toBe(1);
      } finally {
        raw.close();
      }
      expect((await collect(store.readStream('reopen-1')))[0].data).toEqual({ n: 1 });
    });
  });

  describe('two handles on one file', () => {
    it('keep optimistic concurrency between them', async () => {
      const other = new SqliteEventStore({ path, pollIntervalMs: 20 });
      try {
        const stream = 'shared-1';
        const [mine, theirs] = await Promise.all([contend(store, stream, 60), contend(other, stream, 60)]);
        const all = [...mine, ...theirs].sort((a, b) => (a < b ? -1 : 1));
        expect(all).toEqual(Array.from({ length: 120 }, (_, i) => BigInt(i)));
        const events = await collect(store.readStream(stream));
        expect(events.map((e) => e.revision)).toEqual(all);
        const positions = events.map((e) => e.position);
        for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]);
      } finally {
        await other.close();
      }
    });

    it('a process appending to the file is seen by a subscription and by conflicts here', async () => {
      const category = `child${randomUUID().replace(/-/g, '').slice(0, 8)}`;
      const stream = `${category}-1`;
      const subscription = store.subscribeToAll({ fromPosition: 'end', filter: { streamCategories: [category] } });
      const received: SubscriptionMessage[] = [];
      const consumed = (async () => {
        for await (const message of subscription) received.push(message);
      })();

      let childDone = false;
      const child = runChild(path, stream, 150, 1).finally(() => {
        childDone = true;
      });
      // Keep contending for the same stream for as long as the other process writes.
      const mine: bigint[] = [];
      while (!childDone || mine.length < 20) mine.push(...(await contend(store, stream, 1)));
      const theirs = await child;

      expect(theirs.appended).toBe(150);
      // The two processes really interleaved on the one stream.
      const childRevisions = theirs.revisions.map(Number);
      expect(Math.max(...childRevisions) - Math.min(...childRevisions)).toBeGreaterThan(150);
      const revisions = [...mine, ...theirs.revisions.map(BigInt)].sort((a, b) => (a < b ? -1 : 1));
      expect(revisions).toEqual(Array.from({ length: revisions.length }, (_, i) => BigInt(i)));

      const deadline = Date.now() + 10_000;
      while (received.length < 1 + revisions.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await subscription.close();
      await consumed;
      expect(received[0].kind).toBe('caughtUp');
      const live = received.slice(1).map((m) => (m.kind === 'event' ? m.event : undefined));
      expect(live.map((e) => e?.revision)).toEqual(revisions);
      const pids = new Set(live.map((e) => (e?.data as { pid?: number } | undefined)?.pid ?? process.pid));
      expect(pids.size).toBe(2);
    }, 60_000);
  });
});

interface ChildResult {
  appended: number;
  conflicts: number;
  revisions: string[];
}

function runChild(path: string, stream: string, count: number, pauseMs: number): Promise<ChildResult> {
  const root = resolve(__dirname, '../../../..');
  const script = join(__dirname, 'sqlite-append.child.ts');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        script,
        path,
        stream,
        String(count),
        String(pauseMs),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(JSON.parse(out.trim()) as ChildResult);
      else reject(new Error(`child exited with ${code}: ${err}`));
    });
  });
}
