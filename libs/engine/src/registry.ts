import type { AnyStateNode } from 'xstate';
import {
  CASE_STARTED,
  DEADLINE_MISSED,
  ENGINE_EVENT_TYPES,
  type EventMetadata,
  type StoredEventLike,
} from './case-event';
import { assertDeadlineSpec } from './deadlines';
import { EngineError } from './engine-error';
import { machineInfo } from './machine-info';
import type { DeadlineSpec, WorkflowDefinition } from './workflow-definition';

/**
 * Per-deployment deadline overrides, `{ [process]: { [stateKey]: DeadlineSpec } }`
 * (the deployment's one configuration file). They apply to every version of
 * the process that has the state, for cases opened under them: a case
 * records its deadlines when it is opened and keeps them (see `CaseDeadlines`).
 */
export type DeadlineOverrides = Readonly<Record<string, Readonly<Record<string, DeadlineSpec>>>>;

const PROCESS_NAME = /^[a-z][A-Za-z0-9]*$/;

/**
 * Every version of every process. A case replays and advances on the version
 * it started on (`get(process, version)`); new cases start on `latest`.
 */
export class WorkflowRegistry {
  private readonly byProcess = new Map<string, Map<number, WorkflowDefinition>>();

  /** @param deadlineOverrides applied to each definition as it is registered (see {@link withDeadlines}). */
  constructor(private readonly deadlineOverrides: DeadlineOverrides = {}) {}

  /**
   * Adds one version. The registered object is a copy carrying this
   * deployment's deadline overrides (`def.deadlines`).
   *
   * @throws EngineError `ENGINE.INVALID_DEFINITION` (duplicate version, bad
   *   name, no start policy, a policy for an undeclared event, an engine event
   *   type, invoke, a deadline without a responsible party, a DEADLINE_MISSED
   *   handler that moves the case) or
   *   `ENGINE.INVALID_CONFIG` (a malformed override).
   */
  register(def: WorkflowDefinition): this {
    const effective = withDeadlines(def, this.deadlineOverrides[def.process] ?? {});
    validateDefinition(effective);
    let versions = this.byProcess.get(def.process);
    if (!versions) {
      versions = new Map();
      this.byProcess.set(def.process, versions);
    }
    if (versions.has(def.version)) {
      throw new EngineError('ENGINE.INVALID_DEFINITION', `${def.process} v${def.version} is already registered`);
    }
    versions.set(def.version, effective);
    return this;
  }

  /** The newest version: the one new cases start on. @throws EngineError `CASE.UNKNOWN_PROCESS` */
  latest(process: string): WorkflowDefinition {
    const versions = this.versionsOf(process);
    return versions.get(Math.max(...versions.keys()))!;
  }

  /** One version. @throws EngineError `CASE.UNKNOWN_PROCESS` or `CASE.UNKNOWN_VERSION` */
  get(process: string, version: number): WorkflowDefinition {
    const def = this.versionsOf(process).get(version);
    if (!def) {
      throw new EngineError('CASE.UNKNOWN_VERSION', `${process} has no version ${version}`, {
        process,
        versions: [...this.versionsOf(process).keys()],
      });
    }
    return def;
  }

  /** The version a stored case runs on, from its CASE_STARTED metadata. */
  forHistory(events: readonly StoredEventLike[]): WorkflowDefinition {
    const first = events[0];
    if (!first) throw new EngineError('CASE.NOT_FOUND', 'No such case');
    if (first.type !== CASE_STARTED) {
      throw new EngineError('ENGINE.CORRUPT_HISTORY', `The first event is ${first.type}, not ${CASE_STARTED}`);
    }
    const metadata = first.metadata as EventMetadata;
    return this.get(metadata.process, metadata.machineVersion);
  }

  /** `true` if the process has at least one version. */
  has(process: string): boolean {
    return this.byProcess.has(process);
  }

  /** Process names, sorted. */
  processes(): string[] {
    return [...this.byProcess.keys()].sort();
  }

  /** Every registered definition, by process then version. */
  list(): WorkflowDefinition[] {
    return this.processes().flatMap((process) =>
      [...this.byProcess.get(process)!.values()].sort((a, b) => a.version - b.version),
    );
  }

