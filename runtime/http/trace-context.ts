/** W3C Trace Context: `00-<trace id>-<parent id>-<flags>`. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace id of a `traceparent` header, or undefined when it does not parse (or is all zeros). */
export function traceIdOf(header: string | undefined): string | undefined {
  const m = header ? TRACEPARENT.exec(header.trim()) : null;
  return m && !/^0+$/.test(m[1]!) ? m[1] : undefined;
}
