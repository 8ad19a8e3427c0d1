import type { HttpResponse } from '../ports.ts';

export interface FieldProblem {
  /** JSON pointer into the request (`/lines/0/quantity/value`, `/header/idempotency-key`). */
  pointer: string;
  message: string;
}

export interface ProblemOptions {
  type?: string;
  errors?: FieldProblem[];
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

const TYPE_BASE = 'https://faultline.dev/problems/';

/** An RFC 9457 problem+json response. */
export function problem(status: number, title: string, detail: string, options: ProblemOptions = {}): HttpResponse {
  const body: Record<string, unknown> = {
    type: options.type ? (options.type.includes(':') ? options.type : TYPE_BASE + options.type) : 'about:blank',
    title,
    status,
    detail,
    ...options.extra,
  };
  if (options.errors && options.errors.length > 0) body.errors = options.errors;
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...options.headers },
    body: JSON.stringify(body),
  };
}

/** A JSON response. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}
