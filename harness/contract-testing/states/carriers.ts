// Provider states of the carriers (providers `carrier-swift`, `carrier-pelican`).
import type { PelicanSimulator, SwiftSimulator } from '../../../simulators/carriers/index.ts';
import type { StateDefinition } from '../provider-states.ts';
import { maintenanceWindow, type StateTarget } from './support.ts';

export function swiftStates(target: StateTarget<SwiftSimulator>): StateDefinition[] {
  return [maintenanceWindow(target, 'SwiftShip is in a maintenance window', 'carrier-swift', { retryAfter: '60s' })];
}

/** Pelican announces Retry-After as an HTTP-date. */
export function pelicanStates(target: StateTarget<PelicanSimulator>): StateDefinition[] {
  return [maintenanceWindow(target, 'Pelican is in a maintenance window', 'carrier-pelican', { retryAfter: '90s', retryAfterFormat: 'http-date' })];
}
