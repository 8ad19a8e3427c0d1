import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import type { BusMessage, Delivery, HttpRequest, HttpResponse, Transport } from '../../runtime/ports.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import { FaultInjector } from '../../simulators/faults/injector.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';

/** A small simulated world with faults: an ERP and two WMS that record what reached them. */
export function faultWorld(faults: FaultSpec[], seed = 7) {
  const clock = new VirtualClock();
  const injector = new FaultInjector({ faults }, { clock, random: new SeededRandom(seed).fork('faults') });
  const received: Array<{ target: string; req: HttpRequest; at: number }> = [];
  const answer =
    (target: string) =>
    async (req: HttpRequest): Promise<HttpResponse> => {
      received.push({ target, req, at: clock.now() });
      return {
        status: 201,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ salesOrderNumber: 'SO-1', status: 'booked', bookedAt: '2026-01-05T08:00:00Z', lines: [{ lineNumber: 1, qty: 2 }], created_ms: 1767600000000 }),
      };
    };
  const inner = new InProcessTransport().register('erp', answer('erp')).register('wms@DC-EAST', answer('wms@DC-EAST')).register('wms@DC-WEST', answer('wms@DC-WEST'));
  const transport: Transport = injector.wrapTransport(inner);
  const bus = injector.wrapBus(new InProcessBus(clock));
  const delivered: Array<Delivery & { at: number }> = [];
  for (const channel of ['wms.shipment', 'wms.inventory', 'carrier.tracking']) {
    bus.subscribe(channel, 'test', async (d) => void delivered.push({ ...d, at: clock.now() }));
  }
  const book = (headers: Record<string, string> = {}, signal?: AbortSignal) =>
    transport.send('erp', { method: 'POST', path: '/sales-orders', headers: { 'content-type': 'application/json', ...headers }, body: '{"externalReference":"o-1"}' }, signal ? { signal } : {});
  const credit = () => transport.send('erp', { method: 'POST', path: '/customers/C-100/credit-check', headers: { 'content-type': 'application/json' }, body: '{}' });
  const message = (id: string, key: string, channel = 'wms.shipment', body: unknown = { eventId: id }, headers: Record<string, string> = {}): BusMessage => ({
    id,
    key,
    channel,
    headers: { 'content-type': 'application/json', source: 'wms@DC-EAST', ...headers },
    body: JSON.stringify(body),
  });
  return { clock, injector, transport, bus, received, delivered, book, credit, message, startMs: clock.now() };
}

/** Settles a promise into a value or an error, without unhandled rejections. */
export async function outcome<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}
