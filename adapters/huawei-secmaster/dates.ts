// SecMaster's date codec: `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'Z`, a literal Z followed by the real offset.
// Why: `2025-08-19T14:53:42.424Z+0800` is 14:53:42.424 local time at +08:00, i.e. 06:53:42.424 UTC;
// Date.parse either rejects it or reads the Z and ignores the offset, so we parse it ourselves.

const SECMASTER_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z([+-])(\d{2}):?(\d{2})$/;

/** SecMaster date to RFC 3339 UTC; plain ISO 8601 is accepted too; anything else gives undefined. */
export function parseSecMasterDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const m = SECMASTER_DATE.exec(value);
  if (m) {
    const [, y, mo, d, h, mi, s, ms = '0', sign, oh, om] = m;
    const local = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms.padEnd(3, '0'));
    // Date.UTC rolls 2025-13-45 over into a later date; a real date reads back the same fields.
    const check = new Date(local);
    if (check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || check.getUTCHours() !== +h || check.getUTCMinutes() !== +mi || +s > 59 || +oh > 14 || +om > 59) {
      return undefined;
    }
    const offset = (sign === '-' ? -1 : 1) * (+oh * 60 + +om) * 60_000;
    const utc = new Date(local - offset);
    return Number.isNaN(utc.getTime()) ? undefined : utc.toISOString();
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed.toISOString();
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
