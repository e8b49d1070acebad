/**
 * TEST INFRASTRUCTURE ONLY — never a production option. Do not import it from
 * apps/ or libs/ production code.
 *
 * An in-repo gRPC emulator of an EventStoreDB node, so that the real
 * `@eventstore/db-client` and the real wire protocol are exercised in every CI
 * run, where no EventStoreDB server can be installed. It serves, in memory:
 *  - `ServerFeatures.GetSupportedMethods` (what the client asks first);
 *  - `Streams.Read`: stream and `$all`, forwards and backwards, count and
 *    subscription modes, server-side filters (stream-name / event-type, prefix
 *    or regex), checkpoints for filtered subscriptions, `CaughtUp`,
 *    `StreamNotFound`, "invalid position";
 *  - `Streams.Append`: expected revision options, `WrongExpectedVersion` with
 *    the current revision, idempotency by event ids, `MaxAppendSize`;
 *  - optionally `Streams.BatchAppend` (advertised, as a real node >= 21.10 does,
 *    when `batchAppend: true`; otherwise not advertised and UNIMPLEMENTED, so the
 *    client uses plain `Append`).
 * The semantics follow EventStoreDB's documentation and server source (see
 * `emulated-log.ts`). Not implemented: Delete/Tombstone, persistent
 * subscriptions, projections, users/ACLs, gossip/cluster, TLS, link resolution.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import * as shared from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
} from '@eventstore/db-client/generated/streams_pb';
import { Status as RpcStatus } from '@eventstore/db-client/generated/status_pb';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as GoogleEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import {
  DEFAULT_MAX_APPEND_SIZE,
  EmulatedLog,
  type AppendOutcome,
  type ExpectedState,
  type LogFilter,
  type LogRecord,
  type ProposedEvent,
  type TfPos,
  compileFilter,
  comparePos,
  sizeOnDisk,
} from './emulated-log';

export interface EsdbEmulatorOptions {
  /** Send `CaughtUp` on subscriptions, as EventStoreDB >= 23.10 does (default true). */
  sendCaughtUp?: boolean;
  /** Advertise and serve `Streams.BatchAppend`, as EventStoreDB >= 21.10 does (default false: plain `Append`). */
  batchAppend?: boolean;
  /** `MaxAppendSize` in bytes (default 1 MiB, EventStoreDB's default). */
  maxAppendSize?: number;
  /** Version reported by `ServerFeatures` (default 24.10.0). */
  serverVersion?: string;
  /** Write the system events a fresh node writes at start-up (default true). */
  seedSystemEvents?: boolean;
}

export interface EsdbEmulator {
  /** `esdb://127.0.0.1:<port>?tls=false` */
  readonly connectionString: string;
  readonly port: number;
  /** The in-memory log, for tests that need to look behind the wire or add system events. */
  readonly log: EmulatedLog;
  /** How many calls each method received (`read`, `append`, `batchAppend`, `getSupportedMethods`). */
  readonly calls: Readonly<Record<string, number>>;
  /** Ends every open call and closes the server. */
  stop(): Promise<void>;
}

const EPOCH_RECORD_SIZE = 128n;

/** EventStoreDB's read page size; also the default filter search window. */
const READ_BATCH_SIZE = 32;

