import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FieldProblem } from './problem.ts';
import { pointerToken, type OpenApiDocument, type OperationEntry, type ParameterObject } from './openapi-document.ts';

/** What checking one operation's request takes, worked out once per operation. */
export interface RequestPlan {
  path: ValidateFunction | undefined;
  query: ValidateFunction | undefined;
  header: ValidateFunction | undefined;
  /** Lower-case names of the header parameters the operation declares. */
  headerNames: readonly string[];
  /** Undefined when the operation takes no JSON body. */
  body: ValidateFunction | undefined;
  bodyRequired: boolean;
  /** The status a request the contract forbids gets: 400, or 422 when only that is declared. */
  invalidStatus: 400 | 422;
}

const shared = new WeakMap<object, Map<string, ContractValidator>>();

/**
 * Compiles (lazily, once) ajv validators for the request and response parts of a contract's
 * operations. The whole document is registered under one id so `#/components/...` refs resolve.
 */
export class ContractValidator {
  /**
   * The validator of `doc` under `name`, shared by every caller in the process: ajv compiles
   * each schema once, not once per world (documents from `loadOpenApi` are cached and must not
   * be mutated, so sharing is safe).
   */
  static for(name: string, doc: OpenApiDocument): ContractValidator {
    let byName = shared.get(doc);
    if (!byName) shared.set(doc, (byName = new Map()));
    let validator = byName.get(name);
    if (!validator) byName.set(name, (validator = new ContractValidator(name, doc)));
    return validator;
  }

  private readonly plans = new Map<string, RequestPlan>();

  private readonly ajv: Ajv2020;
  private readonly coercing: Ajv2020;
  private readonly id: string;
  private readonly cache = new Map<string, ValidateFunction | null>();

  constructor(
    readonly name: string,
    readonly doc: OpenApiDocument,
  ) {
    this.id = `https://faultline.dev/contracts/${name}.json`;
    this.ajv = makeAjv(false);
    this.coercing = makeAjv(true);
    this.ajv.addSchema(doc as object, this.id);
    this.coercing.addSchema(doc as object, this.id);
  }

