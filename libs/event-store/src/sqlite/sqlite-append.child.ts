/**
 * Test helper run as a separate OS process by sqlite-event-store.int.spec.ts:
 * appends `count` events to one stream of the given file, each at the revision
 * it last read, retrying on conflict, as a second api/worker process would.
 *
 * Usage: node -r ts-node/register/transpile-only -r tsconfig-paths/register \
 *   sqlite-append.child.ts <dbPath> <stream> <count> [pauseMs]
 * The pause between appends lets the other process take the write lock in
 * between (SQLite's busy handler is not fair to a waiting writer).
 * Prints one JSON line: { appended, conflicts, revisions }.
 */
import { randomUUID } from 'node:crypto';
import { ExpectedRevisionConflict, StreamNotFound } from '../event-store.errors';
import type { ExpectedRevision } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

async function currentRevision(store: SqliteEventStore, stream: string): Promise<ExpectedRevision> {
  try {
    for await (const event of store.readStream(stream, { direction: 'backwards', maxCount: 1 })) return event.revision;
  } catch (error) {
    if (error instanceof StreamNotFound) return 'no_stream';
    throw error;
  }
  return 'no_stream';
}

async function main(): Promise<void> {
  const [path, stream, countText, pauseText] = process.argv.slice(2);
  const pauseMs = Number(pauseText ?? 0);
  const store = new SqliteEventStore({ path });
  const revisions: string[] = [];
  let conflicts = 0;
  try {
    for (let i = 0; i < Number(countText); ) {
      const expectedRevision = await currentRevision(store, stream);
      try {
        const result = await store.appendToStream(
          stream,
          [{ id: randomUUID(), type: 'ChildAppended', data: { pid: process.pid, i } }],
          { expectedRevision },
        );
        revisions.push(String(result.nextExpectedRevision));
        i++;
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      } catch (error) {
        if (!(error instanceof ExpectedRevisionConflict)) throw error;
        conflicts++;
      }
    }
  } finally {
    await store.close();
  }
  process.stdout.write(`${JSON.stringify({ appended: revisions.length, conflicts, revisions })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
