// Pact provider states: what a pact says must be true before an interaction ("customer C-100 has
// credit limit 10000.00 EUR"), made true by a handler per system. The Pact verifier sets a state
// by POSTing `{ "state", "params", "action": "setup" | "teardown" }` to a state-change URL;
// `faultline sim` serves these handlers at `/_faultline/provider-states`, and a vendor's own
// service can serve the same endpoint (README, For vendors).
//
//   const states = new ProviderStates('erp', [{ name: 'customer {customerId} has credit limit {limit} {currency}', setup: (v) => … }]);
//   routes.add('POST', PROVIDER_STATES_PATH, states.route());
import { json, problem } from '../../runtime/http/problem.ts';
import type { HttpRequest, HttpResponse } from '../../runtime/ports.ts';

export const PROVIDER_STATES_PATH = '/_faultline/provider-states';

/** The Pact verifier's state-change request. */
export interface StateChange {
  state: string;
  params: Record<string, unknown>;
  action: 'setup' | 'teardown';
}

/** Values a state hands back to the verifier, which injects them where a pact says `fromProviderState`. */
export type StateValues = Record<string, string | number | boolean>;

export interface StateDefinition {
  /**
   * The state as pacts name it, with `{placeholders}` for its values: `sku {sku} has {onHand} on
   * hand at {distributionCenter}`. A placeholder matches anything but is overridden by a `params`
   * member of the same name.
   */
  name: string;
  /** One sentence for `GET /_faultline/provider-states` and README, For vendors. */
  description: string;
  /**
   * Makes the state true; may return values for the interaction. Throws ProviderStateError when it
   * cannot. `values` holds the placeholders and scalar params as strings; `params` the params as sent.
   */
  setup(values: Record<string, string>, params: Record<string, unknown>): Promise<StateValues | void> | StateValues | void;
  /** Undoes what setup did that would leak into other interactions (a maintenance window). */
  teardown?(values: Record<string, string>): Promise<void> | void;
}

/** A state that cannot be made true, in one sentence naming the state and why. */
export class ProviderStateError extends Error {
  constructor(
    message: string,
    /** 400: the request names no known state / is malformed; 422: a known state this provider cannot reach. */
    readonly status: 400 | 422 = 422,
  ) {
    super(message);
    this.name = 'ProviderStateError';
  }
}

interface Compiled {
  definition: StateDefinition;
  pattern: RegExp;
  placeholders: string[];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(definition: StateDefinition): Compiled {
  const placeholders: string[] = [];
  const source = definition.name
    .split(/(\{[A-Za-z][A-Za-z0-9]*\})/)
    .map((part) => {
      const m = /^\{([A-Za-z][A-Za-z0-9]*)\}$/.exec(part);
      if (!m) return escape(part);
      placeholders.push(m[1]!);
      return '(.+?)';
    })
    .join('');
  return { definition, pattern: new RegExp(`^${source}$`), placeholders };
}

/** The provider states one system knows, and the state-change endpoint serving them. */
export class ProviderStates {
  private readonly compiled: Compiled[];

  constructor(
    readonly system: string,
    definitions: StateDefinition[],
  ) {
    this.compiled = definitions.map(compile);
  }

  /** Every state this system knows, as pacts name them. */
  list(): Array<{ name: string; description: string }> {
    return this.compiled.map((c) => ({ name: c.definition.name, description: c.definition.description }));
  }

  /** Applies one state change; throws ProviderStateError for an unknown or unreachable state. */
  async apply(change: StateChange): Promise<StateValues> {
    if (change.state === '') return {};
    for (const c of this.compiled) {
      const m = c.pattern.exec(change.state);
      if (!m) continue;
      const values: Record<string, string> = {};
      c.placeholders.forEach((name, i) => (values[name] = m[i + 1]!));
      for (const [k, v] of Object.entries(change.params)) if (v !== null && v !== undefined && typeof v !== 'object') values[k] = String(v);
      if (change.action === 'teardown') {
        await c.definition.teardown?.(values);
        return {};
      }
      return (await c.definition.setup(values, change.params)) ?? {};
    }
    throw new ProviderStateError(`${this.system} knows no provider state "${change.state}"; it knows: ${this.compiled.map((c) => `"${c.definition.name}"`).join(', ')}`, 400);
  }

  /** `POST /_faultline/provider-states` (the verifier's request shape); `GET` lists the states. */
  route(): (request: HttpRequest) => Promise<HttpResponse> {
    return async (request) => {
      if (request.method === 'GET') return json(200, { system: this.system, states: this.list() });
      let change: StateChange;
      try {
        change = parseStateChange(request.body);
      } catch (error) {
        return problem(400, 'Invalid provider-state request', (error as Error).message, { extra: { instance: PROVIDER_STATES_PATH } });
      }
      try {
        return json(200, await this.apply(change));
      } catch (error) {
        if (!(error instanceof ProviderStateError)) {
          return problem(500, 'Provider state failed', `setting up "${change.state}" failed: ${error instanceof Error ? error.message : String(error)}`, { extra: { instance: PROVIDER_STATES_PATH, state: change.state } });
        }
        const title = error.status === 400 ? 'Unknown provider state' : 'Provider state not reachable';
        return problem(error.status, title, error.message, { extra: { instance: PROVIDER_STATES_PATH, state: change.state } });
      }
    };
  }
}

/** Reads the verifier's body: `{ state, params?, action? }` (action defaults to setup). */
export function parseStateChange(body: string | undefined): StateChange {
  let raw: unknown;
  try {
    raw = JSON.parse(body ?? '');
  } catch {
    throw new Error('the body must be JSON: { "state": "…", "params": { … }, "action": "setup" | "teardown" }');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('the body must be a JSON object with "state", "params" and "action"');
  const r = raw as Record<string, unknown>;
  if (typeof r.state !== 'string') throw new Error('"state" must be a string naming the provider state');
  const action = r.action ?? 'setup';
  if (action !== 'setup' && action !== 'teardown') throw new Error(`"action" must be "setup" or "teardown", got ${JSON.stringify(action)}`);
  const params = r.params ?? {};
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new Error('"params" must be an object');
  return { state: r.state, params: params as Record<string, unknown>, action };
}
