import { ISO_INSTANT, isDuration, parseDuration, parseInstant, toIso } from './time';
import { seededRandom } from '../../../test/support/seeded-random';

/** The first implementations, kept as the reference the fast paths and caches must match. */
function referenceToIso(ms: number): string {
  return new Date(ms).toISOString();
}

function referenceParseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

const REFERENCE_DURATION =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

function referenceParseDuration(duration: string): number | 'refused' {
  const match =
    typeof duration === 'string' && duration !== 'P' && !duration.endsWith('T') && REFERENCE_DURATION.exec(duration);
  if (!match) return 'refused';
  const [, w, d, h, m, s] = match.map((part) => (part === undefined ? 0 : Number(part)));
  return Math.round((((w * 7 + d) * 24 + h) * 60 + m) * 60_000 + s * 1000);
}

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

const DAY = 86_400_000;
const LAST_OF_9999 = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('toIso against Date#toISOString', () => {
  it('writes the days from 1970 to 9999 the same (each up to 2200, then every 29th), at a random time of day', () => {
    const next = seededRandom(1);
    const until2200 = Date.UTC(2200, 0, 1) / DAY;
    for (let day = 0; day * DAY <= LAST_OF_9999; day += day < until2200 ? 1 : 29) {
      const ms = day * DAY + Math.floor(next() * DAY);
      if (ms > LAST_OF_9999) break;
      const text = toIso(ms);
      if (text !== referenceToIso(ms)) expect(text).toBe(referenceToIso(ms));
    }
  });

  it('writes random instants and the edges the same, or throws the same', () => {
    const next = seededRandom(2);
    const values = [
      0,
      -0,
      1,
      999,
      1000,
      DAY - 1,
      DAY,
      Date.UTC(2000, 1, 29, 12),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(2400, 1, 29),
      LAST_OF_9999,
      LAST_OF_9999 + 1,
      -1,
      -DAY,
      Date.UTC(-1, 0, 1),
      8.64e15,
      -8.64e15,
      8.64e15 + 1,
      1.5,
      -0.5,
      1e12 + 0.999,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MAX_SAFE_INTEGER,
    ];
    for (let i = 0; i < 20_000; i++) values.push(Math.floor(next() * LAST_OF_9999));
    for (let i = 0; i < 1_000; i++) values.push((next() - 0.5) * 1.8e16);
    for (const ms of values) {
      const text = outcome(() => toIso(ms));
      if (text !== outcome(() => referenceToIso(ms))) expect(text).toBe(outcome(() => referenceToIso(ms)));
    }
  });
});

describe('parseInstant with its cache', () => {
  it('answers as before, first time and again', () => {
    const next = seededRandom(3);
    const texts: unknown[] = [
      '2020-10-01T08:00:00Z',
      '2020-10-01T08:00:00.5+08:00',
      '2020-10-01T08:00Z',
      '2020-10-01T08:00:00.123456789-05:30',
      '2020-02-30T00:00:00Z',
      '2020-13-01T00:00:00Z',
      '2020-10-01T24:00:00Z',
      '2020-10-01 08:00:00Z',
      '2020-10-01',
      '',
      'x'.repeat(100),
      `2020-10-01T08:00:00.${'1'.repeat(40)}Z`,
      null,
      undefined,
      12,
      { toString: () => '2020-10-01T08:00:00Z' },
    ];
    for (let i = 0; i < 1_000; i++) {
      const ms = Math.floor(next() * LAST_OF_9999);
      const iso = referenceToIso(ms);
      texts.push(iso, iso.replace('.000Z', 'Z'), iso.replace('Z', '+08:00'), `${iso.slice(0, 16)}Z`, iso.slice(1));
    }
    for (let round = 0; round < 3; round++) {
      for (const text of texts) {
        const ms = parseInstant(text);
        if (ms !== referenceParseInstant(text)) expect(ms).toBe(referenceParseInstant(text));
      }
    }
  });
});

describe('parseDuration with its cache', () => {
  it('answers and refuses as before, first time and again', () => {
    const texts = [
      'PT8H',
      'P3D',
      'P1DT12H',
      'PT0.5S',
      'P2W',
      'PT90M',
      'P1W2DT3H4M5.5S',
      'P',
      'PT',
      'P1DT',
      'P1Y',
      'P1M',
      '',
      'pt8h',
      'PT8H ',
      `PT${'9'.repeat(400)}H`,
      `P${'1'.repeat(40)}D`,
      'PT0.0001S',
      'PT1.23456789S',
    ];
    for (let round = 0; round < 3; round++) {
      for (const text of texts) {
        const expected = referenceParseDuration(text);
        if (expected === 'refused') {
          expect(() => parseDuration(text)).toThrow(`"${text}" is not an ISO-8601 duration`);
          expect(isDuration(text)).toBe(false);
        } else {
          expect(parseDuration(text)).toBe(expected);
          expect(isDuration(text)).toBe(true);
        }
      }
    }
    expect(isDuration(undefined)).toBe(false);
    expect(isDuration(8)).toBe(false);
  });
});
