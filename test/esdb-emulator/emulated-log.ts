/**
 * TEST INFRASTRUCTURE ONLY — never a production option.
 *
 * The in-memory transaction log behind the EventStoreDB gRPC emulator. It
 * follows EventStoreDB's documented (and, where the docs are silent, its
 * source's) semantics so that the real `@eventstore/db-client` sees what a real
 * node would send:
 *  - one global log; every append is an implicit transaction whose events are
 *    self-committed, so an event's commit position equals its prepare position
 *    and is the log offset of its record (positions are byte offsets: they grow
 *    with the record size and are NOT contiguous);
 *  - `$all` reads forwards are inclusive of the record at the given position,
 *    backwards reads return records that end at or before it (i.e. before it);
 *  - optimistic concurrency and idempotency exactly as EventStoreDB's
 *    `IndexWriter.CheckCommit` (idempotent by event ids, "corrupted
 *    idempotency" reported as a wrong expected version);
 *  - the default `$all` filter hides `$epoch-information` and persistent
 *    subscription checkpoint/parked streams; other system events are visible.
 */
import { randomUUID } from 'node:crypto';

/** A record in the log (an event written by a prepare record with the IsCommitted flag). */
export interface LogRecord {
  /** Pre-position of the record: both its commit and its prepare position. */
  readonly position: bigint;
  /** Position just after the record (where the next record starts). */
  readonly postPosition: bigint;
  readonly streamId: string;
  readonly revision: bigint;
  /** Lower-case uuid. */
  readonly eventId: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as the server reports `created`. */
  readonly created: bigint;
}

export interface ProposedEvent {
  eventId: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
}

export type ExpectedState =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

export type AppendOutcome =
  | { kind: 'success'; currentRevision: bigint; position: bigint }
  | { kind: 'wrong_expected_version'; currentRevision: bigint | 'no_stream' };

/** Server-side `$all` filter, as sent in `ReadReq.Options.FilterOptions`. */
export interface LogFilter {
  on: 'stream' | 'event_type';
  prefixes?: string[];
  regex?: string;
}

/** A log position: EventStoreDB's (commit, prepare) pair. */
export interface TfPos {
  commit: bigint;
  prepare: bigint;
}

/** Fixed per-record overhead used to model log offsets (header, length prefix and suffix). */
const RECORD_OVERHEAD = 120n;
/** EventStoreDB's default `MaxAppendSize` (1 MiB). */
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;
const TICKS_PER_MS = 10_000n;

export function comparePos(a: TfPos, b: TfPos): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** `EventFilter.DefaultAllFilter`: what an unfiltered `$all` read or subscription shows. */
export function defaultAllFilterAllows(record: LogRecord): boolean {
  const s = record.streamId;
  if (s[0] !== '$') return true;
  if (s === '$epoch-information') return false;
  if (s.startsWith('$persistentsubscription-$all::') && (s.endsWith('-checkpoint') || s.endsWith('-parked'))) {
    return false;
  }
  return true;
}

/** Compiles a server-side filter with EventStoreDB's rules (`StartsWith` / `Regex.Match`), on top of the default. */
export function compileFilter(filter: LogFilter | undefined): (record: LogRecord) => boolean {
  if (!filter) return defaultAllFilterAllows;
  const pick = filter.on === 'stream' ? (r: LogRecord) => r.streamId : (r: LogRecord) => r.type;
  if (filter.regex) {
    const regex = new RegExp(filter.regex);
    return (r) => defaultAllFilterAllows(r) && regex.test(pick(r));
  }
  const prefixes = filter.prefixes ?? [];
  return (r) => defaultAllFilterAllows(r) && prefixes.some((p) => pick(r).startsWith(p));
}

/** `Event.SizeOnDisk`: what counts towards `MaxAppendSize`. */
export function sizeOnDisk(event: ProposedEvent): number {
  return event.data.length + event.metadata.length + event.type.length * 2;
}

export class EmulatedLog {
  private readonly records: LogRecord[] = [];
  private readonly streams = new Map<string, LogRecord[]>();
  /** Event id → where it was committed (EventStoreDB keeps this in a bounded cache; we keep all). */
  private readonly committed = new Map<string, { streamId: string; revision: bigint }>();
  private readonly byPosition = new Map<bigint, number>();
  private nextPosition: bigint;
  private readonly listeners = new Set<() => void>();

  constructor(firstPosition = 0n) {
    this.nextPosition = firstPosition;
  }

  /** The position after the last record (the writer checkpoint). */
  get endPosition(): bigint {
    return this.nextPosition;
  }

  get length(): number {
    return this.records.length;
  }

  at(index: number): LogRecord {
    return this.records[index];
  }

  /** Called after every write; used by live subscriptions. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  streamRecords(streamId: string): readonly LogRecord[] | undefined {
    return this.streams.get(streamId);
  }

  lastRevision(streamId: string): bigint {
    const records = this.streams.get(streamId);
    return records && records.length > 0 ? records[records.length - 1].revision : -1n;
  }

  /**
   * A position a read may start from: 0, the end of the log, beyond the end,
   * or the start of a record. EventStoreDB reads whatever bytes are at an
   * arbitrary offset and answers "invalid position" when they are not a record.
   */
  isValidPosition(pos: TfPos): boolean {
    if (pos.commit < 0n || pos.prepare < 0n) return false;
    if (pos.commit === 0n || pos.commit >= this.nextPosition) return true;
    return this.byPosition.has(pos.commit);
  }

