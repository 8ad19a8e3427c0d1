// Reading a Pact file (specification V2, V3 or V4) into one shape: HTTP interactions with their
// example request and response, and message interactions with their example contents. Matching
// rules and generators are ignored on purpose: the example values are what gets validated.
import { readFileSync } from 'node:fs';

/** The file is not a pact we can read: one sentence naming the file. */
export class PactFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PactFileError';
  }
}

export interface PactBody {
  /** Declared content type (V4 `contentType`, else the Content-Type header), lower case, no parameters. */
  contentType?: string;
  /** Parsed JSON when the body is JSON, else the text. */
  value: unknown;
  json: boolean;
}

export interface HttpInteraction {
  kind: 'http';
  /** Position in the file, for messages when descriptions repeat. */
  index: number;
  description: string;
  request: { method: string; path: string; query: Record<string, string[]>; headers: Record<string, string>; body?: PactBody };
  response: { status: number; headers: Record<string, string>; body?: PactBody };
}

export interface MessageInteraction {
  kind: 'message';
  index: number;
  description: string;
  contents?: PactBody;
  metadata: Record<string, unknown>;
}

export interface UnsupportedInteraction {
  kind: 'unsupported';
  index: number;
  description: string;
  type: string;
}

export type Interaction = HttpInteraction | MessageInteraction | UnsupportedInteraction;

