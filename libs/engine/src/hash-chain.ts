import { createHash, hash } from 'node:crypto';
import { canonicalEventJson } from './canonical-json';
import type { CaseEvent, EventMetadata, StoredEventLike } from './case-event';

/**
 * sha256 of a string, hex. `crypto.hash` (Node 20.12+) does it in one call,
 * without a Hash object per event; the same digest either way.
 */
const sha256Hex: (text: string) => string =
  typeof hash === 'function'
    ? (text) => hash('sha256', text, 'hex')
    : (text) => createHash('sha256').update(text).digest('hex');

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
  return sha256Hex(prevHash + canonicalEventJson(event.type, event.data, event.metadata));
}

/** Links an event to its predecessor: sets `metadata.prevHash` and `metadata.hash`. */
export function sealEvent<TData>(
  event: Omit<CaseEvent<TData>, 'metadata'> & { metadata: Omit<EventMetadata, 'prevHash' | 'hash'> },
  prevHash: string,
): CaseEvent<TData> {
  // As `{ ...event.metadata, prevHash, hash }`: the same members in the same order.
  const metadata = copyOwn(event.metadata) as EventMetadata;
  metadata.prevHash = prevHash;
  // The hash leaves `hash` out, so it can be worked out before the member exists.
  metadata.hash = eventHash(prevHash, { type: event.type, data: event.data, metadata });
  return { id: event.id, type: event.type, data: event.data, metadata };
}

/**
 * `{ ...source }`, made so that members set on it afterwards stay cheap: V8
 * (Node 20) gives a spread copy a hidden class it cannot extend along cached
 * transitions, and every member added after costs about a microsecond.
 * Object.assign copies the same own enumerable members in the same order; it
 * would set the prototype for an own `__proto__` member, so that one is spread.
 */
function copyOwn<T extends object>(source: T): T {
  return source != null && Object.hasOwn(source, '__proto__') ? { ...source } : Object.assign({}, source);
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