/** Starts an emulator bound to 127.0.0.1 on a free port. */
export async function startEsdbEmulator(options: EsdbEmulatorOptions = {}): Promise<EsdbEmulator> {
  const settings = {
    sendCaughtUp: options.sendCaughtUp ?? true,
    batchAppend: options.batchAppend ?? false,
    maxAppendSize: options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE,
    serverVersion: options.serverVersion ?? '24.10.0',
  };
  // A real log starts with an epoch record (not an event) at position 0.
  const log = new EmulatedLog(EPOCH_RECORD_SIZE);
  if (options.seedSystemEvents ?? true) seedSystemEvents(log);

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 32 * 1024 * 1024,
    'grpc.max_send_message_length': 32 * 1024 * 1024,
  });
  const openCalls = new Set<{ end(): void }>();
  const calls: Record<string, number> = { getSupportedMethods: 0, read: 0, append: 0, batchAppend: 0 };

  server.addService(ServerFeaturesService, {
    getSupportedMethods: (
      _call: grpc.ServerUnaryCall<Empty, SupportedMethods>,
      callback: grpc.sendUnaryData<SupportedMethods>,
    ) => {
      calls.getSupportedMethods += 1;
      const methods = ['read', 'append', ...(settings.batchAppend ? ['batchappend'] : [])].map((name) => {
        const method = new SupportedMethod();
        method.setServiceName('event_store.client.streams.streams');
        method.setMethodName(name);
        if (name === 'read') method.setFeaturesList(['position', 'events']);
        if (name === 'batchappend') method.setFeaturesList(['deadline_duration']);
        return method;
      });
      const response = new SupportedMethods();
      response.setEventStoreServerVersion(settings.serverVersion);
      response.setMethodsList(methods);
      callback(null, response);
    },
  });

  const streamsImpl: grpc.UntypedServiceImplementation = {
    read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => {
      calls.read += 1;
      const handle = { end: () => call.end() };
      openCalls.add(handle);
      call.on('close', () => openCalls.delete(handle));
      handleRead(log, settings, call).catch((error: unknown) => failCall(call, internalError(error)));
    },
    append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) => {
      calls.append += 1;
      handleAppend(log, settings.maxAppendSize, call, callback);
    },
  };
  if (settings.batchAppend) {
    streamsImpl.batchAppend = (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => {
      calls.batchAppend += 1;
      const handle = { end: () => call.end() };
      openCalls.add(handle);
      call.on('close', () => openCalls.delete(handle));
      handleBatchAppend(log, settings.maxAppendSize, call);
    };
  }
  server.addService(StreamsService, streamsImpl);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });

  let stopped: Promise<void> | undefined;
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    log,
    calls,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        for (const call of openCalls) call.end();
        server.tryShutdown(() => resolve());
        // Clients may keep idle HTTP/2 sessions open; do not wait for them.
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 200).unref();
      });
      return stopped;
    },
  };
}

/** The system events a fresh single node writes before any user event. */
function seedSystemEvents(log: EmulatedLog): void {
  log.appendSystemEvent('$epoch-information', '$epoch-information', { epochNumber: 0, epochPosition: 0 });
  log.appendSystemEvent('$$$scavenges', '$metadata', { $maxAge: 2592000 });
  log.appendSystemEvent('$settings', '$settings', { $userStreamAcl: { $r: '$all' } });
  log.appendSystemEvent('$$$stats-127.0.0.1:2113', '$metadata', { $maxAge: 86400 });
}

// ---------------------------------------------------------------------------
// Errors, as EventStoreDB's RpcExceptions shape them.

interface CallError {
  code: grpc.status;
  details: string;
  metadata?: grpc.Metadata;
}

function rpcError(code: grpc.status, details: string, exception?: Record<string, string>): CallError {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(exception ?? {})) metadata.set(key, value);
  return { code, details, metadata };
}

function internalError(error: unknown): CallError {
  return rpcError(grpc.status.UNKNOWN, error instanceof Error ? error.message : String(error));
}

class RpcFailure extends Error {
  constructor(readonly rpc: CallError) {
    super(rpc.details);
  }
}

const invalidPosition = () =>
  new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, 'Trying to read from an invalid position.'));

function failCall(call: grpc.ServerWritableStream<ReadReq, ReadResp>, error: CallError): void {
  if (call.cancelled || call.writableEnded) return;
  call.emit('error', error);
}

// ---------------------------------------------------------------------------
// Conversions.

function streamName(identifier: StreamIdentifier | undefined): string {
  if (!identifier) throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, "'streamIdentifier' is required"));
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

function streamIdentifier(name: string): StreamIdentifier {
  const identifier = new StreamIdentifier();
  identifier.setStreamName(Uint8Array.from(Buffer.from(name, 'utf8')));
  return identifier;
}

