import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  type Actor,
  type CaseState,
  type Decision,
  EngineError,
  type EffectOutcomeCommand,
  type FoldLimit,
  type WorkflowDefinition,
  type WorkflowRegistry,
  decide,
  fireTimer,
  fold,
  foldFrom,
  foldUntil,
  fromSnapshotRecord,
  recordEffectOutcome,
  requestEffectRetry,
  snapshotMatches,
  start,
  verifyChain,
  verifyReplay,
} from '@app/engine';
import {
  EVENT_STORE,
  type EventStore,
  ExpectedRevisionConflict,
  type RecordedEvent,
  StreamNotFound,
} from '@app/event-store';
import { type ParsedCaseId, caseStreamId, parseCaseId } from './case-id';
import { CASE_SNAPSHOT_CATEGORY, CaseSnapshots } from './case-snapshots';
import { CaseStateCache } from './case-state-cache';
import { Clock } from './clock';
import { RuntimeError } from './runtime-error';
import { StartFactsProvider } from './start-facts.provider';

export const WORKFLOW_REGISTRY = Symbol('WORKFLOW_REGISTRY');
export const CASE_RUNTIME_OPTIONS = Symbol('CASE_RUNTIME_OPTIONS');

export interface CaseRuntimeOptions {
  /** Cases whose folded state is kept in memory. */
  cacheSize: number;
  /** Re-decisions after a concurrent append, when the client gave no expectedRevision. */
  maxRetries: number;
}

/** A command's ids and causes, when they come from somewhere other than a user's request. */
export interface CommandContext {
  correlationId?: string | null;
  causationId?: string | null;
  /** Fixes the new event's id (effects derive it, so a retried effect appends idempotently). */
  eventId?: string;
}

export interface CommitResult {
  state: CaseState;
  /** The event appended, or null when there was nothing to record (a cancelled timer, a duplicate outcome). */
  event: Decision['event'] | null;
  /** Global position of the appended event (read models pass `?minPosition=` to read their own writes). */
  position?: bigint;
}

type Decider = (def: WorkflowDefinition, state: CaseState, eventId: string, occurredAt: string) => Decision | null;

/**
 * Load → decide → append. The store is the only truth: a decision is
 * appended with the revision it was made on, so two writers can never both
 * win; the loser re-decides on the newer state (or gets a 409 if it named a
 * revision itself).
 */
