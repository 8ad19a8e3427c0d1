import type { Counter } from 'prom-client';
import { createLayer } from '../../reference-impl/layer.ts';
import { PostgresStore } from '../../reference-impl/adapters/postgres/postgres-store.ts';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
import type { Store } from '../../reference-impl/ports.ts';
import type { HttpHandler } from '../../runtime/ports.ts';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { WallClock } from '../../runtime/clock/wall-clock.ts';
import { serveHandler, type RunningServer } from '../../runtime/http/serve.ts';
import { entropyRandom } from '../../runtime/random/entropy.ts';
import { UndiciTransport } from '../../runtime/transport/undici.ts';
import { UsageError } from '../cli/exit-codes.ts';
import { withLayerProviderStates } from '../contract-testing/states/layer.ts';
import { describeStore, type ServeSettings, type StoreSpec } from './config.ts';

/** How long a stop waits for requests already being handled. */
const DRAIN_MS = 5000;

export interface ServingLayer {
  url: string;
  port: number;
  store: Store;
  /** Stops accepting requests, stops the layer, closes the store and the HTTP pools. Idempotent. */
  close(): Promise<void>;
}

export interface ServeRuntimeOptions {
  /** Where the layer's structured logs go (default: nowhere below `warn`, to stderr). */
  logLevel?: string;
  logDestination?: NodeJS.WritableStream;
}

/**
 * The live wiring of the layer: WallClock, entropy-seeded Random, undici to the configured
 * downstream URLs, the in-process bus, the chosen store, served over HTTP. Problems a user can fix
 * (a store that cannot be opened, a port in use) are UsageErrors.
 */
export async function startServe(settings: ServeSettings, options: ServeRuntimeOptions = {}): Promise<ServingLayer> {
  const store = await openStore(settings.store);
  const clock = new WallClock();
  const transport = new UndiciTransport({ targets: settings.downstream });
  const layer = createLayer(
    {
      clock,
      random: entropyRandom(),
      transport,
      bus: new InProcessBus(clock),
      store,
      logger: { destination: (options.logDestination ?? process.stderr) as never, level: options.logLevel ?? 'warn' },
    },
    settings.layer,
  );
  const served = settings.providerStates ? withLayerProviderStates(layer.handler, entropyRandom()) : layer.handler;
  // Requests still being handled when a stop begins finish against an open store.
  const inFlight = new Set<Promise<unknown>>();
  const handler: HttpHandler = (req) => {
    const answer = served(req);
    inFlight.add(answer);
    void answer.finally(() => inFlight.delete(answer)).catch(() => undefined);
    return answer;
  };
  let server: RunningServer | undefined;
  const shutdown = async (): Promise<void> => {
    await server?.close().catch(() => undefined);
    await Promise.race([Promise.allSettled([...inFlight]), clock.sleep(DRAIN_MS)]);
    await Promise.resolve(layer.stop()).catch(() => undefined);
    await transport.close().catch(() => undefined);
    await store.close().catch(() => undefined);
  };
  try {
    await layer.start();
    // Orders refused before the layer saw them (a body over the limit) count as refused at intake.
    const rejected = layer.metrics.getSingleMetric('faultline_orders_rejected_total') as Counter<'type'> | undefined;
    const onRefused = (r: { method: string; path: string; type: string }): void => {
      if (r.method === 'POST' && r.path === '/v1/orders') rejected?.inc({ type: r.type });
    };
    server = await serveHandler(handler, { host: settings.host, port: settings.port, onRefused });
  } catch (error) {
    await shutdown();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${settings.port} on ${settings.host} is in use: choose another with --port (0 picks a free one)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${settings.host}: not an address of this machine`);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return { url: server.url, port: server.port, store, close: () => (closing ??= shutdown()) };
}

/** Opens (and checks) the store a `--store` URL names. */
export async function openStore(spec: StoreSpec): Promise<Store> {
  if (spec.kind === 'sqlite') {
    try {
      return new SqliteStore(spec.file, { groupCommit: true, backgroundCheckpoint: true }); // serve is the file's only writer
    } catch (error) {
      throw new UsageError(`--store sqlite:${spec.file}: cannot open (${(error as Error).message})`);
    }
  }
  const store = new PostgresStore({ connectionString: spec.url });
  try {
    await store.query('SELECT 1 AS ok');
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    const e = error as { code?: string; message?: string };
    throw new UsageError(`--store ${describeStore(spec)}: cannot connect (${e.message || e.code || String(error)})`);
  }
}