function parseUuid(uuid: UUID | undefined): string {
  if (!uuid) throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, "'id' is required"));
  if (uuid.hasStructured()) {
    const s = uuid.getStructured()!;
    const bytes = Buffer.alloc(16);
    bytes.writeBigInt64BE(BigInt(s.getMostSignificantBits()), 0);
    bytes.writeBigInt64BE(BigInt(s.getLeastSignificantBits()), 8);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  const text = uuid.getString().toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
    throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, `'${text}' is not a valid UUID`));
  }
  return text;
}

function toUuid(id: string, structured: boolean): UUID {
  const uuid = new UUID();
  if (!structured) {
    uuid.setString(id);
    return uuid;
  }
  const bytes = Buffer.from(id.replace(/-/g, ''), 'hex');
  const s = new UUID.Structured();
  s.setMostSignificantBits(bytes.readBigInt64BE(0).toString());
  s.setLeastSignificantBits(bytes.readBigInt64BE(8).toString());
  uuid.setStructured(s);
  return uuid;
}

function toReadEvent(record: LogRecord, structuredUuid: boolean): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(toUuid(record.eventId, structuredUuid));
  recorded.setStreamIdentifier(streamIdentifier(record.streamId));
  recorded.setStreamRevision(record.revision.toString());
  // Every record is self-committed, so stream reads carry the $all position too (EventStoreDB >= 22.6).
  recorded.setCommitPosition(record.position.toString());
  recorded.setPreparePosition(record.position.toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', record.type);
  metadata.set('created', record.created.toString());
  metadata.set('content-type', record.contentType);
  recorded.setData(record.data);
  recorded.setCustomMetadata(record.metadata);
  const event = new ReadResp.ReadEvent();
  event.setEvent(recorded);
  event.setCommitPosition(record.position.toString());
  const response = new ReadResp();
  response.setEvent(event);
  return response;
}

// ---------------------------------------------------------------------------
// Streams.Read

type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>;

/** Writes with back-pressure; false when the call is gone. */
async function send(call: ReadCall, message: ReadResp): Promise<boolean> {
  if (call.cancelled || call.writableEnded || call.destroyed) return false;
  if (!call.write(message)) {
    await new Promise<void>((resolve) => {
      const done = () => {
        call.off('drain', done);
        call.off('close', done);
        resolve();
      };
      call.on('drain', done);
      call.on('close', done);
    });
  }
  return !call.cancelled && !call.destroyed;
}

function finish(call: ReadCall): void {
  if (!call.cancelled && !call.writableEnded) call.end();
}

function readFilter(options: ReadReq.Options): LogFilter | undefined {
  if (options.getFilterOptionCase() !== ReadReq.Options.FilterOptionCase.FILTER) return undefined;
  const filter = options.getFilter()!;
  const caseOf = filter.getFilterCase();
  const expression =
    caseOf === ReadReq.Options.FilterOptions.FilterCase.STREAM_IDENTIFIER
      ? filter.getStreamIdentifier()
      : filter.getEventType();
  if (!expression)
    throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, `'${String(filter)}' is not a valid filter`));
  const on = caseOf === ReadReq.Options.FilterOptions.FilterCase.STREAM_IDENTIFIER ? 'stream' : 'event_type';
  const regex = expression.getRegex();
  return regex ? { on, regex } : { on, prefixes: expression.getPrefixList() };
}

function allPosition(all: ReadReq.Options.AllOptions): 'start' | 'end' | TfPos {
  switch (all.getAllOptionCase()) {
    case ReadReq.Options.AllOptions.AllOptionCase.START:
      return 'start';
    case ReadReq.Options.AllOptions.AllOptionCase.END:
      return 'end';
    case ReadReq.Options.AllOptions.AllOptionCase.POSITION: {
      const p = all.getPosition()!;
      return { commit: BigInt(p.getCommitPosition()), prepare: BigInt(p.getPreparePosition()) };
    }
    default:
      throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, "'allOption' is required"));
  }
}

function streamRevision(stream: ReadReq.Options.StreamOptions): 'start' | 'end' | bigint {
  switch (stream.getRevisionOptionCase()) {
    case ReadReq.Options.StreamOptions.RevisionOptionCase.START:
      return 'start';
    case ReadReq.Options.StreamOptions.RevisionOptionCase.END:
      return 'end';
    case ReadReq.Options.StreamOptions.RevisionOptionCase.REVISION:
      return BigInt(stream.getRevision());
    default:
      throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, "'revisionOption' is required"));
  }
}

