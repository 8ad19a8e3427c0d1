export { SwiftSimulator, SWIFT_DEFAULTS } from './swift.ts';
export type { CarrierPorts, CarrierTruth, LabelTruth, SwiftOperationId, SwiftOptions } from './swift.ts';
export { PelicanSimulator, PELICAN_DEFAULTS } from './pelican.ts';
export type { PelicanOperationId, PelicanOptions } from './pelican.ts';
export { planJourney, PUSH_DEFAULTS, TRANSIT_DEFAULTS } from './tracking.ts';
export type { Milestone, PushQuirks, TrackedEvent, TransitOptions } from './tracking.ts';
