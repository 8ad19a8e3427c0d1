export { StorefrontWorkload, WORKLOAD_DEFAULTS } from './workload.ts';
export type { WorkloadObserver, WorkloadOperation, WorkloadOperationKind, WorkloadOptions, WorkloadOutcome, WorkloadPorts, WorkloadStats } from './workload.ts';
export { checkProfile, expectedArrivals, maxRate, PEAK_DAY_SHAPE, rateAt } from './profile.ts';
export type { RateProfile } from './profile.ts';
