// Message pacts verified against the event producers: for each message a pact expects, the
// simulator that produces it publishes it through its own code path on a recording bus
// (harness/contract-testing/message-producers.ts), and the Pact verifier compares what it published.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageProviderPact, type MessageDescriptor } from '@pact-foundation/pact';
import { describe, expect, it } from 'vitest';
import { pelicanEventProducers, swiftEventProducers, wmsEventProducers, type MessageProducer, type MessageState } from '../../../harness/contract-testing/message-producers.ts';
import { VirtualClock } from '../../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../../runtime/random/seeded-random.ts';
import { FaultInjector } from '../../../simulators/faults/index.ts';
import { LAYER, pactFileName, PACTS_DIR } from '../support/pact.ts';

/** Every provider-state name a pact file uses (the producers read the states from the message descriptor). */
function stateNames(file: string): string[] {
  const pact = JSON.parse(readFileSync(file, 'utf8')) as { interactions: Array<{ providerStates?: Array<{ name: string }> }> };
  return [...new Set(pact.interactions.flatMap((i) => (i.providerStates ?? []).map((s) => s.name)))];
}

/** Verifies the committed message pact of `provider` against `producers`; resolves with the descriptions produced. */
async function verifyMessages(provider: string, producers: Record<string, MessageProducer>): Promise<string[]> {
  const file = join(PACTS_DIR, pactFileName(LAYER, provider));
  const produced: string[] = [];
  const messageProviders = Object.fromEntries(
    Object.entries(producers).map(([description, produce]) => [
      description,
      async (descriptor: MessageDescriptor) => {
        const { body, metadata } = await produce((descriptor.providerStates ?? []) as MessageState[]);
        produced.push(description);
        return { __pactMessageMetadata: metadata, message: body };
      },
    ]),
  );
  // States are read by the producers; the handlers only acknowledge them.
  const stateHandlers = Object.fromEntries(stateNames(file).map((name) => [name, async () => undefined]));
  await new MessageProviderPact({ provider, pactUrls: [file], messageProviders, stateHandlers, logLevel: 'error' }).verify();
  return produced.sort();
}

describe('every event producer honours the message pacts that name it', () => {
  const PROVIDERS: Record<string, Record<string, MessageProducer>> = {
    'wms-events': wmsEventProducers(),
    'carrier-swift-events': swiftEventProducers(),
    'carrier-pelican-events': pelicanEventProducers(),
  };
  for (const [provider, producers] of Object.entries(PROVIDERS)) {
    it(`${provider}: the simulator publishes what ${pactFileName(LAYER, provider)} expects`, async () => {
      expect(await verifyMessages(provider, producers)).toEqual(Object.keys(producers).sort());
    });
  }

  it('a WMS whose events drift (sku renamed to itemNumber on the wms channels) fails its message pact', async () => {
    const faults = new FaultInjector({ faults: [{ kind: 'schema-drift', target: 'events:wms', renames: { sku: 'itemNumber' } }] }, { clock: new VirtualClock(), random: new SeededRandom(1).fork('faults') });
    const drifting = wmsEventProducers({ wrapBus: (bus) => faults.wrapBus(bus) });
    const failure = await verifyMessages('wms-events', drifting).then(
      () => undefined,
      (error: unknown) => (error as Error).message,
    );
    expect(failure, 'the drifting WMS passed verification').toBeDefined();
    expect(failure).toMatch(/sku/);
  });
});