interface ReadSettings {
  sendCaughtUp: boolean;
}

async function handleRead(log: EmulatedLog, settings: ReadSettings, call: ReadCall): Promise<void> {
  try {
    const options = call.request.getOptions();
    if (!options) throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, "'options' is required"));
    if (!options.hasUuidOption()) {
      throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, "'uuidOption' is a required argument"));
    }
    const structured = options.getUuidOption()!.hasStructured();
    const target = options.getStreamOptionCase();
    const mode = options.getCountOptionCase();
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const filtered = options.getFilterOptionCase() === ReadReq.Options.FilterOptionCase.FILTER;
    const compatibility = options.getControlOption()?.getCompatibility() ?? 0;
    const S = ReadReq.Options.StreamOptionCase;
    const C = ReadReq.Options.CountOptionCase;
    const combination = `(${S[target]}, ${C[mode]}, ${backwards ? 'Backwards' : 'Forwards'}, ${filtered ? 'Filter' : 'NoFilter'})`;
    const invalidCombination = () =>
      new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, `The combination of ${combination} is invalid.`));

    if (target === S.STREAM && mode === C.COUNT && !filtered) {
      const stream = options.getStream()!;
      await readStream(log, call, streamName(stream.getStreamIdentifier()), streamRevision(stream), {
        backwards,
        count: BigInt(options.getCount() || '0'),
        structured,
        compatibility,
      });
    } else if (target === S.ALL && mode === C.COUNT) {
      await readAll(log, call, allPosition(options.getAll()!), {
        backwards,
        count: BigInt(options.getCount() || '0'),
        structured,
        filter: compileFilter(readFilter(options)),
      });
    } else if (target === S.STREAM && mode === C.SUBSCRIPTION && !backwards && !filtered) {
      const stream = options.getStream()!;
      await subscribe(log, settings, call, {
        structured,
        start: streamSubscriptionStart(log, streamName(stream.getStreamIdentifier()), streamRevision(stream)),
      });
    } else if (target === S.ALL && mode === C.SUBSCRIPTION && !backwards) {
      const filter = readFilter(options);
      const filterOptions = options.getFilter();
      const window =
        filterOptions?.getWindowCase() === ReadReq.Options.FilterOptions.WindowCase.MAX
          ? filterOptions.getMax()
          : READ_BATCH_SIZE;
      await subscribe(log, settings, call, {
        structured,
        start: allSubscriptionStart(log, allPosition(options.getAll()!), compileFilter(filter)),
        checkpointInterval: filter ? Math.max(1, filterOptions!.getCheckpointintervalmultiplier()) * window : undefined,
      });
    } else {
      throw invalidCombination();
    }
  } catch (error) {
    if (error instanceof RpcFailure) failCall(call, error.rpc);
    else throw error;
  }
}

async function readStream(
  log: EmulatedLog,
  call: ReadCall,
  name: string,
  from: 'start' | 'end' | bigint,
  opts: { backwards: boolean; count: bigint; structured: boolean; compatibility: number },
): Promise<void> {
  const records = log.streamRecords(name);
  if (!records || records.length === 0) {
    const notFound = new ReadResp.StreamNotFound();
    notFound.setStreamIdentifier(streamIdentifier(name));
    const response = new ReadResp();
    response.setStreamNotFound(notFound);
    if (await send(call, response)) finish(call);
    return;
  }
  const last = records.length - 1;
  let index: number;
  if (opts.backwards) {
    index = from === 'end' ? last : from === 'start' ? 0 : Number(from > BigInt(last) ? BigInt(last) : from);
  } else {
    index =
      from === 'start'
        ? 0
        : from === 'end'
          ? records.length
          : Number(from > BigInt(records.length) ? BigInt(records.length) : from);
  }
  if (opts.compatibility >= 1 && !opts.backwards && index > last && from !== 'end') {
    const response = new ReadResp();
    response.setFirstStreamPosition(records[0].revision.toString());
    if (!(await send(call, response))) return;
  }
  let sent = 0n;
  while (sent < opts.count && index >= 0 && index <= last) {
    if (!(await send(call, toReadEvent(records[index], opts.structured)))) return;
    sent += 1n;
    index += opts.backwards ? -1 : 1;
  }
  if (opts.compatibility >= 1) {
    const response = new ReadResp();
    if (opts.backwards) response.setFirstStreamPosition(records[0].revision.toString());
    else response.setLastStreamPosition(records[last].revision.toString());
    if (!(await send(call, response))) return;
  }
  finish(call);
}

