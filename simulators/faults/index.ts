/**
 * faultline's fault model: one vocabulary (kinds.ts, fault-plan.schema.json), a loader that
 * reports every problem as `file:line:col: message` (plan.ts), one decision engine (fault-set.ts)
 * and its injectors: in-process (injector.ts) and the HTTP proxy (adapters/proxy/).
 */
export * from './kinds.ts';
export {
  loadFaultPlan,
  parseFaultPlan,
  planFromSource,
  checkFaultPlanValue,
  checkFaultList,
  checkFaultEntry,
  allowedFields,
  describeKinds,
  FaultPlanError,
  FAULT_PLAN_SCHEMA,
  FAULT_PLAN_SCHEMA_ID,
  FAULT_SCHEMA_ID,
  FAULTS_SCHEMA_ID,
  type CompiledFault,
  type FaultParams,
  type FaultPlan,
  type FaultPlanOptions,
  type FieldProblem,
  type Distribution,
} from './plan.ts';
export { FaultInjector, CONNECTION_FAULT_HEADER, type FaultInjectorOptions, type FaultPlanInput } from './injector.ts';
export { FaultSet, type CallInfo, type CallPlan, type MessagePlan, type FaultStatus, type ScheduledCrash } from './fault-set.ts';
export { parseTarget, checkTarget, channelMatches, TARGET_PATTERN, type FaultTarget } from './target.ts';
export { CHANNELS, knownSystems, contractOf, systemOf } from './catalog.ts';
