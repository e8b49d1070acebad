import type { ExpectedRevision } from './event-store.port';

/** Base of the store's own errors; `code` is stable and mapped to HTTP at the edge only. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

/** The stream was not at the expected revision. `actual` is 'no_stream' when it does not exist. */
export class ExpectedRevisionConflict extends EventStoreError {
  readonly code = 'STORE.REVISION_CONFLICT';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'ExpectedRevisionConflict';
  }
}

/**
 * Built without a stack trace: it is an answer, not a failure (a lookup of a
 * place or case never written), met on hot paths, and capturing a trace costs
 * more than the read that found nothing.
 */
export class StreamNotFound extends EventStoreError {
  readonly code = 'STORE.STREAM_NOT_FOUND';
  constructor(readonly stream: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`Stream ${stream} not found`);
    Error.stackTraceLimit = limit;
    this.name = 'StreamNotFound';
  }
}

/** Bad input to the store (stream name, event shape, size); nothing was written. */
export class EventStoreValidationError extends EventStoreError {
  readonly code = 'STORE.INVALID_INPUT';
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'EventStoreValidationError';
  }
}