async function readAll(
  log: EmulatedLog,
  call: ReadCall,
  from: 'start' | 'end' | TfPos,
  opts: { backwards: boolean; count: bigint; structured: boolean; filter: (r: LogRecord) => boolean },
): Promise<void> {
  if (typeof from === 'object' && !log.isValidPosition(from)) throw invalidPosition();
  let sent = 0n;
  if (opts.backwards) {
    // Backwards positions are post-positions: records that end at or before `from`.
    let index = from === 'end' ? log.length - 1 : from === 'start' ? -1 : log.endIndexBefore(from) - 1;
    for (; index >= 0 && sent < opts.count; index--) {
      const record = log.at(index);
      if (!opts.filter(record)) continue;
      if (!(await send(call, toReadEvent(record, opts.structured)))) return;
      sent += 1n;
    }
  } else {
    // Forwards positions are pre-positions: the record at `from` is included.
    let index = from === 'start' ? 0 : from === 'end' ? log.length : log.firstIndexAtOrAfter(from);
    for (; index < log.length && sent < opts.count; index++) {
      const record = log.at(index);
      if (!opts.filter(record)) continue;
      if (!(await send(call, toReadEvent(record, opts.structured)))) return;
      sent += 1n;
    }
  }
  finish(call);
}

interface SubscriptionStart {
  /** Index of the first log record the subscription may deliver. */
  index: number;
  /** Filter on records (stream or $all filter). */
  accepts: (record: LogRecord) => boolean;
  /** A position to validate once confirmed (EventStoreDB fails the call after confirming). */
  invalid?: boolean;
}

function streamSubscriptionStart(log: EmulatedLog, name: string, from: 'start' | 'end' | bigint): SubscriptionStart {
  const accepts = (record: LogRecord) => record.streamId === name;
  if (from === 'end') return { index: log.length, accepts };
  if (from === 'start') return { index: 0, accepts };
  // Exclusive: deliver revisions after `from`.
  const records = log.streamRecords(name) ?? [];
  const after = records[Number(from) + 1];
  const index = after ? log.firstIndexAtOrAfter({ commit: after.position, prepare: after.position }) : log.length;
  return { index, accepts: (record) => accepts(record) && record.revision > from };
}

function allSubscriptionStart(
  log: EmulatedLog,
  from: 'start' | 'end' | TfPos,
  accepts: (record: LogRecord) => boolean,
): SubscriptionStart {
  if (from === 'start') return { index: 0, accepts };
  if (from === 'end') return { index: log.length, accepts };
  if (!log.isValidPosition(from)) return { index: log.length, accepts, invalid: true };
  // Exclusive: a position is a checkpoint, delivery starts after it.
  let index = log.firstIndexAtOrAfter(from);
  while (
    index < log.length &&
    comparePos({ commit: log.at(index).position, prepare: log.at(index).position }, from) <= 0
  ) {
    index++;
  }
  return { index, accepts };
}

