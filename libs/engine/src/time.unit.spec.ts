import { EngineError, parseDuration, parseInstant, toIso } from '.';

describe('time', () => {
  it('parses ISO-8601 durations of weeks, days, hours, minutes and seconds', () => {
    expect(parseDuration('PT8H')).toBe(8 * 3_600_000);
    expect(parseDuration('P3D')).toBe(3 * 86_400_000);
    expect(parseDuration('P1DT12H30M')).toBe(86_400_000 + 12 * 3_600_000 + 30 * 60_000);
    expect(parseDuration('PT0.5S')).toBe(500);
    expect(parseDuration('P1W')).toBe(7 * 86_400_000);
  });

  it('refuses calendar units and malformed durations', () => {
    for (const bad of ['P1M', 'P1Y', 'P', 'PT', '8h', '', 'PT-1H', 'P1DT']) {
      expect(() => parseDuration(bad)).toThrow(EngineError);
    }
  });

  it('accepts only instants with a time and an offset', () => {
    expect(parseInstant('2020-10-01T08:00:00+08:00')).toBe(Date.parse('2020-10-01T00:00:00Z'));
    expect(parseInstant('2020-10-01T08:00Z')).toBe(Date.parse('2020-10-01T08:00:00Z'));
    for (const bad of ['2020-10-01', '2020-10-01T08:00:00', 'tomorrow', 1601510400000, null, '2020-13-01T00:00:00Z']) {
      expect(parseInstant(bad)).toBeUndefined();
    }
    expect(toIso(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});
