import { setImmediate as nextTurn } from 'node:timers/promises';

const WOULD_BLOCK = Symbol('wouldBlock');

/**
 * Reads an async iterator in batches: waits for the first item, then takes
 * whatever else is ready without waiting (up to `max`). Under load a batch is
 * large (one bulk enqueue, one checkpoint write for many events); when idle,
 * each item goes out as soon as it arrives.
 */
export class Batcher<T> {
  private pending: Promise<IteratorResult<T>> | undefined;
  private done = false;

  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly max: number,
  ) {}

  /** The next batch, or undefined when the iterator is finished. */
  async next(): Promise<T[] | undefined> {
    if (this.done) return undefined;
    const first = await (this.pending ?? this.iterator.next());
    this.pending = undefined;
    if (first.done) {
      this.done = true;
      return undefined;
    }
    const batch = [first.value];
    while (batch.length < this.max) {
      const pending = this.iterator.next();
      const ready = await Promise.race([pending, nextTurn().then(() => WOULD_BLOCK)]);
      if (ready === WOULD_BLOCK) {
        this.pending = pending;
        break;
      }
      const result = ready as IteratorResult<T>;
      if (result.done) {
        this.done = true;
        break;
      }
      batch.push(result.value);
    }
    return batch;
  }
}
