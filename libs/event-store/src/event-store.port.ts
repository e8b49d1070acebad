/**
 * The event store port: the engine's only source of truth.
 *
 * Semantics follow EventStoreDB so that the embedded SQLite adapter and the
 * EventStoreDB adapter are interchangeable (both pass `event-store.contract.ts`).
 */

/** Optimistic-concurrency expectation for an append. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** Where a read or subscription starts. */
export type StreamPosition = 'start' | 'end' | bigint;

/** An event to append. `data` and `metadata` must be JSON-serialisable. */
export interface EventData {
  /** uuid; re-appending the same ids at the same expected revision is an idempotent success. */
  id: string;
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}

/** An event as stored. */
export interface RecordedEvent<TData = unknown, TMeta = Record<string, unknown>> {
  id: string;
  type: string;
  streamId: string;
  /** 0-based position of the event in its stream. */
  revision: bigint;
  /** Global position in the log ($all); strictly increasing in commit order. */
  position: bigint;
  data: TData;
  metadata: TMeta;
  /** When the store committed it (store clock, informational only; domain time is in metadata). */
  created: Date;
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event now in the stream (pass it as the next expectedRevision). */
  nextExpectedRevision: bigint;
  /** Global position of the last appended event. */
  position: bigint;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Inclusive. Default: 'start' forwards, 'end' backwards. */
  fromRevision?: StreamPosition;
  direction?: Direction;
  maxCount?: number;
}

/** Selects events by the category of their stream (`<category>-<id>`). */
export interface AllFilter {
  streamCategories?: string[];
}

export interface ReadAllOptions {
  /** Inclusive. Default: 'start' forwards, 'end' backwards. */
  fromPosition?: StreamPosition;
  direction?: Direction;
  maxCount?: number;
  filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /**
   * Exclusive, as in EventStoreDB: a position is the last event already
   * processed (a checkpoint); delivery starts after it. 'start' delivers the
   * whole log, 'end' only events appended after the subscription started.
   */
  fromPosition?: StreamPosition;
  filter?: AllFilter;
}

export type SubscriptionMessage =
  | { kind: 'event'; event: RecordedEvent }
  /** Emitted once, when the subscription has delivered all history and goes live. */
  | { kind: 'caughtUp'; position: bigint };

/** A catch-up subscription to $all. Iterate it; `close()` ends the iteration. */
export interface AllSubscription extends AsyncIterable<SubscriptionMessage> {
  close(): Promise<void>;
}

/** The port every adapter implements. Bound to {@link EVENT_STORE} in Nest modules. */
export interface EventStore {
  appendToStream(stream: string, events: EventData[], options?: AppendOptions): Promise<AppendResult>;
  /** Throws {@link StreamNotFound} (on first iteration) when the stream has no events. */
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;
  /** Global position of the newest event in the log (0n when empty); used for lag figures. */
  headPosition(): Promise<bigint>;
  close(): Promise<void>;
}

/** DI token for the event store port. */
export const EVENT_STORE = Symbol('EVENT_STORE');
