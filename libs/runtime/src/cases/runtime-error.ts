/**
 * Errors the runtime raises itself (the engine's are `EngineError`). Codes are
 * stable; the HTTP filter maps them.
 */
export class RuntimeError extends Error {
  constructor(
    readonly code: 'CASE.REVISION_CONFLICT' | 'CASE.BUSY' | 'CASE.READ_ONLY' | 'NOT_FOUND',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}
