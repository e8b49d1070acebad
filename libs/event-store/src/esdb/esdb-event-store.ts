import {
  ANY,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  type Filter,
  type JSONType,
  MaxAppendSizeExceededError,
  NO_STREAM,
  type ResolvedEvent,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  convertToCommandError,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent';
import { Empty } from '@eventstore/db-client/generated/shared_pb';
import { StreamsClient } from '@eventstore/db-client/generated/streams_grpc_pb';
import { ReadReq, type ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type { CallOptions, Metadata } from '@grpc/grpc-js';
import { EventStoreValidationError, ExpectedRevisionConflict, StreamNotFound } from '../event-store.errors';
import type {
  AllFilter,
  AllSubscription,
  AppendOptions,
  AppendResult,
  Direction,
  EventData,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamPosition,
  SubscribeToAllOptions,
  SubscriptionMessage,
} from '../event-store.port';
import { assertFilter, assertStreamName, validateAppend } from '../event-validation';

/** The environment variable the apps read the connection string from. */
export const EVENTSTORE_CONNECTION_STRING = 'EVENTSTORE_CONNECTION_STRING';

/**
 * The event store port over EventStoreDB (gRPC, `@eventstore/db-client` 6.x).
 *
 * Mapping, one to one:
 *  - expected revision: 'any' → ANY, 'no_stream' → NO_STREAM, 'stream_exists'
 *    → STREAM_EXISTS, bigint → that exact revision; `WrongExpectedVersionError`
 *    → {@link ExpectedRevisionConflict} (actual 'no_stream' when the stream does
 *    not exist); `StreamNotFoundError` → {@link StreamNotFound};
 *    `MaxAppendSizeExceededError` (the append as a whole is over the server's
 *    `MaxAppendSize`) → {@link EventStoreValidationError}, nothing written.
 *  - our global `position` is the EventStoreDB commit position (every gRPC
 *    append is self-committed: commit = prepare). Positions are log offsets,
 *    not contiguous: only pass back positions this store returned.
 *  - `readAll` from a position is inclusive in both directions (EventStoreDB
 *    reads backwards exclusively, so the event at the position is fetched
 *    first); `subscribeToAll` from a position is exclusive (a checkpoint), as in
 *    EventStoreDB.
 *  - `$all` reads and subscriptions use SERVER-SIDE filters: a stream-name
 *    prefix filter `<category>-` per category, otherwise the stream-name regex
 *    `^[^$]` (no system streams). Events of a `$` type in a user stream
 *    (tombstones `$streamDeleted`, projection links `$>`) are dropped on the
 *    client as well.
 *  - `subscribeToAll` emits one `caughtUp`: when the server sends `CaughtUp`
 *    (EventStoreDB >= 23.10, per `ServerFeatures`) or, for older servers, when
 *    the subscription has delivered the newest matching event that existed when
 *    it started. Its position is that of the last event delivered before it
 *    (for 'end': the newest event when the subscription started; else the start
 *    position, 0n for 'start').
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<EsdbAllSubscription>();
  private closed?: Promise<void>;

  /**
   * @param connection an EventStoreDB connection string (e.g.
   * `esdb://localhost:2113?tls=false`, the value of `EVENTSTORE_CONNECTION_STRING`)
   * or a client; either way `close()` disposes the client.
   */
  constructor(connection: string | EventStoreDBClient) {
    this.client = typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
  }

  /** From `EVENTSTORE_CONNECTION_STRING`. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): EsdbEventStore {
    const connectionString = env[EVENTSTORE_CONNECTION_STRING];
    if (!connectionString) throw new Error(`${EVENTSTORE_CONNECTION_STRING} is not set`);
    return new EsdbEventStore(connectionString);
  }

  async appendToStream(stream: string, events: EventData[], options?: AppendOptions): Promise<AppendResult> {
    const serialised = validateAppend(stream, events, options);
    const expected = options?.expectedRevision ?? 'any';
    const proposed = serialised.map((event, index) =>
      jsonEvent({
        id: event.id,
        type: event.type,
        // The client serialises data and metadata with JSON.stringify, as validateAppend just did.
        data: events[index].data as JSONType,
        metadata: events[index].metadata ?? {},
      }),
    );
    try {
      const result = await this.client.appendToStream(stream, proposed, {
        expectedRevision: toEsdbExpectedRevision(expected),
      });
      const position = result.position?.commit ?? (await this.positionOf(stream, result.nextExpectedRevision));
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (error) {
      throw mapError(error, stream, expected);
    }
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    assertStreamName(stream);
    const direction = assertDirection(options.direction);
    const fromRevision = assertStreamPosition(options.fromRevision, 'fromRevision');
    const maxCount = assertMaxCount(options.maxCount);
    const read = this.client.readStream(stream, {
      direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
      fromRevision:
        fromRevision === 'start'
          ? START
          : fromRevision === 'end'
            ? END
            : (fromRevision ?? (direction === 'forwards' ? START : END)),
      maxCount: maxCount ?? Number.MAX_SAFE_INTEGER,
    });
    let complete = false;
    try {
      for await (const resolved of read as AsyncIterable<ResolvedEvent>) {
        const event = toRecordedEvent(resolved);
        if (event) yield event;
      }
      complete = true;
    } catch (error) {
      complete = true;
      throw mapError(error, stream);
    } finally {
      if (!complete) await read.cancel().catch(() => undefined);
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    assertFilter(options.filter);
    const direction = assertDirection(options.direction);
    const fromPosition = assertStreamPosition(options.fromPosition, 'fromPosition');
    const maxCount = assertMaxCount(options.maxCount);
    let remaining = maxCount ?? Number.POSITIVE_INFINITY;
    if (remaining === 0) return;
    const from = fromPosition ?? (direction === 'forwards' ? 'start' : 'end');
    if (direction === 'backwards' && typeof from === 'bigint') {
      // EventStoreDB reads $all backwards from a position exclusively; the port is inclusive.
      for await (const event of this.userEvents('forwards', from, 1, options.filter)) {
        if (event.position === from) {
          yield event;
          remaining -= 1;
        }
      }
      if (remaining === 0) return;
    }
    yield* this.userEvents(direction, from, remaining, options.filter);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    assertFilter(options.filter);
    const from = assertStreamPosition(options.fromPosition, 'fromPosition') ?? 'start';
    const server: SubscriptionServer = {
      client: this.client,
      lastPosition: (filter) => this.lastPosition(filter),
      sendsCaughtUp: () => this.serverSendsCaughtUp(),
    };
    const subscription = new EsdbAllSubscription(server, from, options.filter, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    subscription.open();
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    return (await this.lastPosition(undefined)) ?? 0n;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
      await this.client.dispose();
      // dispose() cancels the calls but keeps the channel; close it so nothing keeps the process alive.
      const channel = await (this.client as unknown as ClientInternals).getChannel().catch(() => undefined);
      channel?.close();
    })();
    return this.closed;
  }

  /** Whether the server sends `CaughtUp` on subscriptions (EventStoreDB >= 23.10). */
  private async serverSendsCaughtUp(): Promise<boolean> {
    try {
      const { serverVersion } = await (this.client as unknown as ClientInternals).capabilities;
      const [major, minor] = serverVersion.split('.').map(Number);
      return major > 23 || (major === 23 && minor >= 10);
    } catch {
      return false;
    }
  }

  /** Position of the newest user event matching the filter, if any. */
  private async lastPosition(filter: AllFilter | undefined): Promise<bigint | undefined> {
    for await (const event of this.userEvents('backwards', 'end', 1, filter)) return event.position;
    return undefined;
  }

  /** Position of an event known by stream and revision (servers that answer an append without one). */
  private async positionOf(stream: string, revision: bigint): Promise<bigint> {
    try {
      for await (const resolved of this.client.readStream(stream, { fromRevision: revision, maxCount: 1 })) {
        return toRecordedEvent(resolved)?.position ?? -1n;
      }
    } catch (error) {
      throw mapError(error, stream);
    }
    return -1n;
  }

  /**
   * User events of `$all`, in order, at most `limit`, server-side filtered.
   * Pages on when events were dropped on the client (a `$` type in a user stream).
   */
  private async *userEvents(
    direction: Direction,
    from: StreamPosition,
    limit: number,
    filter: AllFilter | undefined,
  ): AsyncGenerator<RecordedEvent> {
    let remaining = limit;
    let cursor = from;
    let skip: bigint | undefined;
    while (remaining > 0) {
      const count = Number.isFinite(remaining) ? remaining + (skip === undefined ? 0 : 1) : Number.MAX_SAFE_INTEGER;
      let received = 0;
      let last: bigint | undefined;
      for await (const event of this.readAllPage(direction, cursor, count, filter)) {
        received += 1;
        last = event.position;
        if (event.position === skip || isSystemEvent(event)) continue;
        yield event;
        remaining -= 1;
        if (remaining === 0) return;
      }
      if (received < count || last === undefined) return;
      // Forwards reads are inclusive of the position: skip the event already seen.
      cursor = last;
      skip = direction === 'forwards' ? last : undefined;
    }
  }

  /**
   * One filtered `$all` read. `@eventstore/db-client` 6.2 has no filter option
   * on `readAll` (added in later releases), so the request is built here from
   * the client's own generated messages and sent on the client's connection —
   * the same `Streams.Read` call with `FilterOptions` that its filtered
   * subscriptions send.
   */
  private async *readAllPage(
    direction: Direction,
    from: StreamPosition,
    count: number,
    filter: AllFilter | undefined,
  ): AsyncGenerator<RecordedEvent> {
    const options = new ReadReq.Options();
    const all = new ReadReq.Options.AllOptions();
    if (from === 'start') all.setStart(new Empty());
    else if (from === 'end') all.setEnd(new Empty());
    else {
      const position = new ReadReq.Options.Position();
      position.setCommitPosition(from.toString());
      position.setPreparePosition(from.toString());
      all.setPosition(position);
    }
    options.setAll(all);
    options.setReadDirection(
      direction === 'forwards' ? ReadReq.Options.ReadDirection.FORWARDS : ReadReq.Options.ReadDirection.BACKWARDS,
    );
    options.setResolveLinks(false);
    options.setCount(String(count));
    const uuidOption = new ReadReq.Options.UUIDOption();
    uuidOption.setString(new Empty());
    options.setUuidOption(uuidOption);
    const expression = new ReadReq.Options.FilterOptions.Expression();
    const server = serverFilter(filter);
    if ('prefixes' in server) expression.setPrefixList(server.prefixes);
    else expression.setRegex(server.regex);
    const filterOptions = new ReadReq.Options.FilterOptions();
    filterOptions.setStreamIdentifier(expression);
    filterOptions.setCount(new Empty());
    filterOptions.setCheckpointintervalmultiplier(1);
    options.setFilter(filterOptions);
    const request = new ReadReq();
    request.setOptions(options);

    const internals = this.client as unknown as ClientInternals;
    const call = await internals.GRPCStreamCreator(StreamsClient, 'readAll', (client: StreamsClient) =>
      client.read(request, ...internals.callArguments({}, { deadline: Number.POSITIVE_INFINITY })),
    )();
    let complete = false;
    try {
      for await (const response of call as AsyncIterable<ReadResp>) {
        const event = response.hasEvent() ? toRecordedEvent(convertGrpcEvent(response.getEvent()!)) : undefined;
        if (event) yield event;
      }
      complete = true;
    } catch (error) {
      complete = true;
      throw mapError(convertToCommandError(error as Error));
    } finally {
      if (!complete) {
        call.on('error', () => undefined);
        call.cancel();
      }
    }
  }
}

/** The protected members of the client used for the filtered `$all` read. */
interface ClientInternals {
  GRPCStreamCreator<C, T>(
    Client: new (...args: never[]) => C,
    debugName: string,
    creator: (client: C) => T | Promise<T>,
  ): () => Promise<T>;
  callArguments(options: Record<string, never>, callOptions?: CallOptions): [Metadata, CallOptions];
  getChannel(): Promise<{ close(): void }>;
  /** `ServerFeatures`, fetched once per connection; `serverVersion` is 'unknown' before 21.10. */
  readonly capabilities: Promise<{ serverVersion: string }>;
}

/** The server-side $all filter for a port filter. */
function serverFilter(filter: AllFilter | undefined): { prefixes: string[] } | { regex: string } {
  const categories = filter?.streamCategories ?? [];
  return categories.length > 0 ? { prefixes: categories.map((c) => `${c}-`) } : { regex: '^[^$]' };
}

function clientFilter(filter: AllFilter | undefined): Filter {
  const server = serverFilter(filter);
  return 'prefixes' in server
    ? streamNameFilter({ prefixes: server.prefixes })
    : streamNameFilter({ regex: server.regex });
}

function isSystemEvent(event: RecordedEvent): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

const NO_POSITION = 0xffff_ffff_ffff_ffffn;

function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  let position = event.position?.commit;
  if (position === undefined || position === NO_POSITION) position = resolved.commitPosition;
  // EventStoreDB < 22.6 does not report positions on stream reads.
  if (position === undefined || position === NO_POSITION) position = -1n;
  let data: unknown = event.data;
  if (!event.isJson && data instanceof Uint8Array) {
    try {
      data = JSON.parse(Buffer.from(data).toString('utf8'));
    } catch {
      // not JSON: leave the bytes
    }
  }
  const metadata = event.metadata instanceof Uint8Array || event.metadata == null ? {} : event.metadata;
  return {
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision,
    position,
    data,
    metadata: metadata as Record<string, unknown>,
    created: event.created,
  };
}

