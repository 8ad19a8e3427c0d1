import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { resolveService, type Service } from '../store/services.ts';

/**
 * NATS with JetStream for tests: `FAULTLINE_NATS_URL`, else nats://127.0.0.1:4222 when it answers,
 * else a testcontainers `nats -js` when Docker answers, else unavailable with the reason.
 */
export function natsService(): Promise<Service> {
  return resolveService({
    name: 'NATS',
    envVar: 'FAULTLINE_NATS_URL',
    defaultUrl: 'nats://127.0.0.1:4222',
    probe: async (url) => {
      const nc = await connect({ servers: url, timeout: 2000, reconnect: false });
      try {
        await (await jetstreamManager(nc)).getAccountInfo(); // JetStream enabled, not just core NATS
      } finally {
        await nc.close();
      }
    },
    container: async () => {
      const { GenericContainer, Wait } = await import('testcontainers');
      const started = await new GenericContainer('nats:2.10-alpine').withCommand(['-js']).withExposedPorts(4222).withWaitStrategy(Wait.forLogMessage(/Server is ready/)).start();
      return { url: `nats://${started.getHost()}:${started.getMappedPort(4222)}`, stop: async () => void (await started.stop()) };
    },
  });
}
