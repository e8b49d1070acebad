import type { EffectKind } from '@app/engine';

/**
 * The contract between whoever enqueues (the dispatcher, the reconciler) and
 * whoever works (the processors): queue names, job names, job payloads and job
 * ids. Nothing here opens a connection.
 */

/** One queue per effect kind, so a slow webhook never holds up inbox messages; one for timers. */
export const EFFECT_QUEUES: Readonly<Record<EffectKind, string>> = {
  notify: 'effect-notify',
  startCase: 'effect-startCase',
  sendEvent: 'effect-sendEvent',
  reportUpward: 'effect-reportUpward',
};

export const TIMER_QUEUE = 'timers';

/** Every queue the engine uses, effects first. */
export const ALL_QUEUES: readonly string[] = [...Object.values(EFFECT_QUEUES), TIMER_QUEUE];

/**
 * An effect to carry out. Small and safe to retry; no secrets. The job id is
 * the effect id (`<eventId>_<n>`), so enqueueing it twice adds one job.
 */
export interface EffectJobData {
  effectId: string;
  kind: EffectKind;
  /** Public case id (`<process>-<uuid>`): where the outcome is recorded. */
  caseId: string;
  params: Record<string, unknown>;
  /** The event whose metadata holds the effect. */
  eventId: string;
  correlationId: string | null;
  /** Failed attempts recorded before this job was enqueued (an operator retry, a re-enqueue): attempt numbers continue from here. */
  priorAttempts: number;
  /** When the dispatcher saw the event (ms since epoch): dispatch lag is measured from it. */
  enqueuedAt: number;
  /** When the event was committed to the store (ms since epoch), if known. */
  committedAt?: number;
}

/** A durable timer (`after` or a state's deadline). Job id = timer id; a delayed job due at `dueAt`. */
export interface TimerJobData {
  timerId: string;
  timerKind: 'after' | 'deadline';
  caseId: string;
  state: string;
  dueAt: string;
  correlationId: string | null;
}

/** What an effect job returns (kept on the completed job, shown in the dashboard). */
export interface EffectJobResult {
  effectId: string;
  recorded: boolean;
  result?: unknown;
}

/** What a timer job returns. */
export interface TimerJobResult {
  timerId: string;
  /** `fired`: an event was recorded; `ignored`: the case had left the state or the timer had fired. */
  outcome: 'fired' | 'ignored';
  eventType?: string;
}

/** BullMQ refuses ':' in custom job ids (it is its key separator). */
const JOB_ID = /^[^:]{1,300}$/;

/**
 * The job id of an effect or timer: its own id, which the engine builds
 * without ':' (`<eventId>_<n>`, `<eventId>_after_<n>`, `<eventId>_deadline_<n>`).
 *
 * @throws Error for an id BullMQ would refuse (never the engine's ids).
 */
export function jobIdOf(id: string): string {
  if (!JOB_ID.test(id))
    throw new Error(`${JSON.stringify(id)} cannot be a BullMQ job id (empty, too long, or has ':')`);
  return id;
}

/** Job states in which a job will still run: nothing needs enqueueing. */
export const LIVE_JOB_STATES: ReadonlySet<string> = new Set([
  'waiting',
  'delayed',
  'active',
  'prioritized',
  'waiting-children',
]);