async function subscribe(
  log: EmulatedLog,
  settings: ReadSettings,
  call: ReadCall,
  opts: { structured: boolean; start: SubscriptionStart; checkpointInterval?: number },
): Promise<void> {
  const confirmation = new ReadResp.SubscriptionConfirmation();
  confirmation.setSubscriptionId(randomUUID());
  const confirmed = new ReadResp();
  confirmed.setConfirmation(confirmation);
  if (!(await send(call, confirmed))) return;
  if (opts.start.invalid) throw invalidPosition();

  let wake: (() => void) | undefined;
  const unsubscribe = log.onAppend(() => {
    const w = wake;
    wake = undefined;
    w?.();
  });
  const closed = new Promise<void>((resolve) => call.once('close', () => resolve()));
  let index = opts.start.index;
  let considered = 0;
  let lastConsidered: bigint | undefined;
  let caughtUp = false;

  const checkpoint = async (position: bigint): Promise<boolean> => {
    const cp = new ReadResp.Checkpoint();
    cp.setCommitPosition(position.toString());
    cp.setPreparePosition(position.toString());
    const response = new ReadResp();
    response.setCheckpoint(cp);
    return send(call, response);
  };

  try {
    for (;;) {
      if (call.cancelled || call.destroyed || call.writableEnded) return;
      if (index < log.length) {
        const record = log.at(index++);
        considered++;
        lastConsidered = record.position;
        if (opts.start.accepts(record)) {
          if (!(await send(call, toReadEvent(record, opts.structured)))) return;
        }
        if (opts.checkpointInterval && considered >= opts.checkpointInterval) {
          considered = 0;
          if (!(await checkpoint(record.position))) return;
        }
        continue;
      }
      if (!caughtUp) {
        caughtUp = true;
        // A filtered subscription issues a checkpoint when it goes live.
        if (opts.checkpointInterval && lastConsidered !== undefined && !(await checkpoint(lastConsidered))) return;
        if (settings.sendCaughtUp) {
          const response = new ReadResp();
          response.setCaughtUp(new ReadResp.CaughtUp());
          if (!(await send(call, response))) return;
        }
        continue;
      }
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), closed]);
    }
  } finally {
    unsubscribe();
  }
}

// ---------------------------------------------------------------------------
// Streams.Append

