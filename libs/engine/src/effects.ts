import { EngineError } from './engine-error';
import type { EffectKind, EffectRecord } from './case-event';

/**
 * Who a notification goes to. Symbolic: the runtime's directory turns it into
 * people. `person` is a user id (already resolved from the context).
 */
export type Recipient =
  | { role: string; unit?: string }
  | { group: string }
  | { person: string }
  /** The head of the unit the person belongs to (escalation from a person). */
  | { unitHeadOf: string };

/** `notify`: an inbox message (and webhook) for the recipients. */
export interface NotifyParams {
  to: Recipient[];
  /** Message template key, e.g. `leaveApproval.riskChanged`, `deadline.missed`. */
  template: string;
  data?: Record<string, unknown>;
}

/** `startCase`: open a linked case. Its id is derived from the effect id, so opening twice is impossible. */
export interface StartCaseParams {
  process: string;
  input: Record<string, unknown>;
}

/** `sendEvent`: send an event to another case (as a system actor). */
export interface SendEventParams {
  process: string;
  caseId: string;
  type: string;
  data?: Record<string, unknown>;
}

/** `reportUpward`: a report to the higher authority (district headquarters). */
export interface ReportUpwardParams {
  report: string;
  data: Record<string, unknown>;
}

/** Params type by effect kind. */
export interface EffectParamsByKind {
  notify: NotifyParams;
  startCase: StartCaseParams;
  sendEvent: SendEventParams;
  reportUpward: ReportUpwardParams;
}

export const EFFECT_KINDS: readonly EffectKind[] = ['notify', 'startCase', 'sendEvent', 'reportUpward'];
const EFFECT_KIND_SET: ReadonlySet<string> = new Set(EFFECT_KINDS);

/**
 * Spread into `setup({ actions })`. The implementations do nothing on
 * purpose: the engine never runs an action, it records the transition's
 * returned actions as effects and workers carry them out later.
 *
 * ```ts
 * setup({ actions: { ...effectActions } }).createMachine({
 *   on: { X: { actions: { type: 'notify', params: ({ context }) => ({ to: [{ role: 'office' }], template: 't' }) } } },
 * });
 * ```
 */
export const effectActions = {
  notify: (_: unknown, _params: NotifyParams) => {},
  startCase: (_: unknown, _params: StartCaseParams) => {},
  sendEvent: (_: unknown, _params: SendEventParams) => {},
  reportUpward: (_: unknown, _params: ReportUpwardParams) => {},
};

/** An action as XState's pure `transition` returns it (only what the engine reads). */
export interface ReturnedAction {
  type: string;
  params?: unknown;
}

/** Built-in actions the engine can ignore: nothing is lost by not running them here. */
const IGNORED_ACTIONS: ReadonlySet<string> = new Set(['xstate.log']);

/** What a transition's returned actions amount to, before ids are given. */
export interface ClassifiedActions {
  effects: Array<{ kind: EffectKind; params: Record<string, unknown> }>;
  /** Delayed raises (`after`): `{ sendId, event, delayMs }`. */
  delayed: Array<{ sendId: string; event: { type: string }; delayMs: number }>;
  /** `xstate.cancel` send ids. */
  cancelled: string[];
}

/**
 * Sorts a transition's returned actions into effects, delayed raises and
 * cancels. Any other action with an outside effect (sendTo, emit, spawn, a
 * custom action that is not an effect kind) is a definition error: the
 * engine could only drop it, and dropped work is what it exists to prevent.
 */