@Injectable()
export class CaseService {
  private readonly logger = new Logger(CaseService.name);
  private readonly cache: CaseStateCache;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WORKFLOW_REGISTRY) private readonly registry: WorkflowRegistry,
    @Inject(CASE_RUNTIME_OPTIONS) private readonly options: CaseRuntimeOptions,
    private readonly clock: Clock,
    private readonly facts: StartFactsProvider,
    private readonly snapshots: CaseSnapshots,
  ) {
    this.cache = new CaseStateCache(options.cacheSize);
    if (registry.has(CASE_SNAPSHOT_CATEGORY)) {
      throw new Error(
        `A process may not be named ${CASE_SNAPSHOT_CATEGORY}: that stream category holds case snapshots`,
      );
    }
  }

  /**
   * Opens a case on the latest version of its process. With `caseId` given
   * (a `startCase` effect derives it), a second attempt finds the case
   * already open and returns it instead of opening another.
   */
  async start(
    process: string,
    input: unknown,
    actor: Actor,
    context: CommandContext & { caseId?: string } = {},
  ): Promise<CommitResult> {
    const def = this.registry.latest(process);
    const uuid = context.caseId ?? randomUUID();
    const streamId = caseStreamId(process, uuid);
    const occurredAt = this.clock.now().toISOString();
    const facts = await this.facts.lookup(def, input, occurredAt);
    const decision = start(def, {
      caseId: uuid,
      input,
      facts,
      actor,
      occurredAt,
      eventId: context.eventId ?? randomUUID(),
      correlationId: context.correlationId,
      causationId: context.causationId,
    });
    let position: bigint;
    try {
      ({ position } = await this.store.appendToStream(streamId, [decision.event], { expectedRevision: 'no_stream' }));
    } catch (error) {
      if (error instanceof ExpectedRevisionConflict && context.caseId) {
        return { state: await this.get(streamId), event: null };
      }
      throw error;
    }
    this.cache.set(decision.state);
    this.snapshots.afterCommit(def, -1n, decision.state);
    return { state: decision.state, event: decision.event, position };
  }

  /** A user's (or a system actor's) event on a case. */
  send(
    caseId: string,
    type: string,
    data: unknown,
    actor: Actor,
    options: CommandContext & { expectedRevision?: bigint } = {},
  ): Promise<CommitResult> {
    return this.commit(parseCaseId(caseId), options.expectedRevision, options, (def, state, eventId, occurredAt) =>
      decide(def, state, {
        type,
        data,
        actor,
        occurredAt,
        eventId,
        correlationId: options.correlationId,
        causationId: options.causationId,
      }),
    );
  }

  /** A durable timer came due. Null event: the case left the state (or the timer already fired). */
  fireTimer(caseId: string, timerId: string, context: CommandContext = {}): Promise<CommitResult> {
    return this.commit(parseCaseId(caseId), undefined, context, (def, state, eventId, occurredAt) =>
      fireTimer(def, state, timerId, {
        eventId,
        occurredAt,
        correlationId: context.correlationId,
        causationId: context.causationId,
      }),
    );
  }

  /** A worker's report on an effect. Null event: already recorded. */
  recordEffectOutcome(
    caseId: string,
    outcome: Pick<EffectOutcomeCommand, 'type' | 'data'>,
    context: CommandContext = {},
  ): Promise<CommitResult> {
    return this.commit(parseCaseId(caseId), undefined, context, (def, state, eventId, occurredAt) =>
      recordEffectOutcome(def, state, {
        ...outcome,
        eventId,
        occurredAt,
        correlationId: context.correlationId,
        causationId: context.causationId,
      } as EffectOutcomeCommand),
    );
  }

  /** An operator retries an incident; the reconciler then re-enqueues the effect. */
  requestEffectRetry(caseId: string, effectId: string, actor: Actor): Promise<CommitResult> {
    return this.commit(parseCaseId(caseId), undefined, {}, (def, state, eventId, occurredAt) =>
      requestEffectRetry(def, state, { eventId, occurredAt, actor, data: { effectId } }),
    );
  }

  /** The case now. @throws EngineError `CASE.NOT_FOUND` */
  async get(caseId: string): Promise<CaseState> {
    return this.load(parseCaseId(caseId));
  }

  /**
   * The case now, from a history the caller has already read (a read that
   * needs both the events and the state reads the stream once): the cached
   * state when it is that recent, otherwise the cached state continued, or a fold.
   */
  stateOf(events: readonly RecordedEvent[]): CaseState {
    const last = events[events.length - 1];
    const cached = last ? this.cache.get(last.streamId) : undefined;
    if (cached && cached.revision === last.revision) return cached;
    const state =
      cached && cached.revision < last.revision
        ? foldFrom(this.definitionOf(cached), cached, events.slice(Number(cached.revision) + 1))
        : fold(this.registry.forHistory(events), events);
    this.cache.set(state);
    return state;
  }

  /** The case as it was at a revision or a moment (time travel); `events` saves a read when the caller has them. */
  async getAt(caseId: string, limit: FoldLimit, events?: readonly RecordedEvent[]): Promise<CaseState> {
    const history = events ?? (await this.history(caseId));
    return foldUntil(this.registry.forHistory(history), history, limit);
  }

  /** Every event of the case, oldest first. */
  async history(caseId: string): Promise<RecordedEvent[]> {
    return this.readEvents(parseCaseId(caseId).streamId);
  }

  /** Hash chain and replay check of the stored history; `history` saves a read when the caller has it. */
  async verify(caseId: string, history?: readonly RecordedEvent[]) {
    const events = history ?? (await this.history(caseId));
    const def = this.registry.forHistory(events);
    return { events: events.length, chain: verifyChain(events), replay: verifyReplay(def, events) };
  }

  definitionOf(state: CaseState): WorkflowDefinition {
    return this.registry.get(state.process, state.version);
  }

  private async commit(
    parsed: ParsedCaseId,
    expectedRevision: bigint | undefined,
    context: CommandContext,
    decider: Decider,
  ): Promise<CommitResult> {
    // First on the cached state as it is, without reading the stream: the append's expected
    // revision proves it current (the usual case, saving a read per command). Any answer other
    // than a successful append (a refusal, nothing to record, another revision than the client
    // named) is only given after deciding again on a state just read from the store.
    let unread = this.cache.get(parsed.streamId);
    for (let attempt = 0; ; ) {
      const state = unread ?? (await this.load(parsed));
      const fromCache = unread !== undefined;
      unread = undefined;
      if (expectedRevision !== undefined && state.revision !== expectedRevision) {
        if (fromCache) continue;
        throw revisionConflict(parsed.streamId, expectedRevision, state.revision);
      }
      const def = this.definitionOf(state);
      const eventId = context.eventId ?? randomUUID();
      let decision: Decision | null;
      try {
        decision = decider(def, state, eventId, this.clock.now().toISOString());
      } catch (error) {
        if (fromCache) continue;
        throw error;
      }
      if (!decision) {
        if (fromCache) continue;
        return { state, event: null };
      }
      try {
        const { position } = await this.store.appendToStream(parsed.streamId, [decision.event], {
          expectedRevision: state.revision,
        });
        this.cache.set(decision.state);
        this.snapshots.afterCommit(def, state.revision, decision.state);
        return { state: decision.state, event: decision.event, position };
      } catch (error) {
        if (!(error instanceof ExpectedRevisionConflict)) throw error;
        this.cache.delete(parsed.streamId);
        if (fromCache) continue;
        if (expectedRevision !== undefined) {
          throw revisionConflict(parsed.streamId, expectedRevision, error.actual === 'no_stream' ? -1n : error.actual);
        }
        if (attempt >= this.options.maxRetries) {
          throw new RuntimeError(
            'CASE.BUSY',
            `${parsed.streamId} changed ${attempt + 1} times while deciding; try again`,
          );
        }
        attempt++;
      }
    }
  }

  private async load(parsed: ParsedCaseId): Promise<CaseState> {
    if (!this.registry.has(parsed.process)) {
      throw new EngineError('CASE.NOT_FOUND', `No case ${parsed.streamId}: unknown process ${parsed.process}`);
    }
    const cached = this.cache.get(parsed.streamId);
    if (cached) {
      const newer = await this.readEvents(parsed.streamId, cached.revision + 1n);
      const state = foldFrom(this.definitionOf(cached), cached, newer);
      this.cache.set(state);
      return state;
    }
    const restored = await this.fromSnapshot(parsed.streamId);
    if (restored) {
      this.cache.set(restored.state);
      this.snapshots.afterLoad(this.definitionOf(restored.state), restored.state, restored.folded);
      return restored.state;
    }
    const events = await this.readEvents(parsed.streamId);
    const def = this.registry.forHistory(events);
    const state = fold(def, events);
    this.cache.set(state);
    this.snapshots.afterLoad(def, state, events.length);
    return state;
  }

  /**
   * A cold load from the case's newest snapshot and the events after it, or
   * undefined (then the caller folds the whole stream): no snapshot, or one
   * that does not match the stream's event at its revision, or that cannot
   * be restored or continued. The event at the snapshot's revision is read
   * with the rest, in the same read, to check it.
   */
  private async fromSnapshot(streamId: string): Promise<{ state: CaseState; folded: number } | undefined> {
    try {
      const snapshot = await this.snapshots.latest(streamId);
      if (!snapshot) return undefined;
      const { header } = snapshot;
      if (!this.registry.has(header.process)) return undefined;
      const events = await this.readEvents(streamId, BigInt(header.revision));
      if (events.length === 0 || !snapshotMatches(header, events[0])) {
        this.logger.warn(`snapshot of ${streamId} at revision ${header.revision} does not match the stream; ignored`);
        return undefined;
      }
      const def = this.registry.get(header.process, header.version);
      const record = await snapshot.record();
      if (!snapshotMatches(record, events[0])) throw new Error('its record does not match the stream');
      const rest = events.slice(1);
      return { state: foldFrom(def, fromSnapshotRecord(def, record), rest), folded: rest.length };
    } catch (error) {
      this.logger.warn(
        `snapshot of ${streamId} not used (${error instanceof Error ? error.message : String(error)}); folding the whole stream`,
      );
      return undefined;
    }
  }

  private async readEvents(streamId: string, fromRevision?: bigint): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const event of this.store.readStream(streamId, { fromRevision: fromRevision ?? 'start' })) {
        events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFound) {
        if (fromRevision !== undefined) return events;
        throw new EngineError('CASE.NOT_FOUND', `No case ${streamId}`);
      }
      throw error;
    }
    return events;
  }
}

function revisionConflict(streamId: string, expected: bigint, actual: bigint): RuntimeError {
  return new RuntimeError(
    'CASE.REVISION_CONFLICT',
    `${streamId} is at revision ${actual}, not ${expected}: reload and decide again`,
    { expectedRevision: Number(expected), actualRevision: Number(actual) },
  );
}
