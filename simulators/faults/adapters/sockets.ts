import type { FastifyInstance } from 'fastify';
import { CONNECTION_FAULT_HEADER } from '../injector.ts';

/**
 * A `setup` for runtime/http's serveHandler that carries out connection faults decided by
 * `FaultInjector#wrapHandler(system, handler, { sockets: true })`: an answer marked `close` closes
 * the connection without a byte of the answer (a refused call), one marked `reset` resets it (an
 * answer lost after the work was done).
 *
 * @example
 *   await serveHandler(injector.wrapHandler('erp', erp.handler, { sockets: true }), { port, setup: socketFaults });
 */
export function socketFaults(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const action = reply.getHeader(CONNECTION_FAULT_HEADER);
    if (action === 'reset') request.raw.socket.resetAndDestroy();
    else if (action === 'close') request.raw.socket.destroy();
    done(null, payload);
  });
}