export function classifyActions(actions: readonly ReturnedAction[]): ClassifiedActions {
  const result: ClassifiedActions = { effects: [], delayed: [], cancelled: [] };
  for (const action of actions) {
    if (EFFECT_KIND_SET.has(action.type)) {
      result.effects.push({
        kind: action.type as EffectKind,
        params: toPlainJson((action.params ?? {}) as Record<string, unknown>),
      });
    } else if (action.type === 'xstate.raise') {
      const params = action.params as { event: { type: string }; id?: string; delay?: number };
      // An immediate raise was already processed inside the transition.
      if (typeof params.delay !== 'number') continue;
      result.delayed.push({
        sendId: params.id ?? params.event.type,
        event: toPlainJson(params.event),
        delayMs: params.delay,
      });
    } else if (action.type === 'xstate.cancel') {
      result.cancelled.push((action.params as { sendId: string }).sendId);
    } else if (!IGNORED_ACTIONS.has(action.type)) {
      throw new EngineError(
        'ENGINE.INVALID_DEFINITION',
        `The machine returned action "${action.type}", which the engine cannot record; use one of ${EFFECT_KINDS.join(', ')}`,
        { action: action.type },
      );
    }
  }
  return result;
}

/** Gives effects their deterministic ids: `<eventId>_<n>`. */
export function toEffectRecords(
  eventId: string,
  effects: ReadonlyArray<{ kind: EffectKind; params: Record<string, unknown> }>,
): EffectRecord[] {
  return effects.map((effect, n) => ({ id: `${eventId}_${n}`, kind: effect.kind, params: effect.params }));
}

/**
 * A JSON copy: class instances become plain objects, `undefined` members go,
 * so what the engine hashes is what the store gives back.
 *
 * Exactly `JSON.parse(JSON.stringify(value))`, but plain data (what payloads,
 * effect params and deadlines are) is copied directly, without writing and
 * parsing text on every command. Whatever the direct copy does not cover
 * (toJSON, class instances, boxed primitives, bigints, cycles, very deep
 * values) takes the round trip, which gives the same copy or the same error.
 */
export function toPlainJson<T>(value: T): T {
  if (value === undefined) return value;
  const copy = plainCopy(value, 0);
  return copy === NOT_PLAIN ? JSON.parse(JSON.stringify(value)) : (copy as T);
}

/** plainCopy's answer for a value it leaves to the JSON round trip. */
const NOT_PLAIN: unique symbol = Symbol('not plain');
/** Deeper than any payload; a cycle gets here quickly and takes the round trip (which names it). */
const PLAIN_COPY_MAX_DEPTH = 100;
const isRawJson = (JSON as { isRawJSON?: (value: unknown) => boolean }).isRawJSON;

/** The JSON copy of a plain value; `undefined` for a member JSON leaves out, NOT_PLAIN to give up. */
function plainCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // NaN and ±Infinity are written null; -0 is written 0.
      return Number.isFinite(value) ? value + 0 : null;
    case 'object': {
      if (value === null) return null;
      if (depth >= PLAIN_COPY_MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return NOT_PLAIN;
      }
      if (Array.isArray(value)) {
        const length = value.length;
        const copy: unknown[] = [];
        for (let i = 0; i < length; i++) {
          const item = plainCopy(value[i], depth + 1);
          if (item === NOT_PLAIN) return NOT_PLAIN;
          copy.push(item === undefined ? null : item);
        }
        return copy;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && (proto !== null || isRawJson?.(value))) return NOT_PLAIN;
      const copy: Record<string, unknown> = {};
      const keys = Object.keys(value);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        // JSON.parse makes "__proto__" an own member; an assignment would set the prototype.
        if (key === '__proto__') return NOT_PLAIN;
        const item = plainCopy((value as Record<string, unknown>)[key], depth + 1);
        if (item === NOT_PLAIN) return NOT_PLAIN;
        if (item !== undefined) copy[key] = item;
      }
      return copy;
    }
    case 'undefined':
      return undefined;
    case 'symbol':
      // Left out as a member, null in an array; a bare one takes the round trip (JSON.parse(undefined) throws).
      return depth === 0 ? NOT_PLAIN : undefined;
    case 'function':
      // The same, unless it has a toJSON of its own, which JSON.stringify would call.
      return depth === 0 || typeof (value as { toJSON?: unknown }).toJSON === 'function' ? NOT_PLAIN : undefined;
    default:
      // A bigint: JSON.stringify throws.
      return NOT_PLAIN;
  }
}
