import { CHANNELS, contractOf, contractOperations, contractWebhooks, knownSystems } from './catalog.ts';

/**
 * The one target grammar (docs/landscape.md, "Fault targets"):
 *
 *   target        = system-target | event-target
 *   system-target = system [ "@" instance ] [ ":" operationId ]
 *   event-target  = "events:" channel
 */
export type FaultTarget =
  | {
      type: 'system';
      /** `layer`, `erp`, `wms`, `carrier-swift`, … */
      system: string;
      /** A distribution center for `wms` (`DC-EAST`); absent: every instance. */
      instance?: string;
      /** An operationId of the system's contract; absent: every operation. */
      operationId?: string;
      text: string;
    }
  | {
      type: 'events';
      /** A channel or a dot-segment prefix of channels (`wms` matches `wms.shipment`). */
      channel: string;
      text: string;
    };

/** The syntax, as a JSON Schema pattern (semantics are checked by `checkTarget`). */
export const TARGET_PATTERN = '^(events:[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*|[a-z][a-z0-9-]*(@[A-Za-z0-9-]+)?(:[A-Za-z][A-Za-z0-9]*)?)$';

const SYSTEM_RE = /^([a-z][a-z0-9-]*)(?:@([A-Za-z0-9-]+))?(?::([A-Za-z][A-Za-z0-9]*))?$/;
const DC_RE = /^DC-[A-Z]{2,12}$/;

/** Parses a target's syntax; undefined when it does not match the grammar. */
export function parseTarget(text: string): FaultTarget | undefined {
  if (text.startsWith('events:')) {
    const channel = text.slice('events:'.length);
    return /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(channel) ? { type: 'events', channel, text } : undefined;
  }
  const m = SYSTEM_RE.exec(text);
  if (!m) return undefined;
  const target: FaultTarget = { type: 'system', system: m[1]!, text };
  if (m[2] !== undefined) target.instance = m[2];
  if (m[3] !== undefined) target.operationId = m[3];
  return target;
}

/** Does channel `channel` fall under the prefix `prefix` (by dot segments)? */
export function channelMatches(prefix: string, channel: string): boolean {
  return channel === prefix || channel.startsWith(`${prefix}.`);
}

/**
 * Semantic check of a parsed target: the system exists, an instance is a distribution center of
 * a WMS, the operation exists in the system's contract, the channel exists. Returns the problem
 * in words, or undefined.
 */
export function checkTarget(target: FaultTarget): string | undefined {
  if (target.type === 'events') {
    if (CHANNELS.some((c) => channelMatches(target.channel, c))) return undefined;
    return `no bus channel is named ${target.channel} or lies below it; channels: ${CHANNELS.join(', ')}`;
  }
  const systems = knownSystems();
  if (!systems.includes(target.system)) {
    return `unknown system "${target.system}"; systems: ${systems.join(', ')}, or events:<channel> for bus messages`;
  }
  if (target.instance !== undefined) {
    if (target.system !== 'wms') return `only wms has instances (one per distribution center); "${target.system}@${target.instance}" names none`;
    if (!DC_RE.test(target.instance)) return `"${target.instance}" is not a distribution-center code (like DC-EAST: DC- then 2 to 12 capital letters)`;
  }
  if (target.operationId !== undefined) {
    const contract = contractOf(target.system);
    const ops = contractOperations(contract).map((o) => o.operationId).sort();
    if (!ops.includes(target.operationId)) {
      if (contractWebhooks(contract).includes(target.operationId)) {
        return `${target.operationId} is a webhook ${target.system} sends, not an operation it serves: target its bus channel (events:…) instead`;
      }
      const near = closest(target.operationId, ops);
      return `${contract} has no operation "${target.operationId}"${near ? ` (did you mean ${near}?)` : ''}; operations: ${ops.join(', ')}`;
    }
  }
  return undefined;
}

/** The nearest name by edit distance, when it is near enough to be a typo. */
function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** A system name on the Transport (`wms@DC-EAST`) split into system and instance. */
export function splitSystemName(name: string): { system: string; instance?: string } {
  const at = name.indexOf('@');
  return at === -1 ? { system: name } : { system: name.slice(0, at), instance: name.slice(at + 1) };
}

/** Does a system target cover calls to `system`/`instance`, operation `operationId`? */
export function systemTargetMatches(
  target: Extract<FaultTarget, { type: 'system' }>,
  system: string,
  instance: string | undefined,
  operationId: string | undefined,
): boolean {
  if (target.system !== system) return false;
  if (target.instance !== undefined && target.instance !== instance) return false;
  if (target.operationId !== undefined && target.operationId !== operationId) return false;
  return true;
}
