// IBM HTM date codec: ISO 8601 date-times and durations (`deadline=2008-10-10T12:00:00`, `duration=P14D`).
// Outgoing date-times need no codec: a client's RFC 3339 value is ISO 8601 already and is sent unchanged.

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An HTM date-time to RFC 3339 UTC. Offsets are applied exactly; a value without a zone (the docs' own
 * example has none) is read as UTC, the zone the gateway itself sends. Anything else gives undefined.
 */
export function parseIbmDateTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) return undefined;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2') : `${value}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Seconds as an ISO 8601 duration, largest units first with zero parts left out: 90 -> PT1M30S,
 * 86400 -> P1D, 93784 -> P1DT2H3M4S. Days are the largest unit (months and years have no fixed length).
 */
export function toIsoDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(rest / 86_400);
  rest %= 86_400;
  const hours = Math.floor(rest / 3600);
  rest %= 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest % 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  if (!days && !time) return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** An ISO 8601 duration of days, hours, minutes and seconds (what HTM documents) to seconds; undefined if not one. */
export function parseIsoDuration(value: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!m || value === 'P' || value.endsWith('T')) return undefined;
  const [, d = '0', h = '0', mi = '0', s = '0'] = m;
  return +d * 86_400 + +h * 3600 + +mi * 60 + +s;
}
