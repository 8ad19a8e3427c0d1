/** The parts of an OpenAPI 3.1 document the runtime reads (routing, validation). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components?: Record<string, Record<string, unknown>>;
  webhooks?: Record<string, PathItem>;
  [extension: string]: unknown;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
  $ref?: string;
}

export interface OperationObject {
  operationId?: string;
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }>; $ref?: string };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown>; $ref?: string }>;
  security?: Array<Record<string, string[]>>;
  [extension: string]: unknown;
}

export type PathItem = { parameters?: ParameterObject[] } & Partial<Record<HttpMethodName, OperationObject>>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethodName = (typeof HTTP_METHODS)[number];

/** One operation, located in its document. */
export interface OperationEntry {
  operationId: string;
  method: string;
  pathTemplate: string;
  /** JSON pointer of the operation in the document (for $ref-based schema compilation). */
  pointer: string;
  operation: OperationObject;
  parameters: ParameterObject[];
  match: (path: string) => Record<string, string> | undefined;
}

/** Escapes a JSON pointer token. */
export const pointerToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

function resolveRef<T>(doc: OpenApiDocument, value: T & { $ref?: string }): T {
  let current: unknown = value;
  for (let depth = 0; depth < 10 && current && typeof current === 'object' && '$ref' in current; depth++) {
    const ref = (current as { $ref: string }).$ref;
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, token) => (node as Record<string, unknown> | undefined)?.[token], doc);
  }
  return current as T;
}

export function dereference<T>(doc: OpenApiDocument, value: T & { $ref?: string }): T {
  return resolveRef(doc, value);
}

function compileTemplate(template: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`)).replace(/\{([^}]+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${pattern}$`);
  return (path) => {
    const m = regex.exec(path);
    if (!m) return undefined;
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1]!);
    });
    return params;
  };
}

/** Every operation of a document, with its merged parameters and a path matcher. */
export function listOperations(doc: OpenApiDocument): OperationEntry[] {
  const entries: OperationEntry[] = [];
  for (const [template, rawItem] of Object.entries(doc.paths ?? {})) {
    const item = resolveRef(doc, rawItem as PathItem & { $ref?: string });
    const shared = (item.parameters ?? []).map((p) => resolveRef(doc, p));
    const match = compileTemplate(template);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const own = (operation.parameters ?? []).map((p) => resolveRef(doc, p));
      const parameters = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
      entries.push({
        operationId: operation.operationId ?? `${method} ${template}`,
        method: method.toUpperCase(),
        pathTemplate: template,
        pointer: `#/paths/${pointerToken(template)}/${method}`,
        operation,
        parameters,
        match,
      });
    }
  }
  // Literal segments before templated ones, so /sales-orders/search wins over /sales-orders/{id}.
  return entries.sort((a, b) => specificity(b.pathTemplate) - specificity(a.pathTemplate));
}

function specificity(template: string): number {
  return template.split('/').reduce((n, seg) => n + (seg.startsWith('{') ? 1 : 3), 0);
}

/** Finds the operation a request addresses; otherwise `allowed` lists the methods the path takes (none: no such path). */
export function findOperation(
  operations: OperationEntry[],
  method: string,
  path: string,
): { entry: OperationEntry; params: Record<string, string> } | { allowed: string[] } {
  const allowed: string[] = [];
  let get: { entry: OperationEntry; params: Record<string, string> } | undefined;
  for (const entry of operations) {
    const params = entry.match(path);
    if (!params) continue;
    if (entry.method === method) return { entry, params };
    if (entry.method === 'GET') get ??= { entry, params };
    if (!allowed.includes(entry.method)) allowed.push(entry.method);
  }
  // HEAD is GET without the body wherever GET is served (RFC 9110 §9.3.2); HTTP drops the body.
  if (method === 'HEAD' && get) return get;
  if (get && !allowed.includes('HEAD')) allowed.push('HEAD');
  return { allowed };
}
