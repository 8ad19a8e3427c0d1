// What `faultline contracts diff` reports: one Change per difference, each with a stable kind id.
//
// Direction decides what breaks whom. "request" is data the API's client writes and the provider
// reads (request bodies and parameters, and the answer a webhook receiver sends back); "response"
// is data the provider writes and the client reads (response bodies and headers, webhook payloads
// and their headers). A provider that accepts less breaks clients (narrowed request enum, new
// required request field); a provider that promises less breaks clients (removed response field).
// An event schema is read by consumers and written by producers alike, so any narrowing or
// loosening of it breaks one side.

export type Severity = 'breaking' | 'warning' | 'info';

export const KINDS = {
  // -- breaking -----------------------------------------------------------------------------------
  'path-removed': { severity: 'breaking', summary: 'a path and every operation on it were removed' },
  'operation-removed': { severity: 'breaking', summary: 'an operation (method on a path) was removed' },
  'webhook-removed': { severity: 'breaking', summary: 'a webhook the provider sent is no longer sent' },
  'status-removed': { severity: 'breaking', summary: 'a declared response status was removed' },
  'parameter-required': { severity: 'breaking', summary: 'a request parameter was added as required, or became required' },
  'request-body-required': { severity: 'breaking', summary: 'the request body was added as required, or became required' },
  'request-field-required': { severity: 'breaking', summary: 'a request body field was added as required, or became required' },
  'request-field-removed': { severity: 'breaking', summary: 'a request field was removed from a schema that rejects undeclared fields' },
  'request-enum-narrowed': { severity: 'breaking', summary: 'a value a client may send is no longer accepted' },
  'request-media-type-removed': { severity: 'breaking', summary: 'a request content type is no longer accepted' },
  'response-field-removed': { severity: 'breaking', summary: 'a response field is no longer declared' },
  'response-field-optional': { severity: 'breaking', summary: 'a response field that was always present may now be missing' },
  'response-header-removed': { severity: 'breaking', summary: 'a response (or webhook) header is no longer declared' },
  'response-media-type-removed': { severity: 'breaking', summary: 'a response content type is no longer produced' },
  'type-changed': { severity: 'breaking', summary: 'a type changed so that values valid before are not (request) or new values appear (response)' },
  'event-field-removed': { severity: 'breaking', summary: 'an event field is no longer declared (consumers lose it)' },
  'event-field-required': { severity: 'breaking', summary: 'an event field was added as required or became required (producers must send it)' },
  'event-field-optional': { severity: 'breaking', summary: 'an event field that was always present may now be missing' },
  'event-type-changed': { severity: 'breaking', summary: 'the type of an event field changed' },
  'event-enum-narrowed': { severity: 'breaking', summary: 'a value producers may emit (and stored events hold) is no longer valid' },
  // -- warning: breaks clients that reject values they do not know ---------------------------------
  'response-enum-widened': { severity: 'warning', summary: 'a response may carry an enum value strict clients do not know' },
  'event-enum-widened': { severity: 'warning', summary: 'an event may carry an enum value strict consumers do not know' },
  // -- info: compatible changes -------------------------------------------------------------------
  'operation-added': { severity: 'info', summary: 'an operation was added' },
  'webhook-added': { severity: 'info', summary: 'a webhook was added' },
  'status-added': { severity: 'info', summary: 'a response status was added' },
  'parameter-added': { severity: 'info', summary: 'an optional request parameter was added' },
  'parameter-removed': { severity: 'info', summary: 'a request parameter is no longer declared' },
  'parameter-optional': { severity: 'info', summary: 'a required request parameter became optional' },
  'request-body-optional': { severity: 'info', summary: 'a required request body became optional' },
  'request-body-removed': { severity: 'info', summary: 'the operation no longer takes a request body' },
  'request-field-added': { severity: 'info', summary: 'an optional request field was added' },
  'request-field-optional': { severity: 'info', summary: 'a required request field became optional' },
  'request-field-undeclared': { severity: 'info', summary: 'a request field is no longer declared (the schema still accepts undeclared fields)' },
  'request-enum-widened': { severity: 'info', summary: 'a request enum accepts more values' },
  'request-media-type-added': { severity: 'info', summary: 'a request content type was added' },
  'response-enum-narrowed': { severity: 'info', summary: 'a response enum carries fewer values' },
  'response-field-added': { severity: 'info', summary: 'a response field was added' },
  'response-field-required': { severity: 'info', summary: 'an optional response field is now always present' },
  'response-header-added': { severity: 'info', summary: 'a response header was added' },
  'response-media-type-added': { severity: 'info', summary: 'a response content type was added' },
  'type-widened': { severity: 'info', summary: 'a type changed compatibly (request accepts more, or response sends less)' },
  'event-field-added': { severity: 'info', summary: 'an optional event field was added' },
  'variants-changed': { severity: 'info', summary: 'the number of oneOf/anyOf variants changed (not classified further)' },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type ChangeKind = keyof typeof KINDS;

export interface Change {
  kind: ChangeKind;
  severity: Severity;
  /** `POST /sales-orders (bookSalesOrder)`, `webhook shipmentConfirmed (POST)`; absent for event schemas. */
  operation?: string;
  /** Which part of the exchange: `request body`, `response 201 body`, `query parameter limit`, `event`. */
  part?: string;
  /** The field inside that part, as a pointer with `*` for any array item or map value: `/lines/*\/qty`. */
  field?: string;
  /**
   * Where to look in the contract: `file#/json/pointer`, in the new document (the old one for
   * something removed), after following `$ref`s; `line` is that node's line when known.
   */
  location: { file: string; pointer: string; line?: number };
  /** One line a person can act on. */
  message: string;
}

export function change(kind: ChangeKind, rest: Omit<Change, 'kind' | 'severity'>): Change {
  return { kind, severity: KINDS[kind].severity, ...rest };
}

const RANK: Record<Severity, number> = { breaking: 0, warning: 1, info: 2 };

/** Breaking first, then warnings, then notes; stable within a severity. Exact duplicates dropped. */
export function orderChanges(changes: readonly Change[]): Change[] {
  const seen = new Set<string>();
  const unique = changes.filter((c) => {
    const key = `${c.kind}|${c.operation ?? ''}|${c.part ?? ''}|${c.field ?? ''}|${c.location.file}#${c.location.pointer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.map((c, i) => [c, i] as const).sort((a, b) => RANK[a[0].severity] - RANK[b[0].severity] || a[1] - b[1]).map(([c]) => c);
}
