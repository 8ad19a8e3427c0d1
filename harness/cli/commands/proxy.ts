import { contractOf, knownSystems } from '../../../simulators/faults/catalog.ts';
import { ADMIN_PREFIX, startFaultProxy } from '../../../simulators/faults/adapters/proxy/index.ts';
import { FaultPlanError, loadFaultPlan, type CompiledFault } from '../../../simulators/faults/plan.ts';
import { parseSeed } from '../../../runtime/random/seed.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { parsePort, parseUrl } from '../options.ts';

export interface ProxyOptions {
  target: string;
  faults?: string;
  port: string;
  host: string;
  seed: string;
  /** The proxied service's contract (`erp`, `wms`, `commerce`, …), if the flag exists. */
  contract?: string;
}

/**
 * `faultline proxy --target URL [--faults FILE] [--port N] [--seed N]`: a fault-injecting reverse
 * proxy in front of any HTTP service, driven at runtime through /_faultline/faults. Runs until
 * SIGINT or SIGTERM.
 */
export default async function proxy(options: ProxyOptions): Promise<number> {
  parseUrl('--target', options.target);
  const target = options.target;
  const port = parsePort(options.port);
  const seed = parseSeed(options.seed);
  if (seed === undefined) throw new UsageError(`--seed must be an integer (0 to 4294967295) or a git commit hash, got "${options.seed}"`);
  const contract = options.contract;
  if (contract !== undefined) {
    const contracts = knownSystems().map(contractOf);
    if (!contracts.includes(contract)) throw new UsageError(`--contract must be one of ${contracts.join(', ')}, got "${contract}"`);
  }

  let faults: CompiledFault[] = [];
  if (options.faults !== undefined) {
    try {
      faults = loadFaultPlan(options.faults, { mode: 'http', ...(contract ? { contract } : {}) }).faults;
    } catch (error) {
      if (!(error instanceof FaultPlanError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
  }

  const running = await startFaultProxy({ target, faults, port, host: options.host, seed, ...(contract ? { contract } : {}) }).catch((error: unknown) => {
    const e = error as { code?: string; message?: string };
    if (e.code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use on ${options.host}`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${options.host}: ${e.message ?? ''}`);
    throw error;
  });
  process.stdout.write(`faultline proxy listening on ${running.url} → ${target} (${faults.length} fault${faults.length === 1 ? '' : 's'}, seed ${seed}); admin: ${running.url}${ADMIN_PREFIX}\n`);
  for (const f of faults) process.stdout.write(`  ${f.id}: ${f.kind} on ${f.target.text}${f.spec.from || f.spec.to ? ` from ${f.spec.from ?? '0'} to ${f.spec.to ?? 'the end'}` : ''}${f.probability < 1 ? `, p=${f.probability}` : ''}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await running.close();
  const fired = running.faults.list().map((f) => `${f.id}=${f.fired}`);
  process.stdout.write(`faultline proxy stopped (${signal})${fired.length ? `; faults fired: ${fired.join(', ')}` : ''}\n`);
  return EXIT.ok;
}


