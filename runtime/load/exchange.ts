import type { Dispatcher } from 'undici';

/**
 * One HTTP exchange on undici's low-level `dispatch`, without the streams `request()` builds per
 * call. On a small machine `request()` costs more CPU than the server being measured; the load
 * driver and the fault proxy both sit on hot paths, so they use this.
 */

export interface ExchangeRequest {
  /** `http://127.0.0.1:8080` */
  origin: string;
  method: string;
  /** Path plus query. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface ExchangeResponse {
  status: number;
  /** Lower-case names, as undici parses them. */
  headers: Record<string, string | string[]>;
  /** The body, when collected (an empty buffer otherwise). */
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** Sends a request and resolves with the whole answer (or rejects with undici's error). */
export function exchange(dispatcher: Dispatcher, req: ExchangeRequest, options: { collectBody?: boolean } = {}): Promise<ExchangeResponse> {
  const collect = options.collectBody ?? true;
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: Record<string, string | string[]> = {};
    const chunks: Buffer[] = [];
    dispatcher.dispatch(
      { origin: req.origin, path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers ?? {}, body: req.body ?? null },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode, responseHeaders) {
          if (statusCode < 200) return; // 1xx informational: the real answer follows
          status = statusCode;
          headers = responseHeaders as Record<string, string | string[]>;
        },
        onResponseData(_controller, chunk) {
          if (collect) chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ status, headers, body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
        },
        onResponseError(_controller, error) {
          reject(error);
        },
      },
    );
  });
}
