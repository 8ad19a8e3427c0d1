// Provider states for a served simulator: the state handlers of its system, and the faults they
// switch on (maintenance windows) in front of its handler. `faultline sim` serves the route at
// `/_faultline/provider-states`; tests serve the same thing in-process with `serveSimulator`.
//
//   const contract = simulatorProviderStates(erp, { system: 'erp', clock, random: random.fork('provider-states') });
//   routes.add('POST', PROVIDER_STATES_PATH, contract.route).add('GET', PROVIDER_STATES_PATH, contract.route);
//   serveHandler(routes.wrap(contract.wrap(erp.handler)));
import type { Clock, HttpHandler, HttpRequest, HttpResponse, Random } from '../../runtime/ports.ts';
import { PelicanSimulator, SwiftSimulator } from '../../simulators/carriers/index.ts';
import { ErpSimulator } from '../../simulators/erp/index.ts';
import { FaultInjector } from '../../simulators/faults/index.ts';
import { withProblemInstance } from '../../simulators/shared/service.ts';
import { WmsSimulator } from '../../simulators/wms/index.ts';
import { ProviderStates, type StateDefinition } from './provider-states.ts';
import { pelicanStates, swiftStates } from './states/carriers.ts';
import { erpStates } from './states/erp.ts';
import type { StateTarget } from './states/support.ts';
import { wmsStates } from './states/wms.ts';

export type ServedSimulator = ErpSimulator | WmsSimulator | SwiftSimulator | PelicanSimulator;

export interface SimulatorProviderStates {
  states: ProviderStates;
  /** The state-change endpoint (POST) and the list of states (GET). */
  route: (request: HttpRequest) => Promise<HttpResponse>;
  /** The simulator's handler with the states' faults in front (put it inside the /_faultline routes). */
  wrap(handler: HttpHandler): HttpHandler;
}

export function simulatorProviderStates(simulator: ServedSimulator, options: { system: string; clock: Clock; random: Random }): SimulatorProviderStates {
  const faults = new FaultInjector([], { clock: options.clock, random: options.random });
  const target = <Sim>(sim: Sim): StateTarget<Sim> => ({ simulator: sim, call: (simulator as { handler: HttpHandler }).handler, faults, system: options.system });
  let definitions: StateDefinition[];
  let provider: string;
  if (simulator instanceof ErpSimulator) [provider, definitions] = ['erp', erpStates(target(simulator))];
  else if (simulator instanceof WmsSimulator) [provider, definitions] = ['wms', wmsStates(target(simulator))];
  else if (simulator instanceof SwiftSimulator) [provider, definitions] = ['carrier-swift', swiftStates(target(simulator))];
  else [provider, definitions] = ['carrier-pelican', pelicanStates(target(simulator))];
  const states = new ProviderStates(provider, definitions);
  return {
    states,
    route: states.route(),
    wrap: (handler) => withProblemInstance(faults.wrapHandler(options.system, handler)),
  };
}
