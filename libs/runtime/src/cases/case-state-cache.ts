import { LRUCache } from 'lru-cache';
import type { CaseState } from '@app/engine';

/**
 * The latest folded state of recently used cases, by stream. States are
 * immutable, so sharing one is safe; a hit still reads the events appended
 * after its revision (by this or another process) before deciding.
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
