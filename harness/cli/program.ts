import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT_CODES_HELP } from './exit-codes.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION = pkg.version;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * Loads a command module only when its command runs, so `faultline --help` stays fast and one
 * command's dependencies never slow another.
 */
function lazy<A extends unknown[]>(load: () => Promise<{ default: (...args: A) => Promise<number> }>) {
  return async (...args: A): Promise<void> => {
    const command = await load();
    process.exitCode = await command.default(...args);
  };
}

export function buildProgram(): Command {
  const program = new Command('faultline')
    .description(
      'Contract testing and resilience simulation for distribution integrations:\n' +
        'chaos scenarios (deterministic from a seed), Pact verification for vendors, resilience reports.',
    )
    .version(VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError(true)
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n\nDocs: README.md; the landscape: docs/landscape.md`);

  program
    .command('run')
    .description('run scenarios (files or directories) deterministically and write result.json, summary.md, junit.xml and report.html')
    .argument('[paths...]', 'scenario files or directories', ['scenarios'])
    .option('--seed <seed>', 'seed: an integer or a git commit hash (default: the scenario\'s own seed)')
    .option('--out <dir>', 'output directory', 'reports/out')
    .option('--defect <name>', 'switch on a defect in the reference implementation (repeatable)', collect, [])
    .option('--format <list>', 'outputs to write: json,md,junit,html', 'json,md,junit,html')
    .option('--no-progress', 'plain lines instead of a progress display')
    .option('--jobs <n>', 'scenarios run at once, in that many worker processes (same results as one at a time)', '1')
    .option('--violations <n>', 'violations of each invariant kept in result.json and the reports: a number, or all', '20')
    .action(lazy(() => import('./commands/run.ts')));

  program
    .command('validate')
    .description('check scenario and fault files without running them')
    .argument('<paths...>', 'scenario files or directories')
    .action(lazy(() => import('./commands/validate.ts')));

  program
    .command('explore')
    .description('search for fault schedules that break an invariant, shrink the failure and write a replayable scenario')
    .argument('<scenario>', 'the scenario to explore around')
    .option('--runs <n>', 'fault schedules to try', '100')
    .option('--seed <seed>', 'seed of the search (integer or git hash)')
    .option('--max-faults <k>', 'most faults in one generated plan', '4')
    .option('--defect <name>', 'switch on a defect in the reference implementation (repeatable)', collect, [])
    .option('--jobs <n>', 'runs at once while searching, in that many worker processes; one per core unless given (same outcome for any number)', String(availableParallelism()))
    .option('--out <dir>', 'where repro files go', 'reports/out')
    .action(lazy(() => import('./commands/explore.ts')));

  program
    .command('analyze')
    .description('re-render a stored result.json and exit with its verdict (checks the file, does not re-run the checkers: replay the run for that)')
    .argument('<result>', 'a result.json written by faultline run')
    .option('--out <dir>', 'output directory (default: next to the result)')
    .option('--format <list>', 'outputs to write: md,junit,html', 'md,junit,html')
    .action(lazy(() => import('./commands/analyze.ts')));

  program
    .command('serve')
    .description('run the reference integration layer over HTTP (embedded SQLite unless --store says otherwise)')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--store <url>', 'sqlite:FILE (created in the current directory when relative), sqlite::memory: or postgres://…', 'sqlite:faultline.sqlite')
    .option('--config <file>', 'YAML/JSON configuration (API keys, downstream URLs, defects)')
    .option('--erp-url <url>', 'base URL of the ERP (or FAULTLINE_ERP_URL)')
    .option('--wms-url <dc=url>', 'base URL of a distribution center\'s WMS, repeatable (or FAULTLINE_WMS_URLS=DC-EAST=URL,DC-WEST=URL)', collect, [])
    .option('--carrier-url <name=url>', 'base URL of a carrier, repeatable (or FAULTLINE_CARRIER_URLS=swift=URL,pelican=URL)', collect, [])
    .option('--defect <name>', 'switch on a known defect (repeatable)', collect, [])
    .option('--list-defects', 'list the defect switches and exit')
    .option('--provider-states', "for Pact verification only: serve provider states at /_faultline/provider-states and accept the committed pacts' API keys")
    .action(lazy(() => import('./commands/serve.ts')));

  program
    .command('sim')
    .description('serve a simulator over HTTP (erp, wms, carrier-NAME), or drive a storefront workload')
    .argument('<system>', 'erp | wms | carrier-swift | carrier-pelican | storefront')
    .option('--port <port>', 'port to listen on', '0')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--faults <file>', 'fault plan (YAML or JSON)')
    .option('--seed <seed>', 'seed for the simulator\'s randomness', '1')
    .option('--dc <code>', 'distribution center (wms only)')
    .option('--webhook-url <url>', 'where to push events (wms, carriers)')
    .option('--target <url>', 'commerce API to drive (storefront only)')
    .option('--rate <r>', 'orders per second (storefront only)', '5')
    .option('--duration <d>', 'how long to drive, e.g. 30s (storefront only)', '30s')
    .option('--api-key <key>', 'X-API-Key sent to the commerce API: the storefront\'s calls, and the webhooks of wms and carriers (default: FAULTLINE_API_KEY)')
    .addHelpText('after', '\nEnvironment:\n  FAULTLINE_API_KEY              the API key when --api-key is not given\n  FAULTLINE_CARRIER_SWIFT_URL    where sim wms hands parcels over to SwiftShip (else handovers are skipped)\n  FAULTLINE_CARRIER_PELICAN_URL  the same for Pelican')
    .action(lazy(() => import('./commands/sim.ts')));

  program
    .command('proxy')
    .description('fault-injecting reverse proxy in front of any HTTP service, driven at runtime through /_faultline/faults')
    .requiredOption('--target <url>', 'the service to proxy to')
    .option('--faults <file>', 'initial fault plan (YAML or JSON)')
    .option('--port <port>', 'port to listen on', '0')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <seed>', 'seed for probabilistic faults', '1')
    .option('--contract <name>', 'the proxied service\'s contract (erp, wms, commerce, carrier-swift, carrier-pelican): fault targets must name its system')
    .action(lazy(() => import('./commands/proxy.ts')));

  program
    .command('verify')
    .description('verify a provider\'s pacts against a running service (the vendor path)')
    .requiredOption('--provider <name>', 'provider name: erp, wms, carrier-swift, carrier-pelican, integration-layer')
    .requiredOption('--base-url <url>', 'where the provider\'s service runs')
    .option('--provider-states-url <url>', 'state set-up endpoint (default: <base-url>/_faultline/provider-states when it answers)')
    .option('--pact <path>', 'a pact file or directory (default: contracts/pacts)')
    .option('--header <name: value>', 'header sent with every request, e.g. credentials the pacts leave to the provider (repeatable)', collect, [])
    .option('--timeout <seconds>', 'how long each request may take before it fails', '10')
    .option('--junit <file>', 'write a JUnit report here (also when verification cannot run: one errored case says why)', 'reports/out/pact-verify.junit.xml')
    .action(lazy(() => import('./commands/verify.ts')));

  const contracts = program.command('contracts').description('contract tools');
  contracts
    .command('diff')
    .description('list breaking changes between two versions of an OpenAPI document or event schema (exit 1 if any)')
    .argument('<old>', 'the old version')
    .argument('<new>', 'the new version')
    .option('--json', 'machine-readable output')
    .action(lazy(() => import('./commands/contracts-diff.ts')));

  return program;
}
