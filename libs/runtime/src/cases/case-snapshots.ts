import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import {
  CASE_SNAPSHOT_FORMAT,
  type CaseSnapshotRecord,
  type CaseState,
  type WorkflowDefinition,
  toSnapshotRecord,
} from '@app/engine';
import { type AppendResult, EVENT_STORE, type EventStore, type RecordedEvent, StreamNotFound } from '@app/event-store';
import { Clock } from './clock';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/**
 * Category of the snapshot streams, one per case:
 * `caseSnapshot-<process>_<uuid>`. Not a process name (the service refuses a
 * registry that has one), so every reader of the log that keeps to process
 * categories (projections, reconciler, risk propagation) never sees them.
 */
export const CASE_SNAPSHOT_CATEGORY = 'caseSnapshot';
/** The type of a snapshot event. */
export const CASE_SNAPSHOT_TAKEN = 'CASE_SNAPSHOT_TAKEN';
export const CASE_SNAPSHOT_OPTIONS = Symbol('CASE_SNAPSHOT_OPTIONS');

export interface CaseSnapshotOptions {
  /**
   * A snapshot is taken each time a case's event count reaches a multiple of
   * this (and after a cold load that folded at least this many events).
   * 0 turns snapshots off: none is written and none is read.
   */
  every: number;
  /** A record whose JSON is larger is stored deflated (base64). Default 256 KiB. */
  inlineMaxBytes?: number;
}

/** What identifies a record, repeated outside it so a stale one is known before it is decoded. */
export interface CaseSnapshotHeader {
  format: number;
  process: string;
  version: number;
  caseId: string;
  revision: string;
  lastEventId: string;
  lastHash: string;
}

/** The data of a snapshot event: the header and the record, as JSON or deflated. */
export type CaseSnapshotEventData = CaseSnapshotHeader &
  ({ encoding: 'json'; record: CaseSnapshotRecord } | { encoding: 'deflate'; deflated: string });

/** The newest snapshot of a case as read from its snapshot stream. */
export interface StoredCaseSnapshot {
  header: CaseSnapshotHeader;
  /** The snapshot event (its revision and position in the snapshot stream). */
  event: RecordedEvent;
  /** The record (inflated and parsed when it was stored deflated). @throws when it is unreadable. */
  record(): Promise<CaseSnapshotRecord>;
}

const DEFAULT_INLINE_MAX_BYTES = 256 * 1024;

/** `caseSnapshot-<process>_<uuid>` for `<process>-<uuid>`. */
export function caseSnapshotStreamId(caseStreamId: string): string {
  return `${CASE_SNAPSHOT_CATEGORY}-${caseStreamId.replace('-', '_')}`;
}

/**
 * Snapshots of case states, kept in the event store itself (so they work on
 * every adapter), one stream per case. A snapshot is a cache: the case
 * stream stays the truth, a snapshot is used only when it matches the
 * stream's event at its revision, and everything that reads history
 * (verification, time travel) reads the events.
 *
 * Writing is off the command's path: scheduled after the append resolved,
 * one write at a time per case (a newer state waiting replaces an older one),
 * failures logged and never thrown. Pending writes finish before the module
 * is destroyed, so before the store closes.
 */
