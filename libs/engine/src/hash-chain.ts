import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { CaseEvent, EventMetadata, StoredEventLike } from './case-event';

/** `prevHash` of a stream's first event. */
export const GENESIS_HASH = '';

/**
 * `sha256(prevHash + canonical JSON of { type, data, metadata without hash })`,
 * hex. `prevHash` is inside the metadata too, so the link itself is covered.
 */
export function eventHash(
  prevHash: string,
  event: { type: string; data: unknown; metadata: Record<string, unknown> | EventMetadata },
): string {
  const { hash: _hash, ...metadata } = event.metadata as Record<string, unknown>;
  return createHash('sha256')
    .update(prevHash + canonicalJson({ type: event.type, data: event.data, metadata }))
    .digest('hex');
}

/** Links an event to its predecessor: sets `metadata.prevHash` and `metadata.hash`. */
export function sealEvent<TData>(
  event: Omit<CaseEvent<TData>, 'metadata'> & { metadata: Omit<EventMetadata, 'prevHash' | 'hash'> },
  prevHash: string,
): CaseEvent<TData> {
  const metadata = { ...event.metadata, prevHash, hash: '' } as EventMetadata;
  metadata.hash = eventHash(prevHash, { type: event.type, data: event.data, metadata });
  return { id: event.id, type: event.type, data: event.data, metadata };
}

/** The outcome of {@link verifyChain}. */
export type ChainVerification =
  | { ok: true; count: number; lastHash: string }
  | {
      ok: false;
      /** Revision of the first event that does not verify. */
      brokenAt: bigint;
      reason: 'revision-gap' | 'prev-hash-mismatch' | 'hash-mismatch';
      message: string;
    };

/**
 * Checks a stream's hash chain from its first event and reports the first
 * broken link: an edited event fails its own hash; a removed or inserted one
 * breaks the next event's `prevHash` or the revision sequence.
 */
export function verifyChain(events: readonly StoredEventLike[]): ChainVerification {
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const revision = event.revision ?? BigInt(i);
    if (revision !== BigInt(i)) {
      return {
        ok: false,
        brokenAt: revision,
        reason: 'revision-gap',
        message: `Event ${i} has revision ${revision}`,
      };
    }
    const metadata = event.metadata ?? {};
    if (metadata.prevHash !== prevHash) {
      return {
        ok: false,
        brokenAt: revision,
        reason: 'prev-hash-mismatch',
        message: `Revision ${revision} does not link to the event before it`,
      };
    }
    const expected = eventHash(prevHash, event);
    if (metadata.hash !== expected) {
      return {
        ok: false,
        brokenAt: revision,
        reason: 'hash-mismatch',
        message: `Revision ${revision} was changed after it was written`,
      };
    }
    prevHash = expected;
  }
  return { ok: true, count: events.length, lastHash: prevHash };
}