  /**
   * Override keys that match no state of any registered version of their
   * process (or a process that is not registered): a typo in the deployment's
   * file. Call after registering everything.
   *
   * @throws EngineError `ENGINE.INVALID_CONFIG` listing them.
   */
  assertOverridesUsed(): void {
    const unknown: string[] = [];
    for (const [process, states] of Object.entries(this.deadlineOverrides)) {
      const versions = this.byProcess.get(process);
      for (const state of Object.keys(states)) {
        const used = versions && [...versions.values()].some((def) => machineInfo(def).states.has(state));
        if (!used) unknown.push(`${process}.${state}`);
      }
    }
    if (unknown.length > 0) {
      throw new EngineError('ENGINE.INVALID_CONFIG', `Deadline overrides for unknown states: ${unknown.join(', ')}`, {
        unknown,
      });
    }
  }

  private versionsOf(process: string): Map<number, WorkflowDefinition> {
    const versions = this.byProcess.get(process);
    if (!versions) {
      throw new EngineError('CASE.UNKNOWN_PROCESS', `No process named ${JSON.stringify(process)}`, {
        known: this.processes(),
      });
    }
    return versions;
  }
}

/**
 * A copy of `def` whose deadlines are overridden where `overrides` names one
 * of its states (keys of states this version lacks are skipped here and
 * reported by `assertOverridesUsed`).
 *
 * @throws EngineError `ENGINE.INVALID_CONFIG` for a malformed duration.
 */
export function withDeadlines(
  def: WorkflowDefinition,
  overrides: Readonly<Record<string, DeadlineSpec>>,
): WorkflowDefinition {
  for (const [state, spec] of Object.entries(overrides)) assertDeadlineSpec(spec, `${def.process}.${state}`);
  if (Object.keys(overrides).length === 0) return def;
  const known = new Set<string>();
  collectKeys(def.machine.root, known);
  const applicable = Object.fromEntries(Object.entries(overrides).filter(([state]) => known.has(state)));
  if (Object.keys(applicable).length === 0) return def;
  return { ...def, deadlines: { ...def.deadlines, ...applicable } };
}

function collectKeys(node: AnyStateNode, into: Set<string>): void {
  for (const child of Object.values(node.states) as AnyStateNode[]) {
    into.add(child.path.join('.'));
    collectKeys(child, into);
  }
}

function validateDefinition(def: WorkflowDefinition): void {
  const fail = (message: string): never => {
    throw new EngineError('ENGINE.INVALID_DEFINITION', `${def.process} v${def.version}: ${message}`);
  };
  if (!PROCESS_NAME.test(def.process))
    fail('the process name must be camelCase letters and digits (a stream category)');
  if (!Number.isInteger(def.version) || def.version < 1) fail('the version must be a positive integer');
  if (!Array.isArray(def.startPolicy) || def.startPolicy.length === 0) {
    fail('startPolicy names nobody: no case could be opened');
  }
  for (const type of Object.keys(def.events)) {
    if (ENGINE_EVENT_TYPES.has(type) || type.startsWith('xstate.')) fail(`"${type}" is an engine event type`);
  }
  for (const type of Object.keys(def.policy ?? {})) {
    if (!Object.hasOwn(def.events, type)) {
      fail(`the policy names "${type}", which is not one of its events (who may open a case is startPolicy)`);
    }
  }
  const root = def.machine.root;
  if (root.invoke.length > 0) fail('the machine invokes an actor; use startCase/sendEvent effects');
  for (const handler of root.transitions.get(DEADLINE_MISSED) ?? []) {
    if (handler.target) fail(`the machine moves the case on ${DEADLINE_MISSED}; it may only act in place`);
  }
  for (const state of machineInfo(def).states.values()) {
    if (state.node.invoke.length > 0) fail(`state ${state.key} invokes an actor; use startCase/sendEvent effects`);
    if (state.deadline !== undefined) {
      assertDeadlineSpec(state.deadline, `${def.process}.${state.key}`);
      if (state.final) fail(`final state ${state.key} has a deadline`);
      if (!state.responsible) fail(`state ${state.key} has a deadline but no responsible party`);
    }
    for (const handler of state.node.transitions.get(DEADLINE_MISSED) ?? []) {
      if (handler.target) fail(`state ${state.key} moves the case on ${DEADLINE_MISSED}; it may only act in place`);
    }
  }
}
