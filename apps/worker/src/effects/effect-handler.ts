import { UnrecoverableError } from 'bullmq';
import { type EffectKind, isEngineError } from '@app/engine';
import { EventStoreValidationError } from '@app/event-store';
import type { EffectJobData } from '@app/runtime/jobs';

/** Carries out one effect kind. What it returns is recorded as `EFFECT_SUCCEEDED.result` (plain JSON). */
export interface EffectHandler {
  readonly kind: EffectKind;
  execute(job: EffectJobData): Promise<unknown>;
}

/** Engine codes a retry can change: a busy case, a timer fired early. Everything else is the caller's or the definition's fault. */
const RETRYABLE_ENGINE_CODES: ReadonlySet<string> = new Set(['CASE.TIMER_NOT_DUE']);

/**
 * An engine refusal (bad payload, not allowed, forbidden, unknown process…)
 * comes back the same on every attempt: make it an {@link UnrecoverableError}
 * so the effect becomes an incident at once instead of after all retries.
 */
export function asUnrecoverable(error: unknown): unknown {
  if (isEngineError(error) && !RETRYABLE_ENGINE_CODES.has(error.code)) {
    return new UnrecoverableError(`${error.code}: ${error.message}`);
  }
  if (error instanceof EventStoreValidationError) return new UnrecoverableError(`${error.code}: ${error.message}`);
  return error;
}
