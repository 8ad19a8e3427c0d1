import { describeDefects } from '../../../reference-impl/defects.ts';
import { describeStore, resolveServeSettings, type ServeFlags, type ServeSettings } from '../../serve/config.ts';
import { EXIT } from '../exit-codes.ts';

export interface ServeCommandOptions extends ServeFlags {
  listDefects?: boolean;
}

/**
 * `faultline serve`: the reference integration layer over HTTP until SIGINT/SIGTERM. Usage
 * problems (flags, config file, store, port) surface as UsageErrors: one message, exit 2.
 */
export default async function serve(options: ServeCommandOptions): Promise<number> {
  if (options.listDefects) {
    process.stdout.write(`${describeDefects().join('\n')}\n`);
    return EXIT.ok;
  }
  const settings = resolveServeSettings(options, process.env);
  const { startServe } = await import('../../serve/serve.ts');
  const running = await startServe(settings, { logLevel: process.env.FAULTLINE_LOG_LEVEL ?? 'warn' });
  process.stdout.write(banner(settings, running.url));

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.stdout.write(`faultline serve: ${signal}, stopping\n`);
      process.once(signal, () => {
        process.stderr.write('faultline serve: second signal, exiting without a clean stop\n');
        process.exit(130); // the one place outside the shell: a user insisting on it
      });
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  process.stdout.write('faultline serve: stopped\n');
  return EXIT.ok;
}

function banner(settings: ServeSettings, url: string): string {
  const lines = [`faultline serve: the reference integration layer on ${url}`, `  store       ${describeStore(settings.store)}`];
  if (settings.developmentKey) {
    const how = settings.developmentKey.source === 'generated' ? 'generated; set FAULTLINE_API_KEY to choose it' : 'from FAULTLINE_API_KEY';
    lines.push(`  API key     ${settings.developmentKey.key}  (development key with every scope, ${how}; send it as X-API-Key)`);
  } else {
    lines.push(`  API keys    ${settings.layer.apiKeys.map((k) => `${k.partner} [${k.scopes.join(' ')}]`).join(', ')}`);
  }
  const targets = ['erp', ...settings.layer.distributionCenters.map((dc) => dc.wms ?? `wms@${dc.code}`), 'carrier-swift', 'carrier-pelican'];
  const downstream = targets.map((t) => `${t} ${settings.downstream[t] ?? 'unreachable'}`);
  lines.push(`  downstream  ${downstream.join(', ')}`);
  lines.push(`  DCs         ${settings.layer.distributionCenters.map((dc) => dc.code).join(', ')}`);
  lines.push(`  defects     ${settings.layer.defects.length > 0 ? settings.layer.defects.join(', ') : 'none'}`);
  if (settings.providerStates) {
    lines.push(`  Pact        provider states at ${url}/_faultline/provider-states and the pacts' API keys: anyone can place orders and set stock through them, so never in production`);
    lines.push(`              verify with: npx faultline verify --provider integration-layer --base-url ${url}`);
  }
  if (!settings.downstream.erp) lines.push('  (no ERP configured: orders are accepted as pending_validation and wait in the outbox)');
  lines.push('Stop with Ctrl-C.');
  return `${lines.join('\n')}\n`;
}
