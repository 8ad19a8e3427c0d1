// Throughput of the full order-to-cash flow through the layer on a VirtualClock world (fake ERP,
// WMS and carriers over their real contracts): orders arrive at a fixed virtual rate, each is
// validated, booked, labelled, released, shipped (inventory events per line), goods-issued,
// invoiced, tracked and delivered. Prints orders per wall-second.
//
//   node bin/tsnode.js test/reference-impl/flow.bench.ts [orders=20000] [rate=500]
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
import { createLayer } from '../../reference-impl/layer.ts';
import { FakeErp } from './fakes/erp.ts';
import { FakeWms } from './fakes/wms.ts';
import { FakeCarriers } from './fakes/carriers.ts';
import { API_KEYS, CATALOGUE, KEYS, orderBody } from './world.ts';

const total = Number(process.argv[2] ?? 20_000);
const ratePerSecond = Number(process.argv[3] ?? 500);

const clock = new VirtualClock();
const random = new SeededRandom(42);
const transport = new InProcessTransport();
const bus = new InProcessBus(clock);
const store = new SqliteStore();
const erp = new FakeErp(clock, { items: Object.fromEntries(Object.entries(CATALOGUE).map(([sku, price]) => [sku, { price, uoms: ['EA'] }])), customers: { 'C-100': { creditLimit: '1000000000.00' } } });
const carriers = new FakeCarriers(clock, random.fork('carriers'), bus);
const skus = Object.keys(CATALOGUE);
const wms: Record<string, FakeWms> = {};
for (const dc of ['DC-EAST', 'DC-WEST']) {
  const w = new FakeWms(clock, random.fork(dc), bus, dc, {
    autoShipAfterMs: 30_000,
    onShipped: (fo) => {
      clock.setTimer(60_000, () => void carriers.track(fo.label.trackingNumber, 'PICKED_UP'));
      clock.setTimer(3_600_000, () => void carriers.track(fo.label.trackingNumber, 'DELIVERED'));
    },
  });
  for (const sku of skus) w.setStock(sku, 100_000_000);
  wms[dc] = w;
  transport.register(w.target, w.handler);
}
transport.register('erp', erp.handler);
transport.register('carrier-swift', carriers.swift);
transport.register('carrier-pelican', carriers.pelican);
let canonical = 0;
for (const channel of ['orders', 'inventory', 'shipments', 'invoices', 'returns', 'exceptions']) bus.subscribe(channel, 'harness', async () => void canonical++);

const layer = createLayer(
  { clock, random: random.fork('layer'), transport, bus, store },
  { apiKeys: API_KEYS, initialInventory: ['DC-EAST', 'DC-WEST'].flatMap((dc) => skus.map((sku) => ({ distributionCenter: dc, sku, uom: 'EA' as const, onHand: 100_000_000 }))), reconciliationIntervalMs: 0 },
);
transport.register('layer', layer.handler);
await layer.start();

const pick = random.fork('workload');
let placed = 0;
let refused = 0;
let invoiced = 0;
let delivered = 0;
bus.subscribe('invoices', 'bench', async () => void invoiced++);
bus.subscribe('shipments', 'bench', async (d) => void (d.headers['ce-type'] === 'dev.faultline.shipment.delivered.v1' && delivered++));
let sequence = 0;

/** Places `n` orders at the virtual rate and runs the clock until every one is invoiced and delivered. */
async function batch(n: number): Promise<void> {
  const target = placed + refused + n;
  const invoicedTarget = invoiced + n;
  const deliveredTarget = delivered + n;
  const interval = 1000 / ratePerSecond;
  for (let i = 0; i < n; i++) {
    const id = sequence++;
    clock.setTimer(i * interval, () => {
      const lines: Array<[string, number]> = [];
      const count = pick.int(1, 3);
      for (let l = 0; l < count; l++) lines.push([skus[(id + l) % skus.length]!, pick.int(1, 5)]);
      void transport
        .send('layer', { method: 'POST', path: '/v1/orders', headers: { 'x-api-key': KEYS.web, 'content-type': 'application/json', 'idempotency-key': `bench-order-${id}` }, body: JSON.stringify(orderBody(lines)) })
        .then((res) => (res.status === 202 ? placed++ : refused++));
    });
  }
  await clock.run({ limitMs: clock.now() + n * interval + 2 * 3_600_000, until: () => placed + refused === target && invoiced >= invoicedTarget && delivered >= deliveredTarget });
  await layer.flushEvents();
}

await batch(Math.min(500, total)); // warm-up: compile the contracts' validators, fill caches
const started = performance.now();
const cpu0 = process.cpuUsage();
await batch(total);
const wall = (performance.now() - started) / 1000;
const cpuUsed = process.cpuUsage(cpu0);
const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
const s = layer.stats();
const mem = process.memoryUsage();
process.stdout.write(
  [
    `orders: ${total} (after a warm-up of ${Math.min(500, total)}) at ${ratePerSecond}/virtual s; accepted ${placed}, refused ${refused} in all`,
    `delivered ${s.orders.delivered}, invoiced ${s.orders.invoiced}, ERP sales orders ${erp.salesOrders.length}, goods issues ${erp.goodsIssues.length}, invoices ${erp.invoices.length}`,
    `canonical events published ${canonical}, outbox backlog ${s.outbox.backlog}, exceptions ${s.exceptions.depth}`,
    `virtual time ${((clock.now() - Date.UTC(2026, 0, 5, 8)) / 3_600_000).toFixed(1)} h, timers fired ${clock.firedCount()}`,
    `wall ${wall.toFixed(2)} s → ${(total / wall).toFixed(0)} orders/wall-second (full order-to-cash, layer + fakes), ${((wall * 1e6) / total).toFixed(0)} µs per order`,
    `cpu ${cpu.toFixed(2)} s → ${(total / cpu).toFixed(0)} orders/cpu-second, ${((cpu * 1e6) / total).toFixed(0)} µs of CPU per order (the machine is shared: CPU time is the fairer figure)`,
    `heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`,
    '',
  ].join('\n'),
);
layer.stop();
