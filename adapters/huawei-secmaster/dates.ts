// SecMaster's date codec: `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z`, a literal Z followed by the real offset.
// Why: `2025-08-19T14:53:42.424Z+0800` is 14:53:42.424 local time at +08:00, i.e. 06:53:42.424 UTC;
// Date.parse either rejects it or reads the Z and ignores the offset, so we parse it ourselves.

// Also read: the offset without the literal Z (`...424+0800`, `...424+08:00`), plain `...Z`, and fractions of
// 1 to 9 digits (truncated to milliseconds), since the same services print dates through more than one formatter.
const SECMASTER_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z([+-])(\d{2}):?(\d{2})|([+-])(\d{2}):?(\d{2})|Z)$/;

/** SecMaster date to RFC 3339 UTC; plain ISO 8601 is accepted too; anything else gives undefined. */
export function parseSecMasterDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const m = SECMASTER_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '0', zSign, zHours, zMinutes, bareSign, bareHours, bareMinutes] = m;
  const sign = zSign ?? bareSign ?? '+';
  const oh = zHours ?? bareHours ?? '00';
  const om = zMinutes ?? bareMinutes ?? '00';
  const year = +y;
  const month = +mo;
  const day = +d;
  // Field by field instead of letting Date.UTC roll 2025-13-45 over into a later date (and cheaper than
  // building a Date to read the fields back).
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth || +h > 23 || +mi > 59 || +s > 59 || +oh > 14 || +om > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, +h, +mi, +s, +fraction.slice(0, 3).padEnd(3, '0'));
  const offset = (sign === '-' ? -1 : 1) * (+oh * 60 + +om) * 60_000;
  const utc = new Date(local - offset);
  return Number.isNaN(utc.getTime()) ? undefined : utc.toISOString();
}

/** A time in SecMaster's format at a fixed offset (minutes east of UTC), e.g. +0800 for China Standard Time. */
export function formatSecMasterDate(date: Date, offsetMinutes = 480): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}Z${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** Comment times are epoch milliseconds (a Long), unlike every other SecMaster date. */
export function epochMsToIso(value: unknown): string | undefined {
  const ms = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