  /** The validators of one operation's request (compiled on first use, then reused). */
  requestPlan(entry: OperationEntry): RequestPlan {
    let plan = this.plans.get(entry.pointer);
    if (!plan) {
      const responses = entry.operation.responses;
      plan = {
        path: this.parameters(entry, 'path'),
        query: this.parameters(entry, 'query'),
        header: this.parameters(entry, 'header'),
        headerNames: entry.parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()),
        body: entry.operation.requestBody ? this.requestBody(entry) : undefined,
        bodyRequired: entry.operation.requestBody?.required !== false,
        invalidStatus: responses?.['400'] || !responses?.['422'] ? 400 : 422,
      };
      this.plans.set(entry.pointer, plan);
    }
    return plan;
  }

  /** Validates a parsed JSON request body; undefined when the operation takes no JSON body. */
  requestBody(entry: OperationEntry): ValidateFunction | undefined {
    const base = this.follow(`${entry.pointer}/requestBody`);
    return this.compile(`${base}/content/application~1json/schema`) ?? undefined;
  }

  /** Validates the path, query and header parameters (strings coerced to their schema types). */
  parameters(entry: OperationEntry, location: 'path' | 'query' | 'header'): ValidateFunction | undefined {
    const key = `${entry.pointer}#params:${location}`;
    if (this.cache.has(key)) return this.cache.get(key) ?? undefined;
    const params = entry.parameters.filter((p) => p.in === location);
    if (params.length === 0) {
      this.cache.set(key, null);
      return undefined;
    }
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const p of params) {
      const name = location === 'header' ? p.name.toLowerCase() : p.name;
      properties[name] = p.schema ? this.schemaRef(p) : {};
      if (p.required || location === 'path') required.push(name);
    }
    const fn = this.coercing.compile({ type: 'object', properties, required });
    this.cache.set(key, fn);
    return fn;
  }

  /** Validates a response body for a status; undefined when the status has no JSON schema. */
  responseBody(entry: OperationEntry, status: number, contentType: string): ValidateFunction | undefined {
    const responses = entry.operation.responses ?? {};
    const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    if (!statusKey) return undefined;
    const base = this.follow(`${entry.pointer}/responses/${statusKey}`);
    const media = mediaKey(this.at(base)?.content, contentType);
    if (!media) return undefined;
    return this.compile(`${base}/content/${pointerToken(media)}/schema`) ?? undefined;
  }

  /**
   * Which statuses, media types and headers a response may have: for conformance checks.
   * `statusKey` is the key that covers the status (`201`, `4XX` or `default`); header names are
   * lower case.
   */
  declaredResponse(entry: OperationEntry, status: number): { declared: boolean; statusKey?: string; mediaTypes: string[]; headers: string[] } {
    const responses = entry.operation.responses ?? {};
    const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    if (!statusKey) return { declared: false, mediaTypes: [], headers: [] };
    const response = this.at(this.follow(`${entry.pointer}/responses/${statusKey}`));
    const headers = Object.keys((response?.headers as Record<string, unknown> | undefined) ?? {}).map((h) => h.toLowerCase());
    return { declared: true, statusKey, mediaTypes: Object.keys(response?.content ?? {}), headers };
  }

  /**
   * Validates response headers (an object keyed by lower-case name, values coerced to their
   * schema types) against the headers the contract declares for the status. Only declared
   * headers are checked and none is required: the caller decides which headers it has.
   */
  responseHeaders(entry: OperationEntry, status: number): ValidateFunction | undefined {
    const { declared, statusKey } = this.declaredResponse(entry, status);
    if (!declared) return undefined;
    const base = this.follow(`${entry.pointer}/responses/${statusKey}`);
    const key = `${base}#headers`;
    if (this.cache.has(key)) return this.cache.get(key) ?? undefined;
    const headers = (this.at(base)?.headers as Record<string, unknown> | undefined) ?? {};
    const properties: Record<string, unknown> = {};
    for (const name of Object.keys(headers)) {
      const header = this.at(this.follow(`${base}/headers/${pointerToken(name)}`)) as { schema?: unknown } | undefined;
      properties[name.toLowerCase()] = header?.schema ? this.absolutize(header.schema) : {};
    }
    const fn = Object.keys(properties).length === 0 ? null : this.coercing.compile({ type: 'object', properties });
    this.cache.set(key, fn);
    return fn ?? undefined;
  }

  /** A parameter schema with its local refs made absolute, so it compiles outside the document. */
  private schemaRef(p: ParameterObject): unknown {
    return this.absolutize(p.schema);
  }

  private absolutize(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.absolutize(n));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? this.id + v : this.absolutize(v);
    return out;
  }

  private compile(pointer: string): ValidateFunction | null {
    if (this.cache.has(pointer)) return this.cache.get(pointer)!;
    const node = this.at(pointer);
    const fn = node === undefined ? null : this.ajv.compile({ $ref: `${this.id}${pointer}` });
    this.cache.set(pointer, fn);
    return fn;
  }

  /** Follows a $ref at `pointer`, returning the pointer of the object it designates. */
  private follow(pointer: string): string {
    let current = pointer;
    for (let i = 0; i < 10; i++) {
      const node = this.at(current) as { $ref?: string } | undefined;
      if (!node?.$ref?.startsWith('#/')) return current;
      current = node.$ref;
    }
    return current;
  }

  private at(pointer: string): { content?: Record<string, unknown> } & Record<string, unknown> | undefined {
    const tokens = pointer.replace(/^#\//, '').split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = this.doc;
    for (const t of tokens) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string, unknown>)[t];
    }
    return node as never;
  }
}

function makeAjv(coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: coerce ? 'array' : false, validateFormats: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv;
}

function mediaKey(content: Record<string, unknown> | undefined, contentType: string): string | undefined {
  if (!content) return undefined;
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  if (base in content) return base;
  if (base.endsWith('+json') && 'application/json' in content) return 'application/json';
  return Object.keys(content).find((k) => k === '*/*');
}

/** ajv errors as field problems with JSON pointers under a prefix (`/body`, `/query`…). */
export function toFieldProblems(errors: ErrorObject[] | null | undefined, prefix: string): FieldProblem[] {
  return (errors ?? []).map((e) => {
    let pointer = prefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      pointer += `/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      pointer += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
      message = 'is not an allowed field';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    return { pointer, message };
  });
}
