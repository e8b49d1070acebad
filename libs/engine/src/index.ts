/**
 * The pure case engine: definitions and their registry, start/decide, timer
 * firing and effect outcomes, fold (replay), the hash chain and its
 * verification, policy, and process descriptions. No framework, no I/O, no
 * clock: time and ids come in with each command.
 */
export * from './actor';
export * from './canonical-json';
export * from './case-event';
export * from './case-snapshot';
export * from './case-spec';
export * from './case-state';
export * from './deadlines';
export * from './decide';
export * from './describe';
export * from './effect-outcomes';
export * from './effects';
export * from './engine-error';
export * from './escalation';
export type { CommandEnvelope, Decision } from './event-builder';
export * from './fold';
export * from './hash-chain';
export {
  activeStateKeys,
  deadlineDueAt,
  getPath,
  type HeldBy,
  leafStateKeys,
  type MachineInfo,
  machineInfo,
  resolveResponsible,
  type StateInfo,
} from './machine-info';
export { payloadIssues, validatePayload } from './payload-validation';
export * from './policy';
export * from './registry';
export * from './replay-transition';
export * from './time';
export * from './timer-firing';
export * from './validators';
export * from './verify-replay';
export * from './workflow-definition';
