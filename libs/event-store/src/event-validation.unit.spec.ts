import { EventStoreValidationError } from './event-store.errors';
import { validateAppend } from './event-validation';
import { seededRandom } from '../../../test/support/seeded-random';

/**
 * The first toJson (one walk that builds every path and keeps a set of the
 * objects it is inside), kept as the reference: validateAppend must still
 * accept, write and refuse exactly as it did.
 */
function referenceToJson(value: unknown, what: string): string {
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
  return JSON.stringify(value);
}

const ID = '00000000-0000-4000-8000-000000000001';

/** What validateAppend makes of `data`: the stored text, or the refusal (class, message, details). */
function outcome(run: () => string): unknown {
  try {
    return { text: run() };
  } catch (error) {
    return {
      error: (error as Error).constructor.name,
      message: (error as Error).message,
      details: (error as EventStoreValidationError).details,
    };
  }
}

function expectSameOutcome(data: unknown, metadata: unknown): void {
  const actual = outcome(() => {
    const [event] = validateAppend('case-1', [{ id: ID, type: 'T', data, metadata } as never]);
    return `${event.data}|${event.metadata}`;
  });
  const expected = outcome(() => {
    const text = `${referenceToJson(data, 'event 0 data')}|${referenceToJson(metadata ?? {}, 'event 0 metadata')}`;
    if (metadata !== undefined && (typeof metadata !== 'object' || Array.isArray(metadata) || metadata === null)) {
      throw new EventStoreValidationError('Event 0 metadata must be a JSON object', { index: 0 });
    }
    return text;
  });
  expect(actual).toEqual(expected);
}

class Payload {
  kind = 'payload';
}

const KEYS = ['id', 'a', 'b', '0', '10', '', '中文', 'k"ey', 'toString'];

/** Mostly valid JSON, with now and then something the store refuses, somewhere deep. */
function randomValue(next: () => number, depth: number, bad: number): unknown {
  if (next() < bad) {
    return [
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      () => 1,
      Symbol('s'),
      1n,
      new Date(0),
      new Map(),
      new Payload(),
      new Number(1),
    ][Math.floor(next() * 10)];
  }
  const pick = Math.floor(next() * (depth > 4 ? 4 : 8));
  switch (pick) {
    case 0:
      return ['', 'text', '中文 "q" \n', '\ud800'][Math.floor(next() * 4)];
    case 1:
      return [0, -0, 1.5, -7, 1e21][Math.floor(next() * 5)];
    case 2:
      return next() < 0.5 ? true : null;
    case 3:
      return next() < 0.5 ? false : 'x';
    case 4:
    case 5: {
      const array: unknown[] = [];
      const length = Math.floor(next() * 4);
      for (let i = 0; i < length; i++) array.push(randomValue(next, depth + 1, bad));
      return array;
    }
    default: {
      const record: Record<string, unknown> = next() < 0.2 ? Object.create(null) : {};
      const count = Math.floor(next() * 5);
      for (let i = 0; i < count; i++) {
        // An undefined member is fine (JSON leaves it out); an undefined array item is not.
        record[KEYS[Math.floor(next() * KEYS.length)]] = next() < 0.05 ? undefined : randomValue(next, depth + 1, bad);
      }
      return record;
    }
  }
}

describe('validateAppend data and metadata checks against the first implementation', () => {
  it('accepts, writes and refuses random values the same', () => {
    const next = seededRandom(11);
    for (let i = 0; i < 10_000; i++) {
      const bad = next() < 0.5 ? 0 : 0.03;
      const data = randomValue(next, 0, bad);
      // Metadata that is not an object is refused after it is serialised, as before.
      const metadata = next() < 0.1 ? undefined : randomValue(next, 0, bad / 2);
      expectSameOutcome(data, metadata);
    }
  });

  it('names cycles, shared objects and deep values as before', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.child = { list: [1, cyclic] };
    const cyclicArray: unknown[] = [1];
    cyclicArray.push({ back: cyclicArray });
    const shared = { s: 1 };
    let deepValid: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deepValid = i % 2 ? { d: deepValid } : [deepValid];
    let deepInvalid: unknown = Number.NaN;
    for (let i = 0; i < 100; i++) deepInvalid = i % 2 ? { d: deepInvalid } : [deepInvalid];
    let deepCycle: Record<string, unknown> = {};
    const top = deepCycle;
    for (let i = 0; i < 80; i++) {
      const inner = {};
      deepCycle.next = inner;
      deepCycle = inner;
    }
    deepCycle.back = top;
    // biome-ignore lint/suspicious/noSparseArray: a hole is refused like undefined
    const sparse = [1, , 3];
    const values: unknown[] = [
      cyclic,
      cyclicArray,
      { one: shared, two: shared, list: [shared, shared] },
      deepValid,
      deepInvalid,
      top,
      undefined,
      null,
      [undefined],
      sparse,
      { a: undefined },
      Object.create(null),
      Object.assign(Object.create(null), { b: [Object.create(null)] }),
      Object.create({ inherited: 1 }),
      Object.create(Object.create(null)),
      { toJSON: () => 'x' },
      'top-level string',
      42,
      Number.NaN,
    ];
    for (const value of values) {
      expectSameOutcome(value, {});
      expectSameOutcome({}, value);
    }
  });
});
