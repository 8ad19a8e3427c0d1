/** RFC 3339 timestamp (UTC, milliseconds) of a virtual instant. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The calendar date (UTC) of an instant, `YYYY-MM-DD`. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