export interface PactFile {
  file: string;
  consumer: string;
  provider: string;
  /** `2.0.0`, `3.0.0`, `4.0`… as the file says (`unknown` if it does not). */
  specification: string;
  interactions: Interaction[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads and normalises a pact file; throws PactFileError for anything that is not a readable pact. */
export function readPactFile(file: string): PactFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new PactFileError(code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code ?? (error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PactFileError(`${file}${jsonErrorPosition(text, error as Error)}: is not valid JSON: ${(error as Error).message.replace(/ in JSON at position \d+.*$/, '').replace(/, [\s\S]* is not valid JSON$/, '')}`);
  }
  if (!isObject(raw)) throw new PactFileError(`${file} is not a pact file: its top level is not an object`);
  const consumer = isObject(raw.consumer) ? raw.consumer.name : undefined;
  const provider = isObject(raw.provider) ? raw.provider.name : undefined;
  if (typeof consumer !== 'string' || consumer === '') throw new PactFileError(`${file} is not a pact file: consumer.name is missing`);
  if (typeof provider !== 'string' || provider === '') throw new PactFileError(`${file} is not a pact file: provider.name is missing`);
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  const spec = isObject(meta.pactSpecification) ? meta.pactSpecification.version : isObject(meta['pact-specification']) ? meta['pact-specification'].version : undefined;
  const specification = typeof spec === 'string' ? spec : 'unknown';
  if (!Array.isArray(raw.interactions) && !Array.isArray(raw.messages)) {
    throw new PactFileError(`${file} is not a pact file: it has neither "interactions" nor "messages"`);
  }
  const interactions: Interaction[] = [];
  const list = [...(Array.isArray(raw.interactions) ? raw.interactions : []), ...(Array.isArray(raw.messages) ? raw.messages.map((m: unknown) => (isObject(m) ? { ...m, type: 'Asynchronous/Messages' } : m)) : [])];
  list.forEach((item, index) => interactions.push(readInteraction(file, item, index)));
  return { file, consumer, provider, specification, interactions };
}

function readInteraction(file: string, item: unknown, index: number): Interaction {
  const where = `${file}: interaction ${index}`;
  if (!isObject(item)) throw new PactFileError(`${where} is not an object`);
  const description = typeof item.description === 'string' ? item.description : `interaction ${index}`;
  const type = typeof item.type === 'string' ? item.type : isObject(item.request) ? 'Synchronous/HTTP' : 'contents' in item ? 'Asynchronous/Messages' : 'unknown';
  if (type === 'Asynchronous/Messages') {
    const metadata = isObject(item.metadata) ? item.metadata : {};
    const contents = readBody(`${where} ("${description}") contents`, item.contents, typeof metadata.contentType === 'string' ? metadata.contentType : undefined);
    return { kind: 'message', index, description, ...(contents ? { contents } : {}), metadata };
  }
  if (type !== 'Synchronous/HTTP') return { kind: 'unsupported', index, description, type };
  const at = `${where} ("${description}")`;
  const req = item.request;
  const res = item.response;
  if (!isObject(req)) throw new PactFileError(`${at} has no request`);
  if (!isObject(res)) throw new PactFileError(`${at} has no response`);
  if (typeof req.method !== 'string') throw new PactFileError(`${at} has no request.method`);
  if (typeof req.path !== 'string') throw new PactFileError(`${at} has no request.path`);
  if (typeof res.status !== 'number') throw new PactFileError(`${at} has no numeric response.status`);
  const requestHeaders = readHeaders(`${at} request.headers`, req.headers);
  const responseHeaders = readHeaders(`${at} response.headers`, res.headers);
  const requestBody = readBody(`${at} request.body`, req.body, requestHeaders['content-type']);
  const responseBody = readBody(`${at} response.body`, res.body, responseHeaders['content-type']);
  return {
    kind: 'http',
    index,
    description,
    request: { method: req.method.toUpperCase(), path: req.path, query: readQuery(`${at} request.query`, req.query), headers: requestHeaders, ...(requestBody ? { body: requestBody } : {}) },
    response: { status: res.status, headers: responseHeaders, ...(responseBody ? { body: responseBody } : {}) },
  };
}

/** V3/V4 headers map to a string or a list of strings; names are lower-cased. */
function readHeaders(where: string, raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new PactFileError(`${where} is not an object`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[name.toLowerCase()] = value.join(', ');
    else throw new PactFileError(`${where}.${name} is neither a string nor a list of strings`);
  }
  return out;
}

/** V2 query is a string; V3/V4 a map of lists. */
function readQuery(where: string, raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (raw === undefined || raw === '') return out;
  if (typeof raw === 'string') {
    for (const [k, v] of new URLSearchParams(raw)) (out[k] ??= []).push(v);
    return out;
  }
  if (!isObject(raw)) throw new PactFileError(`${where} is neither a string nor an object`);
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string') out[k] = [v];
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v;
    else throw new PactFileError(`${where}.${k} is neither a string nor a list of strings`);
  }
  return out;
}

const isJsonType = (ct: string): boolean => ct === 'application/json' || ct.endsWith('+json');
const baseType = (ct: string | undefined): string | undefined => ct?.split(';')[0]!.trim().toLowerCase() || undefined;

/**
 * V4 bodies are `{ content, contentType, encoded }` (encoded: false, "base64" or "json"); V2/V3
 * bodies (and V3 message contents) are the value itself. For message contents in V4 the same
 * wrapper is used.
 */
function readBody(where: string, raw: unknown, headerType: string | undefined): PactBody | undefined {
  if (raw === undefined || raw === null) return undefined;
  const wrapped = isObject(raw) && 'content' in raw && ('contentType' in raw || 'encoded' in raw);
  if (!wrapped) {
    const contentType = baseType(headerType);
    return { ...(contentType ? { contentType } : {}), value: raw, json: contentType ? isJsonType(contentType) : typeof raw !== 'string' };
  }
  const body = raw as Json;
  const contentType = baseType(typeof body.contentType === 'string' ? body.contentType : headerType);
  let content = body.content;
  if (body.encoded === 'base64' && typeof content === 'string') content = Buffer.from(content, 'base64').toString('utf8');
  if (typeof content === 'string' && (body.encoded === 'json' || body.encoded === 'JSON' || (body.encoded === 'base64' && contentType !== undefined && isJsonType(contentType)))) {
    return parseJsonText(where, content, contentType);
  }
  if (content === undefined || content === null) return undefined;
  return { ...(contentType ? { contentType } : {}), value: content, json: contentType ? isJsonType(contentType) : typeof content !== 'string' };
}

function parseJsonText(where: string, text: string, contentType: string | undefined): PactBody {
  try {
    return { ...(contentType ? { contentType } : {}), value: JSON.parse(text), json: true };
  } catch (error) {
    throw new PactFileError(`${where} is declared ${contentType ?? 'JSON'} but is not valid JSON: ${(error as Error).message}`);
  }
}

/** `:line:col` of a JSON.parse error, when Node names a position. */
/**
 * Where JSON.parse stopped, for the messages V8 gives without a position ("Unexpected token 'g',
 * "garbage" is not valid JSON"): the shortest prefix that fails for a reason other than ending
 * too early ends with the offending character. (A prefix fails like that only if every longer one
 * does, so a binary search finds it.)
 */
function firstBadOffset(text: string): number {
  const failsInside = (k: number): boolean => {
    try {
      JSON.parse(text.slice(0, k));
      return false;
    } catch (error) {
      const message = (error as Error).message;
      const at = /position (\d+)/.exec(message);
      return !/end of JSON input|Unterminated/.test(message) && (!at || Number(at[1]) < k);
    }
  };
  let lo = 1;
  let hi = text.length;
  if (!failsInside(hi)) return text.length; // it ended too early: point at the end
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsInside(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

function jsonErrorPosition(text: string, error: Error): string {
  const m = /position (\d+)/.exec(error.message);
  const offset = m ? Number(m[1]) : firstBadOffset(text);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `:${line}:${col}`;
}
