import { toPlainJson } from './effects';
import { seededRandom } from '../../../test/support/seeded-random';

/** The first toPlainJson, kept as the reference the direct copy must match. */
function referenceToPlainJson<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/**
 * Everything a copy could differ in that toEqual does not see: member order,
 * prototypes, -0, own `__proto__` members, holes. Throws on the first difference.
 */
function expectSameCopy(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected !== 'object' || expected === null) {
    if (!Object.is(actual, expected)) throw new Error(`${path}: ${String(actual)} is not ${String(expected)}`);
    return;
  }
  if (typeof actual !== 'object' || actual === null) throw new Error(`${path}: not an object`);
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) throw new Error(`${path}: prototype`);
  if (Array.isArray(expected) !== Array.isArray(actual)) throw new Error(`${path}: array or not`);
  const keys = Reflect.ownKeys(expected);
  const actualKeys = Reflect.ownKeys(actual);
  if (JSON.stringify(actualKeys.map(String)) !== JSON.stringify(keys.map(String))) {
    throw new Error(`${path}: members ${actualKeys.map(String)} are not ${keys.map(String)}`);
  }
  for (const key of keys) {
    if (key === 'length' && Array.isArray(expected)) continue;
    const a = Object.getOwnPropertyDescriptor(actual, key)!;
    const e = Object.getOwnPropertyDescriptor(expected, key)!;
    if (a.enumerable !== e.enumerable || a.writable !== e.writable || a.configurable !== e.configurable) {
      throw new Error(`${path}.${String(key)}: descriptor`);
    }
    expectSameCopy(a.value, e.value, `${path}.${String(key)}`);
  }
  if (Array.isArray(expected) && (actual as unknown[]).length !== expected.length) throw new Error(`${path}: length`);
}

/** The same copy, or the same error (class and message). */
function expectSameOutcome(value: unknown): void {
  let expected: unknown;
  let expectedError: unknown;
  try {
    expected = referenceToPlainJson(value);
  } catch (error) {
    expectedError = error;
  }
  if (expectedError !== undefined) {
    let actualError: unknown;
    try {
      toPlainJson(value);
    } catch (error) {
      actualError = error;
    }
    expect(actualError).toBeInstanceOf((expectedError as Error).constructor);
    expect((actualError as Error).message).toBe((expectedError as Error).message);
    return;
  }
  const actual = toPlainJson(value);
  expectSameCopy(actual, expected);
  if (typeof value === 'object' && value !== null) expect(actual).not.toBe(value);
}

const STRINGS = [
  '',
  'a',
  '中文',
  '"q"',
  'back\\slash',
  'line\nbreak',
  '\u0000',
  '\ud800',
  '\ud83d\ude00',
  '2020-10-01T00:00:00Z',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1.5,
  1e21,
  1e-7,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -Infinity,
];
const KEYS = ['id', 'a', 'b', '0', '1', '10', '-1', '', '中文', 'toString', 'constructor', 'valueOf', 'k"ey'];

class Payload {
  kind = 'payload';
  nested: unknown;
  constructor(nested: unknown) {
    this.nested = nested;
  }
}

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 7 : 16));
  switch (pick) {
    case 0:
    case 1:
      return STRINGS[Math.floor(next() * STRINGS.length)];
    case 2:
    case 3:
      return NUMBERS[Math.floor(next() * NUMBERS.length)];
    case 4:
      return next() < 0.5;
    case 5:
      return null;
    case 6:
      return [undefined, () => 1, Symbol('s')][Math.floor(next() * 3)];
    case 7:
    case 8:
    case 9: {
      const array: unknown[] = [];
      const length = Math.floor(next() * 5);
      for (let i = 0; i < length; i++) array.push(randomValue(next, depth + 1));
      if (next() < 0.1) array[length + 1] = 'after a hole';
      return array;
    }
    case 10:
    case 11:
    case 12: {
      const record: Record<string, unknown> = next() < 0.2 ? Object.create(null) : {};
      const count = Math.floor(next() * 6);
      for (let i = 0; i < count; i++) record[KEYS[Math.floor(next() * KEYS.length)]] = randomValue(next, depth + 1);
      return record;
    }
    case 13:
      return new Date(Math.floor(next() * 4e12));
    case 14:
      return new Payload(randomValue(next, depth + 1));
    default: {
      const inner = randomValue(next, depth + 1);
      const withKey = next() < 0.5;
      return { toJSON: (key: string) => (withKey ? { key, inner } : inner) };
    }
  }
}

describe('toPlainJson against JSON.parse(JSON.stringify(value))', () => {
  it('gives the same copy for many random values', () => {
    const next = seededRandom(7);
    for (let i = 0; i < 20_000; i++) expectSameOutcome(randomValue(next, 0));
  });

  it('gives the same copy, or the same error, for the edge cases', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    let deep: unknown = 'bottom';
    for (let i = 0; i < 150; i++) deep = i % 2 ? { d: deep } : [deep];
    const getter = Object.defineProperty({ plain: 1 }, 'computed', { get: () => 2, enumerable: true });
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case
    const sparse = [1, , 3];
    const values: unknown[] = [
      undefined,
      null,
      () => 1,
      Symbol('bare'),
      10n,
      { big: 10n },
      [1n],
      cyclic,
      deep,
      sparse,
      getter,
      JSON.parse('{"__proto__":{"x":1},"a":1}'),
      { inner: JSON.parse('{"__proto__":[1]}') },
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      new Number(3),
      new String('s'),
      new Boolean(false),
      Object(1n),
      Object(Symbol('boxed')),
      new Map([[1, 2]]),
      new Set([1]),
      new Uint8Array([1, 2]),
      new Date(Number.NaN),
      new Payload({ date: new Date(0) }),
      { toJSON: () => undefined },
      { toJSON: 5, other: 1 },
      {
        fn: Object.assign(() => 1, { toJSON: () => 'from the function' }),
        list: [Object.assign(() => 1, { toJSON: () => 2 })],
      },
      { fn: Object.assign(() => 1, { toJSON: 'not callable' }) },
      { [Symbol('k')]: 1, k: 2 },
      Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false }),
      Object.assign([1, 2], { extra: 'dropped' }),
      -0,
      [-0, { z: -0 }],
      'just a string',
      Number.NaN,
    ];
    for (const value of values) expectSameOutcome(value);
  });

  it('returns undefined for undefined, as before', () => {
    expect(toPlainJson(undefined)).toBeUndefined();
  });
});
