/**
 * Stable error codes. The HTTP edge maps them to status codes; nothing in the
 * engine knows about HTTP.
 *
 * - `CASE.*` are caused by the caller (bad input, wrong state, not permitted).
 * - `ENGINE.*` are programming or configuration errors (a definition or a
 *   deployment setting is wrong, or a stored history is not one the engine wrote).
 */
export type EngineErrorCode =
  | 'CASE.INVALID_PAYLOAD'
  | 'CASE.EVENT_NOT_ALLOWED'
  | 'CASE.FORBIDDEN'
  | 'CASE.UNKNOWN_EVENT_TYPE'
  | 'CASE.UNKNOWN_PROCESS'
  | 'CASE.UNKNOWN_VERSION'
  | 'CASE.NOT_FOUND'
  /** A timer fired before its due time (clock skew); re-schedule it. */
  | 'CASE.TIMER_NOT_DUE'
  | 'ENGINE.INVALID_DEFINITION'
  | 'ENGINE.INVALID_CONFIG'
  /** The runtime did not supply a fact the definition asked for (`startFacts`). */
  | 'ENGINE.MISSING_FACT'
  /** A stream the engine cannot replay: no CASE_STARTED first, wrong process or version. */
  | 'ENGINE.CORRUPT_HISTORY';

/** One invalid property, flattened to a dotted path (`destination.name`, `companions.0.name`). */
export interface ValidationIssue {
  property: string;
  /** constraint name → message, as class-validator reports them. */
  constraints: Record<string, string>;
}

/** Extra facts carried by an {@link EngineError}; which are set depends on the code. */
export interface EngineErrorDetails {
  /** `CASE.INVALID_PAYLOAD`: what is wrong with the input. */
  issues?: ValidationIssue[];
  /** `CASE.EVENT_NOT_ALLOWED`: the events the case accepts in its current state. */
  allowed?: string[];
  [key: string]: unknown;
}

/** The engine's only error type. `code` is stable; `message` is for people. */
export class EngineError extends Error {
  override readonly name = 'EngineError';

  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: EngineErrorDetails = {},
  ) {
    super(message);
  }

  /** `CASE.INVALID_PAYLOAD`: the list of invalid properties (empty for other codes). */
  get issues(): ValidationIssue[] {
    return this.details.issues ?? [];
  }

  /** `CASE.EVENT_NOT_ALLOWED`: the events allowed in the current state (empty for other codes). */
  get allowed(): string[] {
    return this.details.allowed ?? [];
  }
}

/** Narrowing helper for catch blocks and filters. */
export function isEngineError(error: unknown, code?: EngineErrorCode): error is EngineError {
  return error instanceof EngineError && (code === undefined || error.code === code);
}