@Injectable()
export class CaseSnapshots implements OnModuleDestroy {
  private readonly logger = new Logger(CaseSnapshots.name);
  private readonly every: bigint;
  private readonly inlineMaxBytes: number;
  /** Background writes by case stream; `next` is the newest state still to write. */
  private readonly writes = new Map<
    string,
    { running?: Promise<void>; next?: { def: WorkflowDefinition; state: CaseState } }
  >();
  private closing = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CASE_SNAPSHOT_OPTIONS) options: CaseSnapshotOptions,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(options.every) || options.every < 0) {
      throw new Error(`CaseSnapshots: every must be an integer >= 0, got ${String(options.every)}`);
    }
    this.every = BigInt(options.every);
    this.inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
  }

  get enabled(): boolean {
    return this.every > 0n;
  }

  /** Whether going from revision `before` to `after` crossed a multiple of `every` events. */
  isDue(before: bigint, after: bigint): boolean {
    return this.enabled && (after + 1n) / this.every > (before + 1n) / this.every;
  }

  /** After an append took the case from revision `before` to `state`: a snapshot if one is due. Never waits. */
  afterCommit(def: WorkflowDefinition, before: bigint, state: CaseState): void {
    if (this.isDue(before, state.revision)) this.schedule(def, state);
  }

  /**
   * After a cold load that folded `folded` events past its starting point
   * (CASE_STARTED or a snapshot): a snapshot when that was at least `every`,
   * so a long case without one (older than this setting, or whose write
   * failed) gets one the first time it is loaded.
   */
  afterLoad(def: WorkflowDefinition, state: CaseState, folded: number): void {
    if (this.enabled && BigInt(folded) >= this.every) this.schedule(def, state);
  }

  /** Writes a snapshot of `state` in the background (see the class comment). */
  schedule(def: WorkflowDefinition, state: CaseState): void {
    if (!this.enabled || this.closing) return;
    const entry = this.writes.get(state.streamId);
    if (entry) {
      if (!entry.next || entry.next.state.revision < state.revision) entry.next = { def, state };
      return;
    }
    const created: { running?: Promise<void>; next?: { def: WorkflowDefinition; state: CaseState } } = {
      next: { def, state },
    };
    this.writes.set(state.streamId, created);
    created.running = this.run(state.streamId, created);
  }

  private async run(streamId: string, entry: { next?: { def: WorkflowDefinition; state: CaseState } }): Promise<void> {
    try {
      // Past the command: its caller has its answer before the record is built.
      await nextTurn();
      while (entry.next) {
        const { def, state } = entry.next;
        entry.next = undefined;
        try {
          await this.write(def, state);
        } catch (error) {
          this.logger.warn(
            `snapshot of ${streamId} at revision ${state.revision} not written: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    } finally {
      this.writes.delete(streamId);
    }
  }

  /**
   * Appends a snapshot of `state` now, as the background write does
   * (expectedRevision 'any'). Each write is a new event, newest wins: a
   * snapshot that a load refused (it does not match the stream, or cannot be
   * restored) is superseded by the one the load's full fold then writes. (Ids
   * derived from the content would make a repeated write a no-op, and so could
   * leave a refused snapshot the newest for good.)
   */
  async write(def: WorkflowDefinition, state: CaseState): Promise<AppendResult> {
    const record = toSnapshotRecord(def, state);
    const header: CaseSnapshotHeader = {
      format: record.format,
      process: record.process,
      version: record.version,
      caseId: record.caseId,
      revision: record.revision,
      lastEventId: record.lastEventId,
      lastHash: record.lastHash,
    };
    const text = JSON.stringify(record);
    const data: CaseSnapshotEventData =
      Buffer.byteLength(text) <= this.inlineMaxBytes
        ? { ...header, encoding: 'json', record }
        : { ...header, encoding: 'deflate', deflated: (await deflateAsync(text)).toString('base64') };
    const stream = caseSnapshotStreamId(state.streamId);
    // Nothing a reader of the log acts on: no caseId, effects or timers in the metadata.
    const metadata = { snapshotOf: state.streamId, revision: header.revision, takenAt: this.clock.now().toISOString() };
    return this.store.appendToStream(stream, [{ id: randomUUID(), type: CASE_SNAPSHOT_TAKEN, data, metadata }], {
      expectedRevision: 'any',
    });
  }

  /**
   * The newest snapshot of a case, or undefined: none, snapshots off, or one
   * this code cannot read (another format, malformed; logged). Store errors
   * are thrown.
   */
  async latest(caseStreamId: string): Promise<StoredCaseSnapshot | undefined> {
    if (!this.enabled) return undefined;
    let event: RecordedEvent | undefined;
    try {
      for await (const e of this.store.readStream(caseSnapshotStreamId(caseStreamId), {
        direction: 'backwards',
        maxCount: 1,
      })) {
        event = e;
      }
    } catch (error) {
      if (error instanceof StreamNotFound) return undefined;
      throw error;
    }
    if (!event) return undefined;
    const data = event.data as Partial<CaseSnapshotEventData> | null;
    if (event.type !== CASE_SNAPSHOT_TAKEN || !isHeader(data) || data.format !== CASE_SNAPSHOT_FORMAT) {
      this.logger.warn(`snapshot ${event.id} of ${caseStreamId} is not one this version reads; ignored`);
      return undefined;
    }
    const header: CaseSnapshotHeader = {
      format: data.format,
      process: data.process,
      version: data.version,
      caseId: data.caseId,
      revision: data.revision,
      lastEventId: data.lastEventId,
      lastHash: data.lastHash,
    };
    return { header, event, record: () => decode(header, data as CaseSnapshotEventData) };
  }

  /** Resolves once every background write has finished (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.writes.size > 0) {
      await Promise.all([...this.writes.values()].map((entry) => entry.running));
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.drain();
  }
}

async function decode(header: CaseSnapshotHeader, data: CaseSnapshotEventData): Promise<CaseSnapshotRecord> {
  let record: CaseSnapshotRecord;
  if (data.encoding === 'json') record = data.record;
  else if (data.encoding === 'deflate' && typeof data.deflated === 'string') {
    record = JSON.parse((await inflateAsync(Buffer.from(data.deflated, 'base64'))).toString('utf8'));
  } else {
    throw new Error(`unknown encoding ${String((data as { encoding?: unknown }).encoding)}`);
  }
  const same =
    record !== null &&
    typeof record === 'object' &&
    record.format === header.format &&
    record.process === header.process &&
    record.version === header.version &&
    record.caseId === header.caseId &&
    record.revision === header.revision &&
    record.lastEventId === header.lastEventId &&
    record.lastHash === header.lastHash;
  if (!same) throw new Error('the record does not match its header');
  return record;
}

function isHeader(data: Partial<CaseSnapshotEventData> | null): data is CaseSnapshotHeader {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof data.format === 'number' &&
    typeof data.process === 'string' &&
    typeof data.version === 'number' &&
    typeof data.caseId === 'string' &&
    typeof data.revision === 'string' &&
    /^(0|[1-9][0-9]*)$/.test(data.revision) &&
    typeof data.lastEventId === 'string' &&
    typeof data.lastHash === 'string'
  );
}
