import { LRUCache } from 'lru-cache';
import type { CaseState } from '@app/engine';

/**
 * The latest folded state of recently used cases, by stream. States are
 * immutable, so sharing one is safe. A command decides on a hit as it is and
 * lets the append's expected revision catch a stale one; reads continue a hit
 * with the events appended after its revision (by this or another process).
 */
export class CaseStateCache {
  private readonly cache: LRUCache<string, CaseState>;

  constructor(maxCases = 10_000) {
    this.cache = new LRUCache({ max: maxCases });
  }

  get(streamId: string): CaseState | undefined {
    return this.cache.get(streamId);
  }

  /** Keeps the newer of the given and the cached state (concurrent loads may finish out of order). */
  set(state: CaseState): void {
    const cached = this.cache.get(state.streamId);
    if (!cached || cached.revision <= state.revision) this.cache.set(state.streamId, state);
  }

  delete(streamId: string): void {
    this.cache.delete(streamId);
  }
}
