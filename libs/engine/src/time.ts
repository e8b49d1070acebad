import { EngineError } from './engine-error';

/**
 * Time arithmetic for deadlines and timers. Every instant comes from an event
 * (`occurredAt`) or the case context, never from the clock, so a replay
 * computes the same due times.
 */

/** An ISO-8601 instant with a time and an offset: `2020-10-01T08:00:00Z`, `2020-10-01T16:00:00.5+08:00`. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds since the epoch of an ISO instant, or `undefined` if it is not one. */
export function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Like {@link parseInstant}, but a missing or malformed instant is an error naming `what`. */
export function requireInstant(value: unknown, what: string): number {
  const ms = parseInstant(value);
  if (ms === undefined) {
    throw new EngineError('CASE.INVALID_PAYLOAD', `${what} must be an ISO-8601 instant with an offset`, {
      issues: [{ property: what, constraints: { isIsoInstant: `${what} must be an ISO-8601 instant with an offset` } }],
    });
  }
  return ms;
}

/** Canonical UTC form of an instant given in milliseconds (`2020-10-01T08:00:00.000Z`). */
export function toIso(ms: number): string {
  // A Date built from a given instant, not from the clock: deterministic.
  return new Date(ms).toISOString();
}

/**
 * An ISO-8601 duration in milliseconds: weeks, days, hours, minutes, seconds
 * (`PT8H`, `P3D`, `P1DT12H`, `PT0.5S`). Years and months are refused because
 * their length depends on the calendar; write days instead.
 */
export function parseDuration(duration: string): number {
  const match = typeof duration === 'string' && duration !== 'P' && !duration.endsWith('T') && DURATION.exec(duration);
  if (!match) {
    throw new EngineError(
      'ENGINE.INVALID_CONFIG',
      `"${duration}" is not an ISO-8601 duration of weeks, days, hours, minutes or seconds (e.g. PT8H, P3D)`,
      { duration },
    );
  }
  const [, w, d, h, m, s] = match.map((part) => (part === undefined ? 0 : Number(part)));
  return Math.round((((w * 7 + d) * 24 + h) * 60 + m) * 60_000 + s * 1000);
}

/** `true` if the value parses as a duration {@link parseDuration} accepts. */
export function isDuration(value: unknown): value is string {
  try {
    parseDuration(value as string);
    return true;
  } catch {
    return false;
  }
}
