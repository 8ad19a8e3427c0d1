// Pact ⇄ OpenAPI consistency: every request and response of every HTTP interaction in a pact
// must be valid for the provider's OpenAPI operation, and every message must be a payload the
// provider's contract declares, so a consumer cannot expect what the contract does not promise.
//
//   const report = checkPacts('contracts/pacts');
//   if (report.problems.length > 0) console.error(renderReport(report));
//
// Provider names: `erp`, `wms`, `carrier-<name>` check against contracts/openapi/<name>.yaml;
// `integration-layer` (storefront pacts) against commerce.yaml; `<system>-events` message pacts
// against that system's webhooks, and `integration-layer-events` against the canonical events.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eventValidator, listContracts, loadEventSchemas, loadOpenApi } from '../../load.ts';
import { toFieldProblems } from '../../../runtime/http/contract-validator.ts';
import { listOperations, type OpenApiDocument } from '../../../runtime/http/openapi-document.ts';
import { ContractCheck, type Finding } from './check.ts';
import { PactFileError, readPactFile, type Interaction, type MessageInteraction } from './pact-file.ts';

export { PactFileError, readPactFile, type PactFile, type Interaction } from './pact-file.ts';

export interface PactProblem {
  file: string;
  /** The interaction's description and, for HTTP, its request line; absent for a file-level problem. */
  interaction?: string;
  /** The part that is wrong: `response body /lines/0/qty`, `response status 202`, `request query parameter limit`. */
  where: string;
  /** What is wrong, naming the contract: `is required by erp.yaml bookSalesOrder 201`; for a file-level problem, a whole sentence naming the file. */
  message: string;
}

export interface CheckedPact {
  file: string;
  consumer?: string;
  provider?: string;
  /** `erp.yaml`, `wms.yaml webhooks`, `events` — what the interactions were checked against. */
  against?: string;
  interactions: number;
  problems: number;
}

export interface PactCheckReport {
  checked: CheckedPact[];
  problems: PactProblem[];
}

export interface PactCheckOptions {
  /** The contract document of a name (`erp`); defaults to the generated contracts (contracts/load.ts). */
  loadContract?: (name: string) => OpenApiDocument | undefined;
}

export type ProviderTarget = { contract: string; messages: 'webhooks' } | { contract: 'events'; messages: 'events' };

/** Which contract a provider name stands for; undefined for a name outside the landscape. */
export function providerTarget(provider: string): ProviderTarget | undefined {
  const system = provider.endsWith('-events') ? provider.slice(0, -'-events'.length) : provider;
  if (provider.endsWith('-events') && system === 'integration-layer') return { contract: 'events', messages: 'events' };
  if (system === 'integration-layer') return { contract: 'commerce', messages: 'webhooks' };
  if (system === 'erp' || system === 'wms' || /^carrier-[a-z0-9]+(-[a-z0-9]+)*$/.test(system)) return { contract: system, messages: 'webhooks' };
  return undefined;
}

const defaultLoad = (name: string): OpenApiDocument | undefined => (listContracts().includes(name) ? (loadOpenApi(name) as unknown as OpenApiDocument) : undefined);

/** `"book an order" (POST /sales-orders)`. */
function label(i: Interaction): string {
  return i.kind === 'http' ? `"${i.description}" (${i.request.method} ${i.request.path})` : `"${i.description}"`;
}

/** The pact files under a directory (`*.json`, sorted); none if it does not exist. */
export function listPactFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/** Checks files and directories of pact files. Never throws for bad input: it becomes a problem. */
export function checkPacts(paths: string | string[], options: PactCheckOptions = {}): PactCheckReport {
  const files = (Array.isArray(paths) ? paths : [paths]).flatMap((p) => (existsSync(p) && statSync(p).isDirectory() ? listPactFiles(p) : [p]));
  const checks = new Map<string, ContractCheck | undefined>();
  const report: PactCheckReport = { checked: [], problems: [] };
  for (const file of files) {
    const one = checkPactFile(file, { ...options, checks });
    report.checked.push(one.checked);
    report.problems.push(...one.problems);
  }
  return report;
}

