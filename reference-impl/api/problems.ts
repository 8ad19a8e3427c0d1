import type { HttpResponse } from '../../runtime/ports.ts';
import { problem as runtimeProblem, type FieldProblem } from '../../runtime/http/problem.ts';

export interface ProblemContext {
  /** The request path. */
  instance?: string;
  traceId?: string;
  errors?: FieldProblem[];
  headers?: Record<string, string>;
}

/** A commerce problem+json: `type` under https://faultline.dev/problems/, with instance and trace id. */
export function problem(status: number, type: string, title: string, detail: string, c: ProblemContext = {}): HttpResponse {
  const extra: Record<string, unknown> = {};
  if (c.instance) extra.instance = c.instance;
  if (c.traceId) extra.traceId = c.traceId;
  return runtimeProblem(status, title, detail, { type, extra, ...(c.errors ? { errors: c.errors } : {}), ...(c.headers ? { headers: c.headers } : {}) });
}