function maxAppendSizeExceeded(maxAppendSize: number): RpcFailure {
  return new RpcFailure(
    rpcError(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${maxAppendSize} Exceeded.`, {
      exception: 'maximum-append-size-exceeded',
      'maximum-append-size': String(maxAppendSize),
    }),
  );
}

function proposedEvent(message: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage): ProposedEvent {
  const metadata = message.getMetadataMap();
  for (const required of ['type', 'content-type']) {
    if (!metadata.has(required)) {
      throw new RpcFailure(
        rpcError(grpc.status.INVALID_ARGUMENT, `Required Metadata Property '${required}' is missing`, {
          exception: 'missing-required-metadata-property',
          'required-metadata-properties': 'type,content-type',
        }),
      );
    }
  }
  const type = metadata.get('type') as string;
  if (!type) throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, 'Empty eventType provided.'));
  return {
    eventId: parseUuid(message.getId()),
    type,
    contentType: metadata.get('content-type') as string,
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

function expectedFromAppend(options: AppendReq.Options): ExpectedState {
  const Case = AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase()) {
    case Case.ANY:
      return { kind: 'any' };
    case Case.NO_STREAM:
      return { kind: 'no_stream' };
    case Case.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    case Case.REVISION:
      return { kind: 'revision', revision: BigInt(options.getRevision()) };
    default:
      throw new RpcFailure(rpcError(grpc.status.INVALID_ARGUMENT, "'expectedStreamRevision' is required"));
  }
}

function appendResponse(expected: ExpectedState, outcome: AppendOutcome): AppendResp {
  const response = new AppendResp();
  if (outcome.kind === 'success') {
    const success = new AppendResp.Success();
    if (outcome.currentRevision < 0n) success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position < 0n) success.setNoPosition(new Empty());
    else {
      const position = new AppendResp.Position();
      position.setCommitPosition(outcome.position.toString());
      position.setPreparePosition(outcome.position.toString());
      success.setPosition(position);
    }
    response.setSuccess(success);
    return response;
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  switch (expected.kind) {
    case 'any':
      wrong.setExpectedAny(new Empty());
      wrong.setAny2060(new Empty());
      break;
    case 'stream_exists':
      wrong.setExpectedStreamExists(new Empty());
      wrong.setStreamExists2060(new Empty());
      break;
    case 'no_stream':
      wrong.setExpectedNoStream(new Empty());
      break;
    case 'revision':
      wrong.setExpectedRevision(expected.revision.toString());
      wrong.setExpectedRevision2060(Number(expected.revision));
      break;
  }
  if (outcome.currentRevision === 'no_stream') {
    wrong.setCurrentNoStream(new Empty());
    wrong.setNoStream2060(new Empty());
  } else {
    wrong.setCurrentRevision(outcome.currentRevision.toString());
    wrong.setCurrentRevision2060(Number(outcome.currentRevision));
  }
  response.setWrongExpectedVersion(wrong);
  return response;
}

function handleAppend(
  log: EmulatedLog,
  maxAppendSize: number,
  call: grpc.ServerReadableStream<AppendReq, AppendResp>,
  callback: grpc.sendUnaryData<AppendResp>,
): void {
  let options: AppendReq.Options | undefined;
  const events: ProposedEvent[] = [];
  let size = 0;
  let done = false;
  const fail = (error: unknown) => {
    if (done) return;
    done = true;
    callback(error instanceof RpcFailure ? error.rpc : internalError(error));
  };
  call.on('data', (request: AppendReq) => {
    if (done) return;
    try {
      if (!options) {
        if (!request.hasOptions())
          throw new RpcFailure(
            rpcError(grpc.status.UNKNOWN, 'Operation is not valid due to the current state of the object.'),
          );
        options = request.getOptions()!;
        streamName(options.getStreamIdentifier());
        expectedFromAppend(options);
        return;
      }
      if (!request.hasProposedMessage()) {
        throw new RpcFailure(
          rpcError(grpc.status.UNKNOWN, 'Operation is not valid due to the current state of the object.'),
        );
      }
      const event = proposedEvent(request.getProposedMessage()!);
      size += sizeOnDisk(event);
      if (size > maxAppendSize) throw maxAppendSizeExceeded(maxAppendSize);
      events.push(event);
    } catch (error) {
      fail(error);
    }
  });
  call.on('end', () => {
    if (done) return;
    try {
      if (!options)
        throw new RpcFailure(
          rpcError(grpc.status.UNKNOWN, 'Operation is not valid due to the current state of the object.'),
        );
      const expected = expectedFromAppend(options);
      const outcome = log.append(streamName(options.getStreamIdentifier()), expected, events);
      done = true;
      callback(null, appendResponse(expected, outcome));
    } catch (error) {
      fail(error);
    }
  });
  call.on('error', () => {
    done = true;
  });
}

// ---------------------------------------------------------------------------
// Streams.BatchAppend (one duplex call carries many appends, by correlation id)

function packDetails(typeName: string, message: { serializeBinary(): Uint8Array }): Any {
  const any = new Any();
  any.pack(message.serializeBinary(), typeName);
  return any;
}

function handleBatchAppend(
  log: EmulatedLog,
  maxAppendSize: number,
  call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>,
): void {
  interface Pending {
    options?: BatchAppendReq.Options;
    events: ProposedEvent[];
    size: number;
    failed: boolean;
  }
  const pending = new Map<string, Pending>();

  const respond = (
    correlation: UUID,
    options: BatchAppendReq.Options | undefined,
    fill: (r: BatchAppendResp) => void,
  ) => {
    const response = new BatchAppendResp();
    response.setCorrelationId(correlation);
    if (options?.getStreamIdentifier()) response.setStreamIdentifier(options.getStreamIdentifier());
    fill(response);
    if (!call.writableEnded && !call.cancelled) call.write(response);
  };
  const respondError = (
    correlation: UUID,
    options: BatchAppendReq.Options | undefined,
    code: grpc.status,
    message: string,
    details: Any,
  ) => {
    respond(correlation, options, (response) => {
      const status = new RpcStatus();
      status.setCode(code as number);
      status.setMessage(message);
      status.setDetails(details);
      response.setError(status);
    });
  };

  call.on('data', (request: BatchAppendReq) => {
    const correlation = request.getCorrelationId();
    if (!correlation) return;
    try {
      onRequest(request, correlation);
    } catch (error) {
      respondError(
        correlation,
        request.getOptions(),
        grpc.status.INVALID_ARGUMENT,
        error instanceof Error ? error.message : String(error),
        packDetails('event_store.client.Unknown', new shared.Unknown()),
      );
    }
  });

  const onRequest = (request: BatchAppendReq, correlation: UUID): void => {
    const key = parseUuid(correlation);
    let entry = pending.get(key);
    if (!entry) {
      entry = { events: [], size: 0, failed: false };
      pending.set(key, entry);
    }
    if (request.hasOptions()) entry.options = request.getOptions();
    try {
      if (!entry.failed) {
        for (const message of request.getProposedMessagesList()) {
          const event = proposedEvent(message);
          entry.size += sizeOnDisk(event);
          if (entry.size > maxAppendSize) {
            entry.failed = true;
            const detail = new shared.MaximumAppendSizeExceeded();
            detail.setMaxappendsize(maxAppendSize);
            respondError(
              correlation,
              entry.options,
              grpc.status.INVALID_ARGUMENT,
              `Maximum Append Size of ${maxAppendSize} Exceeded.`,
              packDetails('event_store.client.MaximumAppendSizeExceeded', detail),
            );
            break;
          }
          entry.events.push(event);
        }
      }
    } catch (error) {
      entry.failed = true;
      respondError(
        correlation,
        entry.options,
        grpc.status.INVALID_ARGUMENT,
        error instanceof Error ? error.message : String(error),
        packDetails('event_store.client.Unknown', new shared.Unknown()),
      );
    }
    if (!request.getIsFinal()) return;
    pending.delete(key);
    if (entry.failed) return;
    const options = entry.options;
    if (!options) {
      respondError(
        correlation,
        options,
        grpc.status.INVALID_ARGUMENT,
        'Options are required',
        packDetails('event_store.client.Unknown', new shared.Unknown()),
      );
      return;
    }
    const Case = BatchAppendReq.Options.ExpectedStreamPositionCase;
    let expected: ExpectedState;
    switch (options.getExpectedStreamPositionCase()) {
      case Case.NO_STREAM:
        expected = { kind: 'no_stream' };
        break;
      case Case.STREAM_EXISTS:
        expected = { kind: 'stream_exists' };
        break;
      case Case.STREAM_POSITION:
        expected = { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
        break;
      default:
        expected = { kind: 'any' };
    }
    const outcome = log.append(streamName(options.getStreamIdentifier()), expected, entry.events);
    if (outcome.kind === 'success') {
      respond(correlation, options, (response) => {
        const success = new BatchAppendResp.Success();
        if (outcome.currentRevision < 0n) success.setNoStream(new GoogleEmpty());
        else success.setCurrentRevision(outcome.currentRevision.toString());
        if (outcome.position < 0n) success.setNoPosition(new GoogleEmpty());
        else {
          const position = new shared.AllStreamPosition();
          position.setCommitPosition(outcome.position.toString());
          position.setPreparePosition(outcome.position.toString());
          success.setPosition(position);
        }
        response.setSuccess(success);
      });
      return;
    }
    const wrong = new shared.WrongExpectedVersion();
    if (outcome.currentRevision === 'no_stream') wrong.setCurrentNoStream(new GoogleEmpty());
    else wrong.setCurrentStreamRevision(outcome.currentRevision.toString());
    switch (expected.kind) {
      case 'any':
        wrong.setExpectedAny(new GoogleEmpty());
        break;
      case 'stream_exists':
        wrong.setExpectedStreamExists(new GoogleEmpty());
        break;
      case 'no_stream':
        wrong.setExpectedNoStream(new GoogleEmpty());
        break;
      case 'revision':
        wrong.setExpectedStreamPosition(expected.revision.toString());
        break;
    }
    respondError(
      correlation,
      options,
      grpc.status.FAILED_PRECONDITION,
      'WrongExpectedVersion',
      packDetails('event_store.client.WrongExpectedVersion', wrong),
    );
  };
  call.on('end', () => {
    if (!call.writableEnded) call.end();
  });
  call.on('error', () => undefined);
}