function toEsdbExpectedRevision(
  expected: ExpectedRevision,
): typeof ANY | typeof NO_STREAM | typeof STREAM_EXISTS | bigint {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

function mapError(error: unknown, stream?: string, expected?: ExpectedRevision): unknown {
  if (error instanceof WrongExpectedVersionError) {
    return new ExpectedRevisionConflict(
      stream ?? error.streamName,
      expected ?? (error.expectedVersion as ExpectedRevision),
      error.actualVersion === 'no_stream' ? 'no_stream' : BigInt(error.actualVersion),
    );
  }
  if (error instanceof StreamNotFoundError) return new StreamNotFound(stream ?? error.streamName);
  if (isInvalidPosition(error)) {
    // EventStoreDB positions are log offsets: one that is not the start of a record cannot be read from.
    return new EventStoreValidationError('The position is not the position of an event in the log', {
      reason: (error as Error).message,
    });
  }
  if (error instanceof MaxAppendSizeExceededError) {
    return new EventStoreValidationError(
      `The append to ${stream} is over EventStoreDB's MaxAppendSize of ${error.maxAppendSize} bytes; nothing was written`,
      { stream, maxAppendSize: error.maxAppendSize },
    );
  }
  return error;
}

/** EventStoreDB's answer to a read from an offset that is not a record: INVALID_ARGUMENT "...invalid position." */
function isInvalidPosition(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: unknown }).code === INVALID_ARGUMENT &&
    /invalid position/i.test(error.message)
  );
}

