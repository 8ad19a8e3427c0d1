import type { FastifyInstance, FastifyReply } from 'fastify';
import { problem } from '../../../../runtime/http/problem.ts';
import type { HttpResponse } from '../../../../runtime/ports.ts';
import type { FaultSet } from '../../fault-set.ts';
import { checkFaultEntry } from '../../plan.ts';

export interface AdminOptions {
  /** Where the admin API lives (`/_faultline/faults`). */
  prefix: string;
  /** The proxied service's contract, if the proxy was told. */
  contract: string | undefined;
}

/**
 * The proxy's admin API, the way Toxiproxy is driven but in HTTP terms:
 *
 *   GET    /_faultline/faults        → 200 { faults: [{ id, kind, target, from, to, probability, active, matched, fired, spec }] }
 *   POST   /_faultline/faults        → 201 the added fault; 400 not JSON; 422 invalid (errors[].pointer names the field); 409 id taken
 *   DELETE /_faultline/faults/{id}   → 204; 404 no such fault
 *   DELETE /_faultline/faults        → 204, every fault removed
 *
 * Windows of added faults count from proxy start, like the plan's.
 */
export function registerAdmin(app: FastifyInstance, faults: FaultSet, options: AdminOptions): void {
  const { prefix } = options;
  let added = faults.size;

  const reply = (r: FastifyReply, res: HttpResponse): FastifyReply => r.code(res.status).headers(res.headers).send(Buffer.from(res.body));
  const list = (): HttpResponse => json(200, { faults: faults.list() });

  app.get(prefix, async (_req, r) => reply(r, list()));

  app.post(prefix, async (req, r) => {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    let entry: unknown;
    try {
      entry = JSON.parse(raw);
    } catch (error) {
      return reply(
        r,
        problem(400, 'Malformed JSON', `the body must be one fault as JSON: ${(error as Error).message}`, {
          type: 'malformed-json',
          errors: [{ pointer: '', message: 'is not valid JSON' }],
        }),
      );
    }
    const { fault, problems } = checkFaultEntry(entry, '', added, { mode: 'http', contract: options.contract });
    if (!fault || problems.length > 0) {
      const errors = problems.map((p) => ({ pointer: p.pointer, message: p.message }));
      return reply(r, problem(422, 'Invalid fault', problems[0]?.message ?? 'the fault is invalid', { type: 'invalid-fault', errors }));
    }
    if (faults.ids().has(fault.id)) {
      return reply(r, problem(409, 'Fault id taken', `a fault with id "${fault.id}" exists; remove it first or choose another id`, { type: 'conflict', errors: [{ pointer: '/id', message: 'is already in use' }] }));
    }
    faults.add(fault);
    added++;
    const status = faults.list().find((f) => f.id === fault.id);
    return reply(r, json(201, status, { location: `${prefix}/${encodeURIComponent(fault.id)}` }));
  });

  app.delete(prefix, async (_req, r) => {
    faults.clear();
    return r.code(204).send();
  });

  app.delete<{ Params: { id: string } }>(`${prefix}/:id`, async (req, r) => {
    if (faults.remove(req.params.id)) return r.code(204).send();
    return reply(r, problem(404, 'No such fault', `no fault has id "${req.params.id}"`, { type: 'not-found' }));
  });

  const notAllowed = async (req: { method: string; url: string }, r: FastifyReply): Promise<FastifyReply> =>
    reply(r, problem(405, 'Method not allowed', `${req.method} is not allowed on ${req.url.split('?')[0]}`));
  for (const method of ['PUT', 'PATCH'] as const) app.route({ method, url: prefix, handler: notAllowed });
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH'], url: `${prefix}/:id`, handler: notAllowed });
  // The prefix is reserved: nothing under it is ever forwarded to the proxied service.
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
    url: `${prefix}/*`,
    handler: async (req, r) => reply(r, problem(404, 'Not found', `${req.url.split('?')[0]} is not part of the faultline admin API (${prefix}, ${prefix}/{id})`, { type: 'not-found' })),
  });
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}
