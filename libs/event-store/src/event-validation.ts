import { EventStoreValidationError } from './event-store.errors';
import type { AllFilter, AppendOptions, EventData } from './event-store.port';

/**
 * Largest append, counted as EventStoreDB counts its `MaxAppendSize` (1 MiB by
 * default): data + metadata + twice the type name, UTF-8 bytes, summed over
 * the append. Keeping the same bound means an append the embedded store
 * accepts is one EventStoreDB accepts too.
 */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** `<category>-<id>`: the category has no '-', so `$ce-<category>` works in EventStoreDB. */
const STREAM_NAME = /^[A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9_.:-]+$/;
const CATEGORY = /^[A-Za-z][A-Za-z0-9_]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.]*$/;

export function assertStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new EventStoreValidationError('Stream name must be a non-empty string', { stream });
  }
  if (stream.length > 200 || !STREAM_NAME.test(stream)) {
    throw new EventStoreValidationError(
      `Malformed stream name "${stream}": expected <category>-<id> with a category of letters, digits and _`,
      { stream },
    );
  }
}

export function streamCategory(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
}

export function assertFilter(filter: AllFilter | undefined): void {
  for (const category of filter?.streamCategories ?? []) {
    if (!CATEGORY.test(category)) {
      throw new EventStoreValidationError(`Malformed stream category "${category}"`, { category });
    }
  }
}

export function assertExpectedRevision(options: AppendOptions | undefined): void {
  const expected = options?.expectedRevision ?? 'any';
  if (typeof expected === 'bigint') {
    if (expected < 0n) throw new EventStoreValidationError('expectedRevision must be >= 0', {});
    return;
  }
  if (expected !== 'any' && expected !== 'no_stream' && expected !== 'stream_exists') {
    throw new EventStoreValidationError(`Invalid expectedRevision ${String(expected)}`, {});
  }
}

/** The JSON text of data and metadata, as an adapter stores them. */
export interface SerialisedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

/**
 * Checks one append's input and serialises it. Throws before anything is
 * written, so bad input changes nothing.
 */
export function validateAppend(stream: unknown, events: unknown, options?: AppendOptions): SerialisedEvent[] {
  assertStreamName(stream);
  assertExpectedRevision(options);
  if (!Array.isArray(events) || events.length === 0) {
    throw new EventStoreValidationError('An append needs at least one event', { stream });
  }
  const ids = new Set<string>();
  let appendSize = 0;
  const serialised = events.map((event: EventData, index) => {
    if (!event || typeof event !== 'object') {
      throw new EventStoreValidationError(`Event ${index} is not an object`, { index });
    }
    if (typeof event.id !== 'string' || !UUID.test(event.id)) {
      throw new EventStoreValidationError(`Event ${index} needs a uuid id`, { index, id: event.id });
    }
    if (ids.has(event.id)) {
      throw new EventStoreValidationError(`Event id ${event.id} appears twice in one append`, { index });
    }
    ids.add(event.id);
    if (typeof event.type !== 'string' || !EVENT_TYPE.test(event.type) || event.type.length > 200) {
      throw new EventStoreValidationError(`Event ${index} has a malformed type`, { index, type: event.type });
    }
    const data = toJson(event.data, `event ${index} data`);
    const metadata = toJson(event.metadata ?? {}, `event ${index} metadata`);
    if (
      event.metadata !== undefined &&
      (typeof event.metadata !== 'object' || Array.isArray(event.metadata) || event.metadata === null)
    ) {
      throw new EventStoreValidationError(`Event ${index} metadata must be a JSON object`, { index });
    }
    const size = Buffer.byteLength(data) + Buffer.byteLength(metadata) + 2 * Buffer.byteLength(event.type);
    appendSize += size;
    if (appendSize > MAX_EVENT_BYTES) {
      throw new EventStoreValidationError(
        `Append is ${appendSize} bytes by event ${index}; the limit is ${MAX_EVENT_BYTES} (data + metadata + 2 × type, summed)`,
        {
          index,
          size,
          limit: MAX_EVENT_BYTES,
        },
      );
    }
    return { id: event.id.toLowerCase(), type: event.type, data, metadata };
  });
  return serialised;
}

/**
 * JSON.stringify that refuses what does not survive a round trip: undefined,
 * functions, symbols, bigints, NaN/Infinity, cycles and non-plain objects.
 */
function toJson(value: unknown, what: string): string {
  // Every append passes here: a quick walk clears the usual plain value; anything
  // else goes to the walk that names what is wrong (and may still clear it).
  if (!isPlainJson(value, 0)) explainRefusal(value, what);
  return JSON.stringify(value);
}

/** Deeper than any event; a cycle gets here quickly and is left to explainRefusal. */
const QUICK_CHECK_MAX_DEPTH = 64;

/**
 * `true` when explainRefusal would accept the value: it makes the same checks
 * but builds no paths and keeps no set of visited objects (a cycle only makes
 * it go deep, and it gives up past a depth no event reaches).
 */
function isPlainJson(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (depth >= QUICK_CHECK_MAX_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!isPlainJson(v[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const item = (v as Record<string, unknown>)[keys[i]];
        if (item !== undefined && !isPlainJson(item, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/** Throws for the first thing in `value` that is not JSON, naming where it is; returns if there is none. */
function explainRefusal(value: unknown, what: string): void {
  const seen = new Set<unknown>();
  const check = (v: unknown, path: string): void => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(v))
          throw new EventStoreValidationError(`${what}: ${path} is not a finite number`, { path });
        return;
      case 'object': {
        if (v === null) return;
        if (seen.has(v)) throw new EventStoreValidationError(`${what}: ${path} is circular`, { path });
        seen.add(v);
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) check(v[i], `${path}[${i}]`);
        } else {
          const proto = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== null) {
            throw new EventStoreValidationError(
              `${what}: ${path} is a ${proto?.constructor?.name ?? 'non-plain'} object, not JSON`,
              { path },
            );
          }
          for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
            // An absent optional property: JSON leaves the key out, and nothing is lost.
            if (item !== undefined) check(item, `${path}.${k}`);
          }
        }
        seen.delete(v);
        return;
      }
      default:
        throw new EventStoreValidationError(`${what}: ${path} is a ${typeof v}, not JSON-serialisable`, { path });
    }
  };
  check(value, '$');
}