const INVALID_ARGUMENT = 3;

function assertDirection(direction: unknown): Direction {
  if (direction === undefined) return 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new EventStoreValidationError(`Invalid direction ${String(direction)}`, { direction });
  }
  return direction;
}

function assertStreamPosition(value: unknown, name: string): StreamPosition | undefined {
  if (value === undefined || value === 'start' || value === 'end') return value;
  if (typeof value === 'bigint' && value >= 0n) return value;
  throw new EventStoreValidationError(`${name} must be 'start', 'end' or a non-negative bigint`, {
    [name]: String(value),
  });
}

function assertMaxCount(value: unknown): number | undefined {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new EventStoreValidationError('maxCount must be a non-negative integer', { maxCount: value });
}

/** What a subscription needs from the store. */
interface SubscriptionServer {
  client: EventStoreDBClient;
  lastPosition(filter: AllFilter | undefined): Promise<bigint | undefined>;
  sendsCaughtUp(): Promise<boolean>;
}

const HIGH_WATER = 1024;
const LOW_WATER = 256;

/**
 * A catch-up subscription to $all over the client's `subscribeToAll`.
 *
 * The client emits the server's `CaughtUp` as a `caughtUp` event on its
 * subscription stream, apart from the events; the events read from the stream
 * but not yet delivered (`readableLength` at that moment) come before it, so
 * the marker is placed after them.
 */
