// The integration layer served over real HTTP with a test configuration, for the storefront
// pacts: wall clock, in-memory SQLite, the ERP, WMS and carrier simulators in-process behind it,
// and its provider states at /_faultline/provider-states next to the commerce API.
import { WallClock } from '../../../runtime/clock/wall-clock.ts';
import { InProcessBus } from '../../../runtime/bus/in-process-bus.ts';
import { serveHandler, type RunningServer } from '../../../runtime/http/serve.ts';
import { SeededRandom } from '../../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../../runtime/transport/in-process.ts';
import { SqliteStore } from '../../../reference-impl/adapters/sqlite/sqlite-store.ts';
import { createLayer, type Layer } from '../../../reference-impl/layer.ts';
import { PROVIDER_STATES_PATH } from '../../../harness/contract-testing/provider-states.ts';
import { withLayerProviderStates } from '../../../harness/contract-testing/states/layer.ts';
import { PelicanSimulator, SwiftSimulator } from '../../../simulators/carriers/index.ts';
import { ErpSimulator } from '../../../simulators/erp/index.ts';
import { RecordingBus } from '../../../simulators/shared/event-sinks.ts';
import { WmsSimulator } from '../../../simulators/wms/index.ts';
import { API_KEYS } from './layer-world.ts';

export interface ServedLayer {
  url: string;
  statesUrl: string;
  layer: Layer;
  close(): Promise<void>;
}

export async function serveLayer(seed = 5): Promise<ServedLayer> {
  const clock = new WallClock();
  const random = new SeededRandom(seed);
  const transport = new InProcessTransport();
  const serviceTime = { default: { distribution: 'fixed' as const, ms: 0 } };
  const wms = ['DC-EAST', 'DC-WEST'].map((dc) => new WmsSimulator({ clock, random: random.fork(`wms@${dc}`), bus: new RecordingBus(clock) }, { dc, serviceTime }));
  const sims = [
    new ErpSimulator({ clock, random: random.fork('erp') }, { auth: 'none', serviceTime }),
    new SwiftSimulator({ clock, random: random.fork('carrier-swift'), bus: new RecordingBus(clock) }, { serviceTime }),
    new PelicanSimulator({ clock, random: random.fork('carrier-pelican'), bus: new RecordingBus(clock) }, { serviceTime }),
  ];
  transport.register('erp', sims[0]!.handler).register('carrier-swift', sims[1]!.handler).register('carrier-pelican', sims[2]!.handler);
  for (const w of wms) transport.register(w.system, w.handler);
  const stock = wms.flatMap((w) => w.truth().stock.map((s) => ({ distributionCenter: w.dc, sku: s.sku, uom: s.uom, onHand: s.onHand })));
  const layer = createLayer({ clock, random: random.fork('layer'), transport, bus: new InProcessBus(clock), store: new SqliteStore() }, { apiKeys: API_KEYS, initialInventory: stock, reconciliationIntervalMs: 0 });
  await layer.start();
  const server: RunningServer = await serveHandler(withLayerProviderStates(layer.handler, random.fork('provider-states')));
  return {
    url: server.url,
    statesUrl: server.url + PROVIDER_STATES_PATH,
    layer,
    close: async () => {
      await server.close();
      layer.stop();
      for (const w of wms) w.stop();
    },
  };
}
