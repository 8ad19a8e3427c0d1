import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listContracts, loadOpenApi } from '../../contracts/load.ts';
import { readSource } from '../../runtime/files/yaml-source.ts';
import { findOperation, listOperations, type OpenApiDocument, type OperationEntry } from '../../runtime/http/openapi-document.ts';

/**
 * What fault targets can name: the systems of docs/landscape.md, their contracts' operations, and
 * the bus channels of docs/world.md. Contracts are read once (the generated JSON when present,
 * the YAML source otherwise).
 */

/** Bus channels (docs/world.md, "Messages on the bus"; `contracts/events/asyncapi.yaml`). */
export const CHANNELS = [
  'wms.inventory',
  'wms.shipment',
  'wms.return',
  'carrier.tracking',
  'orders',
  'inventory',
  'shipments',
  'invoices',
  'returns',
  'exceptions',
] as const;

/** The contract that describes a system's HTTP API. */
export function contractOf(system: string): string {
  return system === 'layer' ? 'commerce' : system;
}

/** The system a contract describes (inverse of contractOf). */
export function systemOf(contract: string): string {
  return contract === 'commerce' ? 'layer' : contract;
}

const OPENAPI_DIR = fileURLToPath(new URL('../../contracts/openapi/', import.meta.url));

/** Systems that can be targeted: `layer`, `erp`, `wms` and every `carrier-*` with a contract. */
export function knownSystems(): string[] {
  const names = new Set(['layer', 'erp', 'wms', 'carrier-swift', 'carrier-pelican']);
  for (const c of listContracts()) if (c.startsWith('carrier-')) names.add(c);
  return [...names].filter((s) => contractExists(contractOf(s))).sort(orderSystems);
}

function orderSystems(a: string, b: string): number {
  const rank = (s: string): number => ['layer', 'erp', 'wms'].indexOf(s) >>> 0;
  return rank(a) - rank(b) || a.localeCompare(b);
}

function contractExists(name: string): boolean {
  return listContracts().includes(name) || existsSync(`${OPENAPI_DIR}${name}.yaml`);
}

const documents = new Map<string, OpenApiDocument>();

/** The OpenAPI document of a contract (`erp`, `commerce`, …). */
export function contractDocument(name: string): OpenApiDocument {
  let doc = documents.get(name);
  if (!doc) {
    if (listContracts().includes(name)) {
      doc = loadOpenApi(name) as unknown as OpenApiDocument;
    } else {
      const source = readSource(`${OPENAPI_DIR}${name}.yaml`);
      if (source.problems.length > 0) throw new Error(`contract ${name} cannot be read: ${source.problems[0]!.message}`);
      doc = source.value as OpenApiDocument;
    }
    documents.set(name, doc);
  }
  return doc;
}

const operationLists = new Map<string, OperationEntry[]>();

/** Every HTTP operation of a contract, ready for routing. */
export function contractOperations(name: string): OperationEntry[] {
  let ops = operationLists.get(name);
  if (!ops) {
    ops = listOperations(contractDocument(name));
    operationLists.set(name, ops);
  }
  return ops;
}

/** operationIds of a contract's `webhooks` (what the system sends, not what it serves). */
export function contractWebhooks(name: string): string[] {
  const doc = contractDocument(name);
  const ids: string[] = [];
  for (const item of Object.values(doc.webhooks ?? {})) {
    for (const op of Object.values(item as Record<string, { operationId?: string }>)) {
      if (op && typeof op === 'object' && typeof op.operationId === 'string') ids.push(op.operationId);
    }
  }
  return ids;
}

/**
 * A method + path → operationId lookup for one contract, memoised per (method, path without
 * query): the injectors ask it on every call that a fault with an operation could match.
 */
export function operationResolver(contract: string): (method: string, path: string) => string | undefined {
  const ops = contractOperations(contract);
  const cache = new Map<string, string | null>();
  return (method, path) => {
    const q = path.indexOf('?');
    const pathname = q === -1 ? path : path.slice(0, q);
    const key = `${method} ${pathname}`;
    let id = cache.get(key);
    if (id === undefined) {
      const found = findOperation(ops, method.toUpperCase(), pathname);
      id = 'entry' in found ? found.entry.operationId : null;
      if (cache.size > 10_000) cache.clear();
      cache.set(key, id);
    }
    return id ?? undefined;
  };
}