class EsdbAllSubscription implements AllSubscription {
  private readonly queue: SubscriptionMessage[] = [];
  private source?: AllStreamSubscription;
  private failure?: { error: unknown };
  private ended = false;
  private closing?: Promise<void>;
  private wake?: () => void;
  private caughtUp = false;
  /** Data events still to come out of the client stream before the server's CaughtUp. */
  private beforeCaughtUp?: number;
  /** Newest matching event when the subscription started (null: none); for servers without CaughtUp. */
  private derivedHead?: bigint | null;
  private lastSeen?: bigint;
  private lastDelivered?: bigint;

  constructor(
    private readonly server: SubscriptionServer,
    private readonly from: StreamPosition,
    private readonly filter: AllFilter | undefined,
    private readonly onClosed: () => void,
  ) {}

  open(): void {
    void this.start().catch((error: unknown) => this.fail(mapError(error)));
  }

  private async start(): Promise<void> {
    let from = this.from;
    if (from === 'end') {
      // Start after the newest user event (a cheap read): the same as END, and it gives caughtUp a position.
      const newest = await this.server.lastPosition(undefined);
      from = newest ?? 'end';
      this.lastDelivered = newest;
      this.setDerivedHead(null);
    } else if (!(await this.server.sendsCaughtUp())) {
      // An older server: caught up once the newest matching event that exists now has been delivered.
      this.server.lastPosition(this.filter).then(
        (newest) => this.setDerivedHead(newest ?? null),
        () => undefined,
      );
    }
    if (this.closing) return;
    const source = this.server.client.subscribeToAll({
      fromPosition: from === 'start' ? START : from === 'end' ? END : { commit: from, prepare: from },
      filter: clientFilter(this.filter),
    });
    this.source = source;
    source.on('data', (resolved: AllStreamResolvedEvent) => this.onData(resolved));
    source.on('caughtUp', () => {
      if (this.caughtUp || this.beforeCaughtUp !== undefined) return;
      const pending = source.readableLength;
      if (pending === 0) this.markCaughtUp();
      else this.beforeCaughtUp = pending;
    });
    source.on('error', (error: Error) => this.fail(mapError(error)));
    source.on('end', () => {
      if (!this.closing) this.fail(new Error('EventStoreDB ended the $all subscription'));
    });
  }

