// Oracle's zone-less dates read in an IANA zone: exact offsets, DST gaps and overlaps, bad input.
import { formatOracleDate, isValidTimeZone, parseOracleDate, wallTimeToUtc, zoneOffsetMs } from '../../../adapters/oracle-bpm/dates';

test.each([
  ['2024-11-14 12:10:27', 'UTC', '2024-11-14T12:10:27.000Z'],
  ['2024-11-14 12:10:27', 'Europe/Berlin', '2024-11-14T11:10:27.000Z'],
  ['2024-07-14 12:10:27', 'Europe/Berlin', '2024-07-14T10:10:27.000Z'],
  ['2024-06-01 00:00:00', 'Asia/Kolkata', '2024-05-31T18:30:00.000Z'],
  ['2024-06-01 00:00:00', 'Asia/Kathmandu', '2024-05-31T18:15:00.000Z'],
  ['2024-01-01 00:00:00', 'America/St_Johns', '2024-01-01T03:30:00.000Z'],
  ['2024-11-14T12:10:27', 'Europe/Berlin', '2024-11-14T11:10:27.000Z'],
  ['2024-11-14 12:10:27.5', 'UTC', '2024-11-14T12:10:27.500Z'],
  ['2024-11-14 12:10', 'UTC', '2024-11-14T12:10:00.000Z'],
])('%s in %s is %s', (value, zone, expected) => {
  expect(parseOracleDate(value, zone)).toBe(expected);
});

describe('DST boundaries (java.time semantics)', () => {
  test('Europe/Berlin spring forward: 02:30 does not exist and shifts one hour later', () => {
    expect(parseOracleDate('2024-03-31 01:59:59', 'Europe/Berlin')).toBe('2024-03-31T00:59:59.000Z');
    expect(parseOracleDate('2024-03-31 02:30:00', 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z');
    expect(parseOracleDate('2024-03-31 03:00:00', 'Europe/Berlin')).toBe('2024-03-31T01:00:00.000Z');
  });

  test('Europe/Berlin fall back: 02:30 happens twice and the earlier instant is taken', () => {
    expect(parseOracleDate('2024-10-27 01:59:59', 'Europe/Berlin')).toBe('2024-10-26T23:59:59.000Z');
    expect(parseOracleDate('2024-10-27 02:30:00', 'Europe/Berlin')).toBe('2024-10-27T00:30:00.000Z');
    expect(parseOracleDate('2024-10-27 03:00:00', 'Europe/Berlin')).toBe('2024-10-27T02:00:00.000Z');
  });

  test('America/New_York both ways', () => {
    expect(parseOracleDate('2024-03-10 02:30:00', 'America/New_York')).toBe('2024-03-10T07:30:00.000Z');
    expect(parseOracleDate('2024-11-03 01:30:00', 'America/New_York')).toBe('2024-11-03T05:30:00.000Z');
    expect(parseOracleDate('2024-11-03 02:30:00', 'America/New_York')).toBe('2024-11-03T07:30:00.000Z');
  });

  test('Australia/Sydney (southern hemisphere) fall back in April', () => {
    expect(parseOracleDate('2024-04-07 02:30:00', 'Australia/Sydney')).toBe('2024-04-06T15:30:00.000Z');
    expect(parseOracleDate('2024-04-07 03:30:00', 'Australia/Sydney')).toBe('2024-04-06T17:30:00.000Z');
  });

  test('format then parse round-trips every instant around a transition except the repeated hour', () => {
    const zone = 'Europe/Berlin';
    for (let ms = Date.parse('2024-10-26T22:00:00Z'); ms <= Date.parse('2024-10-27T03:00:00Z'); ms += 15 * 60_000) {
      const text = formatOracleDate(new Date(ms), zone);
      const back = Date.parse(parseOracleDate(text, zone)!);
      // During the repeated hour (00:00Z-01:00Z wall 02:xx CEST, 01:00Z-02:00Z wall 02:xx CET) the earlier one wins.
      if (ms >= Date.parse('2024-10-27T01:00:00Z') && ms < Date.parse('2024-10-27T02:00:00Z')) expect(back).toBe(ms - 3_600_000);
      else expect(back).toBe(ms);
    }
  });

  test('offsets and wall times directly', () => {
    expect(zoneOffsetMs(Date.parse('2024-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2024-01-01T00:00:00Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(wallTimeToUtc(Date.UTC(2024, 0, 1), 'UTC')).toBe(Date.UTC(2024, 0, 1));
  });
});

test('values with their own offset are read as given, whatever the zone', () => {
  expect(parseOracleDate('2024-11-14T12:10:27Z', 'Asia/Tokyo')).toBe('2024-11-14T12:10:27.000Z');
  expect(parseOracleDate('2024-11-14T12:10:27+05:30', 'UTC')).toBe('2024-11-14T06:40:27.000Z');
  expect(parseOracleDate('2024-11-14T12:10:27.123-0800', 'UTC')).toBe('2024-11-14T20:10:27.123Z');
});

test.each([[''], ['yesterday'], ['2024-02-30 10:00:00'], ['2024-13-01 10:00:00'], ['2024-01-01 24:00:00'], ['2024-01-01 10:61:00'], [42], [null], [undefined]])(
  'unreadable %p gives undefined',
  (value) => {
    expect(parseOracleDate(value, 'UTC')).toBeUndefined();
  },
);

test('time zone validation', () => {
  expect(isValidTimeZone('UTC')).toBe(true);
  expect(isValidTimeZone('Europe/Berlin')).toBe(true);
  expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
  expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  expect(isValidTimeZone('')).toBe(false);
  expect(isValidTimeZone(3)).toBe(false);
});

test('formatOracleDate writes the wall time in the zone', () => {
  expect(formatOracleDate(new Date('2024-11-14T11:10:27.900Z'), 'Europe/Berlin')).toBe('2024-11-14 12:10:27');
  expect(formatOracleDate(new Date('2024-11-14T11:10:27Z'), 'UTC')).toBe('2024-11-14 11:10:27');
});
