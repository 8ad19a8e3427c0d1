import { createQuerySerializer, defaultPathSerializer, type ParamsOption, type RequestBodyOption } from 'openapi-fetch';
import type { ErrorResponse, HttpMethod, MediaType, PathsWithMethod, ResponseObjectMap, SuccessResponse } from 'openapi-typescript-helpers';
import type { HttpResponse, Transport } from '../ports.ts';

/**
 * A typed HTTP client per downstream system, generated-type-driven like openapi-fetch (same call
 * shape, same parameter and body types, openapi-fetch's own path and query serializers) but
 * dispatching over the Transport port with plain objects. openapi-fetch builds a WHATWG
 * Request and Response per call: 44 µs a call against 1.6 µs for the in-process call itself
 * (.tmp bench, 50k calls), which the simulation's order-to-cash flow cannot afford.
 */

type Init<Op> = ParamsOption<Op> &
  RequestBodyOption<Op> & {
    /** Extra request headers (traceparent, Idempotency-Key…). */
    headers?: Record<string, string>;
    signal?: AbortSignal;
  };

type InitArg<Op> = Op extends { parameters: infer P }
  ? P extends { path?: never; query?: never; header?: never } // nothing required
    ? [init?: Init<Op>]
    : [init: Init<Op>]
  : [init?: Init<Op>];

export type TypedResponse<Op extends Record<string | number, unknown>> =
  | { data: SuccessResponse<ResponseObjectMap<Op>, MediaType>; error?: never; response: HttpResponse }
  | { data?: never; error: ErrorResponse<ResponseObjectMap<Op>, MediaType>; response: HttpResponse };

type Method<Paths extends object, M extends HttpMethod> = <P extends PathsWithMethod<Paths, M>>(
  path: P,
  ...init: InitArg<Paths[P] extends Record<M, infer Op> ? Op : never>
) => Promise<TypedResponse<Paths[P] extends Record<M, infer Op extends Record<string | number, unknown>> ? Op : never>>;

export interface TypedClient<Paths extends object> {
  GET: Method<Paths, 'get'>;
  POST: Method<Paths, 'post'>;
  PUT: Method<Paths, 'put'>;
  PATCH: Method<Paths, 'patch'>;
  DELETE: Method<Paths, 'delete'>;
}

/** The answer's body was not what its content type promised (truncated JSON, wrong type…). */
export class MalformedResponseError extends Error {
  constructor(
    readonly target: string,
    readonly response: HttpResponse,
    detail: string,
  ) {
    super(`${target} answered ${response.status} with a body that is not valid JSON: ${detail}`);
    this.name = 'MalformedResponseError';
  }
}

export interface TypedClientOptions {
  /** Headers sent on every call (per-call headers win). */
  headers?: Record<string, string>;
}

const serializeQuery = createQuerySerializer();

export function createTypedClient<Paths extends object>(transport: Transport, target: string, options: TypedClientOptions = {}): TypedClient<Paths> {
  const call =
    (method: string) =>
    async (path: string, init: { params?: { path?: Record<string, unknown>; query?: Record<string, unknown>; header?: Record<string, unknown> }; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}) => {
      let url = init.params?.path ? defaultPathSerializer(path, init.params.path) : path;
      if (init.params?.query) {
        const query = serializeQuery(init.params.query);
        if (query) url += `?${query}`;
      }
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (init.params?.header) {
        for (const [k, v] of Object.entries(init.params.header)) if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v);
      }
      if (init.headers) for (const [k, v] of Object.entries(init.headers)) headers[k.toLowerCase()] = v;
      const request = { method, path: url, headers, body: undefined as string | undefined };
      if (init.body !== undefined) {
        request.body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await transport.send(target, request, init.signal ? { signal: init.signal } : {});
      let parsed: unknown = undefined;
      if (response.body !== '' && /json/i.test(response.headers['content-type'] ?? '')) {
        try {
          parsed = JSON.parse(response.body);
        } catch (error) {
          throw new MalformedResponseError(target, response, (error as Error).message);
        }
      } else if (response.body !== '') {
        parsed = response.body;
      }
      return response.status >= 200 && response.status < 300 ? { data: parsed, response } : { error: parsed ?? {}, response };
    };
  return {
    GET: call('GET'),
    POST: call('POST'),
    PUT: call('PUT'),
    PATCH: call('PATCH'),
    DELETE: call('DELETE'),
  } as unknown as TypedClient<Paths>;
}
