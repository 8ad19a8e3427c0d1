/** The open-model HTTP load driver and the highest-sustainable-rate search built on it. */
export { runLoad, formatLoadReport, type LoadOptions, type LoadReport, type LoadRequest, type LatencySummary } from './driver.ts';
export { findMaxRate, unsustainedBecause, type FindMaxRateOptions, type MaxRateResult, type RateStep } from './find-max.ts';
