import {
  type CaseState,
  EngineError,
  type EventMetadata,
  fold,
  foldFrom,
  type WorkflowDefinition,
  type WorkflowRegistry,
} from '@app/engine';
import { type EventStore, type RecordedEvent, StreamNotFound } from '@app/event-store';
import { LRUCache } from 'lru-cache';
import type { ProjectedEvent } from './projection';

/** The category of a stream name `<category>-<id>` (a case's process), or undefined. */
export function categoryOf(streamId: string): string | undefined {
  const dash = streamId.indexOf('-');
  return dash > 0 ? streamId.slice(0, dash) : undefined;
}

/**
 * Folds each case event with the engine, so projections see the case as the
 * engine does (state, context, armed timers, overdue deadlines) rather than
 * re-deriving it. The latest state of recently seen cases is cached; a miss
 * (after a restart, or an evicted case) reads the case's stream up to the
 * revision before the event.
 */
export class CaseFolder {
  private readonly cache: LRUCache<string, CaseState>;

  constructor(
    private readonly store: EventStore,
    private readonly registry: WorkflowRegistry,
    cacheSize: number,
  ) {
    this.cache = new LRUCache({ max: cacheSize });
  }

  clear(): void {
    this.cache.clear();
  }

  /**
   * The event with the case before and after it. Events of other streams
   * (the risk-area register, unknown categories) come back without a change.
   * A history the engine cannot replay comes back with `error` (the runner
   * records and skips it); I/O errors are thrown (the runner retries).
   */
  async prepare(event: RecordedEvent): Promise<ProjectedEvent> {
    const category = categoryOf(event.streamId);
    const metadata = event.metadata as unknown as EventMetadata;
    if (!category || !this.registry.has(category) || typeof metadata?.caseId !== 'string') return { event };
    try {
      let before: CaseState | undefined;
      let def: WorkflowDefinition;
      let after: CaseState;
      if (event.revision === 0n) {
        def = this.registry.forHistory([event]);
        after = fold(def, [event]);
      } else {
        before = await this.stateAt(event.streamId, event.revision - 1n);
        def = this.registry.get(before.process, before.version);
        after = foldFrom(def, before, [event]);
      }
      this.cache.set(event.streamId, after);
      return { event, change: { event, metadata, def, before, after } };
    } catch (error) {
      this.cache.delete(event.streamId);
      if (error instanceof EngineError || error instanceof StreamNotFound) return { event, error: error.message };
      throw error;
    }
  }

  private async stateAt(streamId: string, revision: bigint): Promise<CaseState> {
    const cached = this.cache.get(streamId);
    if (cached && cached.revision === revision) return cached;
    if (cached && cached.revision < revision) {
      const def = this.registry.get(cached.process, cached.version);
      return foldFrom(def, cached, await this.read(streamId, cached.revision + 1n, revision));
    }
    const events = await this.read(streamId, 0n, revision);
    return fold(this.registry.forHistory(events), events);
  }

  /** Revisions `from`..`to` inclusive. */
  private async read(streamId: string, from: bigint, to: bigint): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of this.store.readStream(streamId, {
      fromRevision: from,
      maxCount: Number(to - from + 1n),
    })) {
      events.push(event);
    }
    if (events.length === 0 || events[events.length - 1].revision !== to) {
      throw new EngineError('ENGINE.CORRUPT_HISTORY', `${streamId} has no revision ${to}`);
    }
    return events;
  }
}