/** Checks one pact file. A file that is not a readable pact gives one file-level problem. */
export function checkPactFile(file: string, options: PactCheckOptions & { checks?: Map<string, ContractCheck | undefined> } = {}): { checked: CheckedPact; problems: PactProblem[] } {
  const problems: PactProblem[] = [];
  const fileProblem = (message: string): { checked: CheckedPact; problems: PactProblem[] } => ({
    checked: { file, interactions: 0, problems: 1 },
    problems: [{ file, where: 'file', message }],
  });
  let pact;
  try {
    pact = readPactFile(file);
  } catch (error) {
    if (error instanceof PactFileError) return fileProblem(error.message);
    throw error;
  }
  const target = providerTarget(pact.provider);
  if (!target) {
    return fileProblem(`${file}: provider "${pact.provider}" is not a system of the landscape (erp, wms, carrier-<name>, integration-layer, or <name>-events for messages)`);
  }
  const checks = options.checks ?? new Map<string, ContractCheck | undefined>();
  let check: ContractCheck | undefined;
  if (target.contract !== 'events') {
    if (!checks.has(target.contract)) {
      const doc = (options.loadContract ?? defaultLoad)(target.contract);
      checks.set(target.contract, doc ? new ContractCheck(target.contract, doc, listOperations(doc)) : undefined);
    }
    check = checks.get(target.contract);
    if (!check) return fileProblem(`${file}: provider "${pact.provider}" needs contracts/openapi/${target.contract}.yaml, which does not exist`);
  }
  for (const interaction of pact.interactions) {
    let findings: Finding[];
    if (interaction.kind === 'unsupported') findings = [{ where: 'interaction', message: `is of type ${interaction.type}, which this check does not understand` }];
    else if (interaction.kind === 'message') findings = check ? check.message(interaction) : canonicalEvent(interaction);
    else if (check) findings = check.http(interaction);
    else findings = [{ where: 'interaction', message: `is HTTP, but provider "${pact.provider}" only sends messages` }];
    for (const f of findings) problems.push({ file, interaction: label(interaction), where: f.where, message: f.message });
  }
  const against = target.contract === 'events' ? 'events/schemas' : `${target.contract}.yaml`;
  return { checked: { file, consumer: pact.consumer, provider: pact.provider, against, interactions: pact.interactions.length, problems: problems.length }, problems };
}

/** A message of the layer's own outbound channels: a CloudEvent of a type in contracts/events. */
function canonicalEvent(interaction: MessageInteraction): Finding[] {
  const value = interaction.contents?.value;
  const type = value !== null && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
  const { byType } = loadEventSchemas();
  const name = [...byType.entries()].find(([, schema]) => (schema.properties as Record<string, { const?: unknown }> | undefined)?.type?.const === type)?.[0];
  if (!name) return [{ where: 'message contents /type', message: `${JSON.stringify(type)} is not an event type of contracts/events (known: ${[...byType.keys()].join(', ')})` }];
  const validate = eventValidator(name);
  if (validate(value)) return [];
  return toFieldProblems(validate.errors, '').map((p) => ({ where: `message contents ${p.pointer || '/'}`, message: `${p.message} ${p.message === 'is required' ? 'by' : 'in'} events/schemas/${name}.json` }));
}

export function formatProblem(p: PactProblem): string {
  return p.interaction ? `${p.file}: ${p.interaction}: ${p.where}: ${p.message}` : p.message;
}

/** What was checked, then every problem, one per line. */
export function renderReport(report: PactCheckReport): string {
  const lines: string[] = [];
  if (report.checked.length === 0) lines.push('no pact files to check');
  for (const c of report.checked) {
    const who = c.consumer ? `${c.consumer} -> ${c.provider} against ${c.against}` : 'unreadable';
    lines.push(`${c.problems === 0 ? 'ok  ' : 'FAIL'} ${c.file}: ${who}, ${c.interactions} interaction${c.interactions === 1 ? '' : 's'}, ${c.problems} problem${c.problems === 1 ? '' : 's'}`);
  }
  for (const p of report.problems) lines.push(formatProblem(p));
  return `${lines.join('\n')}\n`;
}
