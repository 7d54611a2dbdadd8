// Oracle BPM's date codec: `YYYY-MM-DD HH:mm:ss` wall times with no zone, read in the backend's IANA zone.
// Why: Fusion answers `"2024-11-14 12:10:27"` (space, no `T`, no offset; vendor-notes 3c); the zone is the
// server's, so it is configured per backend (`timeZone`, default UTC) and converted exactly, DST included,
// with Intl.DateTimeFormat only (no time-zone dependency).

const ORACLE_DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when `zone` is an IANA time zone this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isValidTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in a zone, as if they were UTC (ms). */
function wallTimeOf(utcMs: number, zone: string): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = new Date(0);
  wall.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  wall.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
  return wall.getTime();
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function zoneOffsetMs(utcMs: number, zone: string): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  return wallTimeOf(whole, zone) - whole;
}

/**
 * A wall time in a zone to the instant (ms since epoch). Ambiguous times (the repeated hour when clocks go
 * back) take the earlier instant; times in a gap (clocks go forward) are read with the offset before the
 * gap, so `02:30` on a spring-forward night lands one hour later: both as java.time's ZonedDateTime.of does.
 */
export function wallTimeToUtc(wallMs: number, zone: string): number {
  const before = zoneOffsetMs(wallMs - DAY_MS, zone);
  const after = zoneOffsetMs(wallMs + DAY_MS, zone);
  const valid = [...new Set([before, after])]
    .map((offset) => wallMs - offset)
    .filter((instant) => zoneOffsetMs(instant, zone) === wallMs - instant);
  return valid.length > 0 ? Math.min(...valid) : wallMs - before;
}

/** An Oracle date to RFC 3339 UTC: zone-less values in `zone`, ISO values with an offset as given; else undefined. */
export function parseOracleDate(value: unknown, zone: string): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  const m = ORACLE_DATE.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s = '0', frac = '0'] = m;
    const wall = new Date(0);
    wall.setUTCFullYear(+y, +mo - 1, +d);
    wall.setUTCHours(+h, +mi, +s, +frac.slice(0, 3).padEnd(3, '0'));
    // Reject impossible calendar dates (2024-02-31) rather than let Date roll them over.
    if (wall.getUTCMonth() !== +mo - 1 || wall.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) return undefined;
    const utc = new Date(wallTimeToUtc(wall.getTime(), zone));
    return Number.isNaN(utc.getTime()) ? undefined : utc.toISOString();
  }
  if (!ISO_WITH_ZONE.test(text)) return undefined;
  const parsed = new Date(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(parsed.getTime()) ? undefined : parsed.toISOString();
}

/** An instant as Oracle writes it: `YYYY-MM-DD HH:mm:ss`, the wall time in `zone` (used by the emulator). */
export function formatOracleDate(date: Date, zone: string): string {
  const wall = new Date(wallTimeOf(date.getTime(), zone));
  return wall.toISOString().slice(0, 19).replace('T', ' ');
}
