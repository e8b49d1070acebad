import { createHash } from 'node:crypto';
import { canonicalEventJson, canonicalJson } from './canonical-json';
import { eventHash, sealEvent } from './hash-chain';
import { boss, clerk, demoV1, owner } from './testing/demo-workflow';
import { History } from './testing/history';
import { seededRandom } from '../../../test/support/seeded-random';

/**
 * The first canonicalJson, kept as the reference: stored events were hashed
 * with it, so the fast one must write the very same text for every value.
 */
function referenceCanonicalJson(value: unknown): string {
  const text = referenceWrite(value);
  return text === undefined ? 'null' : text;
}

function referenceWrite(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'object': {
      const withJson = value as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return referenceWrite(withJson.toJSON());
      if (Array.isArray(value)) return `[${value.map((item) => referenceWrite(item) ?? 'null').join(',')}]`;
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const item = referenceWrite(record[key]);
        if (item !== undefined) parts.push(`${JSON.stringify(key)}:${item}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

/** The first eventHash: a copy of the metadata without `hash`, then the reference text. */
function referenceEventHash(prevHash: string, event: { type: unknown; data: unknown; metadata: unknown }): string {
  const { hash: _hash, ...metadata } = event.metadata as Record<string, unknown>;
  return createHash('sha256')
    .update(prevHash + referenceCanonicalJson({ type: event.type, data: event.data, metadata }))
    .digest('hex');
}

const CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\r',
  '\t',
  '\b',
  '\f',
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0080',
  'é',
  '中',
  '文',
  '\u2028',
  '\u2029',
  '\ud83d\ude00',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\uffff',
  '{',
  ':',
  ',',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1.5,
  -2.75,
  1e21,
  1e-7,
  123456789012,
  2 ** 53,
  -(2 ** 53) - 2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1 / 3,
  5e-324,
];
const KEYS = [
  'id',
  'type',
  'data',
  'a',
  'b',
  'B',
  '',
  '0',
  '1',
  '10',
  '2',
  '-1',
  'ä',
  '中文',
  'a"b',
  'a\\b',
  'x\ny',
  '\ud800',
  'hash',
  'toString',
  'é',
  'z',
];

class Point {
  constructor(
    readonly x: number,
    readonly y: unknown,
  ) {}
}

function randomString(next: () => number): string {
  const length = Math.floor(next() * 12);
  let text = '';
  for (let i = 0; i < length; i++) text += CHARS[Math.floor(next() * CHARS.length)];
  return text;
}

/** A random value of the kinds events and states hold, and of the odd ones canonicalJson must still write the same. */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 8 : 17));
  switch (pick) {
    case 0:
    case 1:
      return randomString(next);
    case 2:
    case 3:
      return NUMBERS[Math.floor(next() * NUMBERS.length)];
    case 4:
      return next() < 0.5;
    case 5:
      return null;
    case 6:
      return undefined;
    case 7:
      return [() => 1, Symbol('s'), 12n, -3n][Math.floor(next() * 4)];
    case 8:
    case 9:
    case 10: {
      const array: unknown[] = [];
      const length = Math.floor(next() * 5);
      for (let i = 0; i < length; i++) array.push(randomValue(next, depth + 1));
      // A hole now and then (Array#map and join leave it empty).
      if (next() < 0.1) array[length + 1] = 1;
      return array;
    }
    case 11:
    case 12:
    case 13: {
      const record: Record<string, unknown> = next() < 0.2 ? Object.create(null) : {};
      // Sometimes more keys than the insertion sort takes.
      const count = next() < 0.1 ? 20 + Math.floor(next() * 10) : Math.floor(next() * 6);
      for (let i = 0; i < count; i++) {
        const key = next() < 0.6 ? KEYS[Math.floor(next() * KEYS.length)] : randomString(next);
        record[key] = randomValue(next, depth + 1);
      }
      return record;
    }
    case 14: {
      const inner = randomValue(next, depth + 1);
      return { toJSON: () => inner, ignored: 1 };
    }
    case 15:
      return next() < 0.8 ? new Date(Math.floor(next() * 4e12)) : new Date(Number.NaN);
    default:
      return next() < 0.5 ? new Point(1, randomValue(next, depth + 1)) : new Map([[1, 2]]);
  }
}

describe('canonicalJson against the first implementation', () => {
  it('writes the same text for many random values', () => {
    const next = seededRandom(20201001);
    for (let i = 0; i < 20_000; i++) {
      const value = randomValue(next, 0);
      expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
    }
  });

  it('writes the same text for the edge cases one by one', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case
    const sparse = [1, , 3];
    const values: unknown[] = [
      undefined,
      null,
      () => 1,
      Symbol('x'),
      10n,
      '',
      '"\\\u0000\u001f\u007f\u2028\ud800\udc00\ud800x\udfff',
      ...NUMBERS,
      sparse,
      [undefined, () => 1, Symbol('y')],
      { a: undefined, b: () => 1, c: Symbol('z'), d: 1 },
      { toJSON: () => undefined },
      { toJSON: () => ({ toJSON: () => 'deep' }) },
      { nested: { toJSON: () => undefined }, kept: 1 },
      new Date(0),
      new Date(Number.NaN),
      new Point(2, [new Point(3, null)]),
      Object.assign(Object.create(null), { b: 1, a: 2 }),
      JSON.parse('{"__proto__":{"x":1},"a":1}'),
      Object.fromEntries(KEYS.map((key, i) => [key, i])),
      new Number(3),
      new String('s'),
      new Set([1]),
      Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false }),
      { [Symbol('k')]: 1, k: 2 },
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
  });

  it('calls toJSON as a method, as JSON.stringify does', () => {
    const value = {
      secret: 's',
      toJSON(this: { secret: string }) {
        return { seen: this.secret };
      },
    };
    expect(canonicalJson(value)).toBe('{"seen":"s"}');
    expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
  });
});

describe('canonicalEventJson and eventHash against the first implementation', () => {
  it('match a copy of the metadata without hash, for random events', () => {
    const next = seededRandom(42);
    for (let i = 0; i < 5_000; i++) {
      const metadata = randomValue(next, 1);
      if (metadata === null || typeof metadata !== 'object') continue;
      if (next() < 0.5) (metadata as Record<string, unknown>).hash = randomValue(next, 1);
      const type = next() < 0.9 ? 'SOME_TYPE' : randomValue(next, 1);
      const data = randomValue(next, 1);
      const { hash: _hash, ...rest } = metadata as Record<string, unknown>;
      expect(canonicalEventJson(type, data, metadata)).toBe(referenceCanonicalJson({ type, data, metadata: rest }));
      expect(eventHash('prev', { type, data, metadata } as never)).toBe(
        referenceEventHash('prev', { type, data, metadata }),
      );
    }
  });

  it('treats odd metadata as the object rest copy did', () => {
    const odd: unknown[] = [
      [1, 2],
      'text',
      7,
      { toJSON: () => ({ replaced: true }), hash: 'h' },
      Object.assign(new Point(1, 2), { hash: 'h' }),
      new Date(0),
    ];
    for (const metadata of odd) {
      expect(eventHash('p', { type: 'T', data: { a: 1 }, metadata } as never)).toBe(
        referenceEventHash('p', { type: 'T', data: { a: 1 }, metadata }),
      );
    }
    // Object rest throws for null and undefined; so does the new path.
    expect(() => canonicalEventJson('T', {}, null)).toThrow(TypeError);
    expect(() => canonicalEventJson('T', {}, undefined)).toThrow(TypeError);
  });

  it('keeps every hash of a built history, and sealEvent keeps the member order', () => {
    const h = new History(demoV1);
    h.start(0);
    h.send('PING', {}, clerk, 1);
    h.send('SUBMIT', { note: 'n "quoted" 中文' }, owner, 2);
    h.send('NEXT', {}, owner, 3);
    h.send('APPROVE', {}, boss, 4);
    for (const event of h.stored()) {
      expect(event.metadata.hash).toBe(referenceEventHash(event.metadata.prevHash, event));
      const { prevHash, hash: _hash, ...unsealed } = event.metadata;
      const sealed = sealEvent(
        { id: event.id, type: event.type, data: event.data, metadata: unsealed as never },
        prevHash,
      );
      // What the spread `{ ...metadata, prevHash, hash }` gave: same members, same order, same text.
      expect(Object.keys(sealed.metadata)).toEqual([...Object.keys(unsealed), 'prevHash', 'hash']);
      expect(JSON.stringify(sealed)).toBe(
        JSON.stringify({ id: event.id, type: event.type, data: event.data, metadata: event.metadata }),
      );
    }
  });

  it('sealEvent copies its input and keeps an own __proto__ member as a member', () => {
    const metadata = JSON.parse('{"a":1,"__proto__":{"b":2},"hash":"old"}');
    const sealed = sealEvent({ id: 'e', type: 'T', data: {}, metadata } as never, 'p');
    expect(Object.getPrototypeOf(sealed.metadata)).toBe(Object.prototype);
    expect(JSON.stringify(sealed.metadata)).toBe(
      JSON.stringify({ ...metadata, prevHash: 'p', hash: sealed.metadata.hash }),
    );
    expect(metadata.hash).toBe('old');
    expect(sealed.metadata.hash).toBe(referenceEventHash('p', { type: 'T', data: {}, metadata: sealed.metadata }));
  });
});