  private onData(resolved: AllStreamResolvedEvent): void {
    const event = toRecordedEvent(resolved);
    if (event) {
      this.lastSeen = event.position;
      if (!isSystemEvent(event)) {
        this.lastDelivered = event.position;
        this.push({ kind: 'event', event });
      }
    }
    if (this.beforeCaughtUp !== undefined && !this.caughtUp) {
      this.beforeCaughtUp -= 1;
      if (this.beforeCaughtUp <= 0) this.markCaughtUp();
    }
    if (!this.caughtUp && typeof this.derivedHead === 'bigint' && event && event.position >= this.derivedHead) {
      this.markCaughtUp();
    }
    if (this.queue.length >= HIGH_WATER) this.source?.pause();
  }

  private setDerivedHead(head: bigint | null): void {
    this.derivedHead = head;
    if (this.caughtUp) return;
    const start = typeof this.from === 'bigint' ? this.from : undefined;
    if (
      head === null ||
      (start !== undefined && head <= start) ||
      (this.lastSeen !== undefined && this.lastSeen >= head)
    ) {
      this.markCaughtUp();
    }
  }

  private markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    const position = this.lastDelivered ?? (typeof this.from === 'bigint' ? this.from : 0n);
    this.push({ kind: 'caughtUp', position });
  }

  private push(message: SubscriptionMessage): void {
    if (this.ended) return;
    this.queue.push(message);
    this.signal();
  }

  private fail(error: unknown): void {
    if (this.ended || this.closing) return;
    this.failure = { error };
    void this.shutdown();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async next(): Promise<IteratorResult<SubscriptionMessage>> {
    for (;;) {
      const message = this.queue.shift();
      if (message) {
        if (this.queue.length <= LOW_WATER && this.source?.isPaused()) this.source.resume();
        return { done: false, value: message };
      }
      if (this.failure) {
        const { error } = this.failure;
        this.failure = undefined;
        this.ended = true;
        throw error;
      }
      if (this.ended || this.closing) return { done: true, value: undefined };
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Ends the iteration: messages not yet taken are dropped. */
  close(): Promise<void> {
    this.queue.length = 0;
    this.failure = undefined;
    this.ended = true;
    return this.shutdown();
  }

  private shutdown(): Promise<void> {
    this.closing ??= (async () => {
      this.signal();
      const source = this.source;
      if (source) {
        source.on('error', () => undefined);
        await source.unsubscribe().catch(() => undefined);
      }
      this.onClosed();
    })();
    return this.closing;
  }
}