  /** Index of the first record at or after `pos` (forwards, inclusive). */
  firstIndexAtOrAfter(pos: TfPos): number {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.records[mid];
      if (comparePos({ commit: r.position, prepare: r.position }, pos) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index just past the last record that ends at or before `pos` (backwards reads). */
  endIndexBefore(pos: TfPos): number {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.records[mid];
      if (comparePos({ commit: r.postPosition, prepare: r.postPosition }, pos) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Appends with EventStoreDB's commit check. The caller has already enforced
   * `MaxAppendSize` and the required metadata properties.
   */
  append(streamId: string, expected: ExpectedState, events: ProposedEvent[]): AppendOutcome {
    const decision = this.checkCommit(streamId, expected, events);
    const current = this.lastRevision(streamId);
    if (decision.kind === 'wrong_expected_version') {
      return { kind: 'wrong_expected_version', currentRevision: current < 0n ? 'no_stream' : current };
    }
    if (decision.kind === 'idempotent') {
      const record = this.streams.get(streamId)![Number(decision.lastRevision)];
      return { kind: 'success', currentRevision: decision.lastRevision, position: record.position };
    }
    if (events.length === 0) {
      // An empty append succeeds without writing; EventStoreDB reports no position for it.
      return { kind: 'success', currentRevision: current, position: -1n };
    }
    let revision = current;
    let last: LogRecord | undefined;
    const created = BigInt(Date.now()) * TICKS_PER_MS;
    for (const event of events) {
      revision += 1n;
      last = this.write({ ...event, streamId, revision, created });
    }
    this.notify();
    return { kind: 'success', currentRevision: revision, position: last!.position };
  }

  /** Writes a system event (as the node itself does: stats, scavenges, settings...). */
  appendSystemEvent(streamId: string, type: string, data: unknown): LogRecord {
    const record = this.write({
      eventId: randomUUID(),
      type,
      contentType: 'application/json',
      data: Buffer.from(JSON.stringify(data), 'utf8'),
      metadata: new Uint8Array(0),
      streamId,
      revision: this.lastRevision(streamId) + 1n,
      created: BigInt(Date.now()) * TICKS_PER_MS,
    });
    this.notify();
    return record;
  }

  private write(fields: Omit<LogRecord, 'position' | 'postPosition'>): LogRecord {
    const size =
      RECORD_OVERHEAD +
      BigInt(
        Buffer.byteLength(fields.streamId) +
          Buffer.byteLength(fields.type) +
          fields.data.length +
          fields.metadata.length,
      );
    const position = this.nextPosition;
    const record: LogRecord = { ...fields, position, postPosition: position + size };
    this.nextPosition = record.postPosition;
    this.byPosition.set(position, this.records.length);
    this.records.push(record);
    let stream = this.streams.get(fields.streamId);
    if (!stream) {
      stream = [];
      this.streams.set(fields.streamId, stream);
    }
    stream.push(record);
    this.committed.set(fields.eventId, { streamId: fields.streamId, revision: fields.revision });
    return record;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** `IndexWriter.CheckCommit` (no soft deletes / tombstones in the emulator). */
  private checkCommit(
    streamId: string,
    expected: ExpectedState,
    events: ProposedEvent[],
  ): { kind: 'ok' } | { kind: 'wrong_expected_version' } | { kind: 'idempotent'; lastRevision: bigint } {
    const current = this.lastRevision(streamId);
    if (expected.kind === 'stream_exists' && current < 0n) return { kind: 'wrong_expected_version' };

    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      let first = true;
      let end = -1n;
      for (const event of events) {
        const info = this.committed.get(event.eventId);
        if (!info || info.streamId !== streamId) {
          // The first unknown id means a new write; a later one means a partly repeated write.
          return first ? { kind: 'ok' } : { kind: 'wrong_expected_version' };
        }
        end = info.revision;
        first = false;
      }
      return first ? { kind: 'ok' } : { kind: 'idempotent', lastRevision: end };
    }

    const expectedVersion = expected.kind === 'no_stream' ? -1n : expected.revision;
    if (expectedVersion < current) {
      const stream = this.streams.get(streamId) ?? [];
      let eventNumber = expectedVersion;
      for (const event of events) {
        eventNumber += 1n;
        const info = this.committed.get(event.eventId);
        if (info && info.streamId === streamId && info.revision === eventNumber) continue;
        const atRevision = eventNumber < BigInt(stream.length) ? stream[Number(eventNumber)] : undefined;
        if (atRevision?.eventId === event.eventId) continue;
        // First event differs: a plain conflict. A later one: "corrupted idempotency", also a conflict.
        return { kind: 'wrong_expected_version' };
      }
      if (eventNumber === expectedVersion) return { kind: 'wrong_expected_version' };
      return { kind: 'idempotent', lastRevision: eventNumber };
    }
    if (expectedVersion > current) return { kind: 'wrong_expected_version' };
    return { kind: 'ok' };
  }
}
