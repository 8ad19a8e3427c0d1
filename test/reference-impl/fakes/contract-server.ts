// Contract handlers for the fakes, compiled once per contract and process (compiling a contract's
// validators costs tens of milliseconds; the tests build a world per case). Each request is
// dispatched to the fake instance that received it.
import type { HttpHandler, HttpRequest, HttpResponse } from '../../../runtime/ports.ts';
import { createContractHandler, type ContractHandlerOptions, type OperationHandler, type OperationHandlers } from '../../../runtime/http/contract-handler.ts';
import type { OpenApiDocument } from '../../../runtime/http/openapi-document.ts';
import { problem } from '../../../runtime/http/problem.ts';
import { loadOpenApi } from '../../../contracts/load.ts';

interface Instance {
  ops: Record<string, OperationHandler | undefined>;
  before?: ContractHandlerOptions['before'];
}

const shared = new Map<string, HttpHandler>();
const owners = new WeakMap<HttpRequest, Instance>();

export function contractServer<Ops>(contract: string, ops: OperationHandlers<Ops>, before?: ContractHandlerOptions['before']): HttpHandler {
  let handler = shared.get(contract);
  if (!handler) {
    const dispatch = new Proxy(
      {},
      {
        get: (_target, op: string) => (c: Parameters<OperationHandler>[0]): Promise<HttpResponse> => {
          const own = owners.get(c.request)!.ops[op];
          return own ? own(c) : Promise.resolve(problem(501, 'Not implemented', `${op} is not implemented by this fake`));
        },
      },
    );
    handler = createContractHandler(contract, loadOpenApi(contract) as unknown as OpenApiDocument, dispatch, { before: (entry, req) => owners.get(req)!.before?.(entry, req) });
    shared.set(contract, handler);
  }
  const instance: Instance = { ops: ops as Record<string, OperationHandler | undefined>, ...(before ? { before } : {}) };
  const h = handler;
  return (req) => {
    owners.set(req, instance);
    return h(req);
  };
}
