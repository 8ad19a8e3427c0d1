import pino, { type DestinationStream, type Logger } from 'pino';
import type { Clock } from '../../runtime/ports.ts';

export type { Logger } from 'pino';

/** What `createLayer` accepts as its logger: a pino logger, or where to write one. */
export type LoggerOption = Logger | { destination: DestinationStream; level?: string };

const isLogger = (o: LoggerOption): o is Logger => typeof (o as Logger).child === 'function';

/**
 * Structured JSON logs (pino). Silent unless a destination is given; timestamps come from the
 * Clock port so that simulated runs log simulated time.
 */
export function createLogger(clock: Clock, option?: LoggerOption): Logger {
  if (option && isLogger(option)) return option.child({ system: 'layer' });
  const options = { base: { system: 'layer' }, level: option ? (option.level ?? 'info') : 'silent', timestamp: () => `,"time":"${new Date(clock.now()).toISOString()}"` };
  return option ? pino(options, option.destination) : pino(options);
}
