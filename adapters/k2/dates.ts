// K2 times: xsd:dateTime (K2 sends UTC with Z, e.g. 2011-07-07T06:09:06.063Z) to RFC 3339 UTC and back.

const XSD_DATETIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

/** An xsd:dateTime to RFC 3339 UTC (toISOString); anything else gives undefined. */
export function parseK2Date(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = XSD_DATETIME.exec(value.trim());
  if (!m) return undefined;
  const [, base, fraction = '0', zone] = m;
  // .NET writes up to 7 fraction digits; milliseconds are what a JS Date keeps.
  // A zoneless xsd:dateTime is "local" to the server; K2's services write Z, so zoneless is read as UTC.
  const ms = Date.parse(`${base}.${fraction.slice(0, 3).padEnd(3, '0')}${zone ?? 'Z'}`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** An RFC 3339 time as the xsd:dateTime K2 accepts for `s:<dateTime>`; undefined when it is not a time. */
export function toK2DateTime(rfc3339: string): string | undefined {
  const ms = Date.parse(rfc3339);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
