// contracts/events/asyncapi.yaml through @asyncapi/parser, then the checks the parser cannot make:
// every event schema has a message, `x-delivery` on every channel names envelope fields the
// messages require, and inbound messages point at webhooks that exist in the OpenAPI contracts.
//
// @asyncapi/parser 3.6 does not validate AsyncAPI 3 payloads given in another schemaFormat (here
// JSON Schema 2020-12): the event schemas are compiled by ajv in event-schemas.ts instead.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Parser, fromFile } from '@asyncapi/parser';
import { parse as parseYaml } from 'yaml';
import { type Layout, listEventSchemaSources, rel } from './layout.ts';
import type { EventSchemaSet } from './event-schemas.ts';
import { type Problem, type Severity, SourcePositions, toPointer } from './problems.ts';

const GUARANTEES = ['at-least-once', 'at-most-once', 'exactly-once'];
const SEVERITIES: Record<number, Severity | undefined> = { 0: 'error', 1: 'warning' };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

async function parserProblems(layout: Layout): Promise<{ problems: Problem[]; parsed: boolean }> {
  const parser = new Parser();
  const { document, diagnostics } = await fromFile(parser, layout.asyncapiFile).parse();
  const problems: Problem[] = [];
  for (const d of diagnostics) {
    const severity = SEVERITIES[d.severity];
    if (!severity) continue; // information and hints
    problems.push({
      file: rel(layout, d.source ?? layout.asyncapiFile),
      line: d.range.start.line + 1,
      col: d.range.start.character + 1,
      message: d.message,
      rule: String(d.code),
      severity,
    });
  }
  return { problems, parsed: document !== undefined };
}

/** Internal `#/...` reference of a `{ $ref }` node, resolved in the raw document. */
function follow(doc: Json, node: unknown): [Json, string] | undefined {
  if (isObject(node) && typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
    let at: unknown = doc;
    for (const key of node.$ref.slice(2).split('/')) at = isObject(at) ? at[key.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
    return isObject(at) ? [at, node.$ref.slice(1)] : undefined;
  }
  return undefined;
}

function crossChecks(layout: Layout, text: string, schemas: EventSchemaSet): Problem[] {
  const problems: Problem[] = [];
  const positions = new SourcePositions(text);
  const file = rel(layout, layout.asyncapiFile);
  const add = (segments: (string | number)[], message: string, rule: string, severity: Severity = 'error'): void => {
    problems.push({ file, ...positions.locate(toPointer(segments)), message, rule, severity });
  };
  const doc = parseYaml(text) as Json;
  const channels = isObject(doc.channels) ? doc.channels : {};
  const referenced = new Set<string>();
  const required = new Map(schemas.files.map((f) => [resolve(f.file), f.schema?.required]));

  for (const [channel, def] of Object.entries(channels)) {
    if (!isObject(def)) continue;
    const delivery = def['x-delivery'];
    if (!isObject(delivery)) {
      add(['channels', channel], `channel "${channel}" needs x-delivery: { guarantee, orderingKey, dedupKey }`, 'x-delivery');
      continue;
    }
    if (!GUARANTEES.includes(String(delivery.guarantee))) add(['channels', channel, 'x-delivery', 'guarantee'], `guarantee must be one of ${GUARANTEES.join(', ')}`, 'x-delivery');
    for (const key of ['orderingKey', 'dedupKey']) {
      if (typeof delivery[key] !== 'string') add(['channels', channel, 'x-delivery'], `x-delivery.${key} is required (an envelope field, "none", or "message")`, 'x-delivery');
    }
    const messages = isObject(def.messages) ? def.messages : {};
    for (const [id, ref] of Object.entries(messages)) {
      const message = follow(doc, ref)?.[0] ?? (isObject(ref) ? ref : {});
      const schemaRef = isObject(message.payload) && isObject(message.payload.schema) ? message.payload.schema.$ref : undefined;
      const webhook = message['x-openapi-webhook'];
      if (typeof schemaRef === 'string') {
        const schemaFile = resolve(dirname(layout.asyncapiFile), schemaRef);
        referenced.add(schemaFile);
        const eventType = basename(schemaFile, '.json');
        if (message.name !== eventType) add(['channels', channel, 'messages', id], `message name must be the event type "${eventType}"`, 'event-message');
        const req = required.get(schemaFile);
        for (const key of ['orderingKey', 'dedupKey']) {
          const field = delivery[key];
          if (typeof field === 'string' && field !== 'none' && Array.isArray(req) && !req.includes(field)) {
            add(['channels', channel, 'x-delivery', key], `${key} "${field}" is not a required field of ${eventType} (schemas/${basename(schemaFile)})`, 'x-delivery');
          }
        }
      } else if (isObject(webhook)) {
        const own = message['x-delivery'];
        if (delivery.dedupKey === 'message' && !(isObject(own) && typeof own.dedupKey === 'string')) {
          add(['channels', channel, 'messages', id], 'x-delivery.dedupKey is "message": this message needs x-delivery: { dedupKey, orderBy }', 'x-delivery');
        }
        const contract = join(layout.openapiDir, `${String(webhook.contract)}.yaml`);
        if (!existsSync(contract)) {
          add(['channels', channel, 'messages', id], `x-openapi-webhook: ${rel(layout, contract)} does not exist (yet)`, 'x-openapi-webhook', 'warning');
          continue;
        }
        const openapi = parseYaml(readFileSync(contract, 'utf8')) as Json;
        if (!isObject(openapi.webhooks) || !(String(webhook.webhook) in openapi.webhooks)) {
          add(['channels', channel, 'messages', id], `x-openapi-webhook: ${rel(layout, contract)} has no webhook "${String(webhook.webhook)}"`, 'x-openapi-webhook');
        }
      } else {
        add(['channels', channel, 'messages', id], 'a message needs a payload schema ($ref into schemas/) or x-openapi-webhook: { contract, webhook }', 'event-message');
      }
    }
  }
  for (const source of listEventSchemaSources(layout)) {
    if (!referenced.has(resolve(source.file))) {
      problems.push({ file: rel(layout, source.file), line: 1, col: 1, message: `no message in ${file} carries this event`, rule: 'event-message', severity: 'error' });
    }
  }
  return problems;
}

export async function lintAsyncApi(layout: Layout, schemas: EventSchemaSet): Promise<Problem[]> {
  if (!existsSync(layout.asyncapiFile)) {
    return [{ file: rel(layout, layout.asyncapiFile), line: 1, col: 1, message: 'missing: the AsyncAPI document of the canonical events', rule: 'asyncapi-missing', severity: 'error' }];
  }
  const { problems, parsed } = await parserProblems(layout);
  if (!parsed) return problems;
  return [...problems, ...crossChecks(layout, readFileSync(layout.asyncapiFile, 'utf8'), schemas)];
}
