// SecMaster's `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z` dates: exact conversion both ways.
import fc from 'fast-check';
import { epochMsToIso, formatSecMasterDate, parseSecMasterDate } from '../../../adapters/huawei-secmaster/dates';

test.each([
  ['2025-08-19T14:53:42.424Z+0800', '2025-08-19T06:53:42.424Z'],
  ['2025-08-19T02:00:00.000Z+0800', '2025-08-18T18:00:00.000Z'],
  ['2025-03-01T01:00:00.5Z+0530', '2025-02-28T19:30:00.500Z'],
  ['2025-12-31T20:00:00.000Z-0500', '2026-01-01T01:00:00.000Z'],
  ['2025-08-19T14:53:42Z+08:00', '2025-08-19T06:53:42.000Z'],
  ['2025-08-19T06:53:42.424Z', '2025-08-19T06:53:42.424Z'],
  ['2025-08-19T14:53:42.424+08:00', '2025-08-19T06:53:42.424Z'],
  // The offset without the literal Z, colon or not.
  ['2025-08-19T14:53:42.424+0800', '2025-08-19T06:53:42.424Z'],
  ['2025-08-19T14:53:42-0330', '2025-08-19T18:23:42.000Z'],
  // Fractions of 1 to 9 digits, truncated (never rounded) to milliseconds.
  ['2025-08-19T14:53:42.1Z+0800', '2025-08-19T06:53:42.100Z'],
  ['2025-08-19T14:53:42.123456Z+0800', '2025-08-19T06:53:42.123Z'],
  ['2025-08-19T14:53:42.999999999+0800', '2025-08-19T06:53:42.999Z'],
  ['2025-08-19T06:53:42.123456789Z', '2025-08-19T06:53:42.123Z'],
  // Leap days where the calendar has them.
  ['2024-02-29T12:00:00.000Z+0800', '2024-02-29T04:00:00.000Z'],
  ['2000-02-29T12:00:00.000Z+0800', '2000-02-29T04:00:00.000Z'],
])('%s is %s', (input, utc) => {
  expect(parseSecMasterDate(input)).toBe(utc);
});

test.each([
  '', 'yesterday', '2025-08-19', '2025-08-19 14:53:42', '2025-13-45T99:99:99.000Z+0800', 1755586422424, null,
  // Strict ranges survive the looser shapes: no day 30 in February, no hour 24, no offset beyond 14:59.
  '2025-02-30T10:00:00.000+0800', '2025-08-19T24:00:00.000+0800', '2025-08-19T10:00:60.000+0800',
  '2025-08-19T10:00:00.000+1500', '2025-08-19T10:00:00.000+0860', '2100-02-29T10:00:00.000+0800', '2025-04-31T10:00:00.000+0800',
  // A year Date.UTC would read as 19xx.
  '0025-08-19T10:00:00.000+0800',
  // Ten fraction digits, a missing offset, a half-written offset.
  '2025-08-19T14:53:42.1234567890Z', '2025-08-19T14:53:42.424', '2025-08-19T14:53:42.424+08',
])('%p is not a date', (input) => {
  expect(parseSecMasterDate(input)).toBeUndefined();
});

test('formatting round-trips and keeps the literal Z before the offset', () => {
  const date = new Date('2025-08-19T06:53:42.424Z');
  expect(formatSecMasterDate(date)).toBe('2025-08-19T14:53:42.424Z+0800');
  expect(formatSecMasterDate(date, -330)).toBe('2025-08-19T01:23:42.424Z-0530');
  expect(parseSecMasterDate(formatSecMasterDate(date, -330))).toBe(date.toISOString());
});

test('comment times are epoch milliseconds', () => {
  expect(epochMsToIso(1755586422424)).toBe('2025-08-19T06:53:42.424Z');
  expect(epochMsToIso('1755586422424')).toBe('2025-08-19T06:53:42.424Z');
  expect(epochMsToIso('soon')).toBeUndefined();
  expect(epochMsToIso(undefined)).toBeUndefined();
});

test('any field values: a date exactly when the calendar has it, read back through Date as the oracle', () => {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }),
    (y, mo, d, h, mi, sec) => {
      const local = Date.UTC(y, mo - 1, d, h, mi, sec);
      const back = new Date(local);
      const real = back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d
        && back.getUTCHours() === h && back.getUTCMinutes() === mi && sec <= 59;
      const text = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(sec)}.000Z+0000`;
      expect(parseSecMasterDate(text)).toBe(real ? back.toISOString() : undefined);
    },
  ), { numRuns: 5000 });
});
