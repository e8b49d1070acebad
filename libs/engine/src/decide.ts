import type { Actor } from './actor';
import { ENGINE_EVENT_TYPES, type MachineEvent } from './case-event';
import type { CaseState } from './case-state';
import { buildStarted, buildTransition, type CommandEnvelope, type Decision } from './event-builder';
import { EngineError } from './engine-error';
import { invalidPayload, validatePayload } from './payload-validation';
import { acceptedEvents, isAllowed, mayStart } from './policy';
import { parseInstant, requireInstant } from './time';
import type { FactRequest, WorkflowDefinition } from './workflow-definition';

/** Open a case. */
export interface StartCommand extends CommandEnvelope {
  /** The new case's id (the stream is `<process>-<caseId>`). */
  caseId: string;
  /** The user's start input, checked against `def.startInput`. */
  input: unknown;
  /**
   * Answers to `def.startFacts(input)`, by key, looked up by the runtime
   * (e.g. `destinationRisk` from the risk-area register). Recorded in the
   * CASE_STARTED data next to the input.
   */
  facts?: Record<string, unknown>;
}

/** Send an event to a case. */
export interface CaseCommand extends CommandEnvelope {
  type: string;
  data?: unknown;
}

/**
 * Opens a case: validates the input (class-validator, then
 * `def.validateStart`), checks `def.startPolicy`, merges the facts and runs
 * XState's pure `initialTransition`. Nothing is executed; effects and timers
 * are in the returned event's metadata, and the deadlines the case will run
 * under (this deployment's, now) in `metadata.deadlines`.
 *
 * @throws EngineError `CASE.INVALID_PAYLOAD`, `CASE.FORBIDDEN`, `ENGINE.MISSING_FACT`.
 */
export function start(def: WorkflowDefinition, cmd: StartCommand): Decision {
  const input = validatePayload<Record<string, unknown>>(def.startInput, cmd.input, `${def.process} start input`);
  requireInstant(cmd.occurredAt, 'occurredAt');
  const crossIssues = def.validateStart?.(input, cmd.occurredAt) ?? [];
  if (crossIssues.length > 0) throw invalidPayload(`${def.process} start input`, crossIssues);
  if (!mayStart(def, cmd.actor)) {
    throw new EngineError('CASE.FORBIDDEN', `${describeActor(cmd.actor)} may not open a ${def.process} case`);
  }
  const data = { ...input, ...startFacts(def, input, cmd.facts) };
  return buildStarted(def, cmd.caseId, data, cmd);
}

/**
 * Turns a command into the next event of a case, checking in this order:
 * known event type (`CASE.UNKNOWN_EVENT_TYPE`), permission
 * (`CASE.FORBIDDEN`), a closed case (`CASE.EVENT_NOT_ALLOWED`, nothing
 * allowed), payload: class-validator, then `def.validateEvent` against the
 * case and the time (`CASE.INVALID_PAYLOAD`), and whether the state takes the
 * event, guards included (`CASE.EVENT_NOT_ALLOWED`, with the events the
 * state accepts). Then XState's pure `transition`.
 *
 * `caseState` must have been folded on `def` (the case's own version).
 */
export function decide(def: WorkflowDefinition, caseState: CaseState, cmd: CaseCommand): Decision {
  assertSameVersion(def, caseState);
  const payloadClass = ENGINE_EVENT_TYPES.has(cmd.type) ? undefined : def.events[cmd.type];
  if (!payloadClass || !Object.hasOwn(def.events, cmd.type)) {
    throw new EngineError('CASE.UNKNOWN_EVENT_TYPE', `${def.process} has no event ${JSON.stringify(cmd.type)}`, {
      known: Object.keys(def.events),
    });
  }
  // Permission first: someone who may not act learns nothing of the case (not even that it is closed).
  if (!isAllowed(def, caseState, cmd.type, cmd.actor)) {
    throw new EngineError('CASE.FORBIDDEN', `${describeActor(cmd.actor)} may not send ${cmd.type} to this case`);
  }
  if (caseState.status !== 'active') throw notAllowed(def, caseState, cmd.type);
  const data = validatePayload(payloadClass, cmd.data, `${cmd.type} payload`);
  requireInstant(cmd.occurredAt, 'occurredAt');
  const issues = def.validateEvent?.(cmd.type, data, caseState.context, cmd.occurredAt) ?? [];
  if (issues.length > 0) throw invalidPayload(`${cmd.type} payload`, issues);
  const machineEvent: MachineEvent = {
    type: cmd.type,
    data,
    occurredAt: cmd.occurredAt,
    actor: cmd.actor,
    eventId: cmd.eventId,
  };
  if (!canTake(caseState, machineEvent)) throw notAllowed(def, caseState, cmd.type);
  return buildTransition(def, caseState, cmd.type, data, cmd);
}

function notAllowed(def: WorkflowDefinition, caseState: CaseState, type: string): EngineError {
  const closed = caseState.status !== 'active';
  return new EngineError(
    'CASE.EVENT_NOT_ALLOWED',
    `${type} is not allowed in state ${JSON.stringify(caseState.state)}${closed ? ' (the case is closed)' : ''}`,
    { allowed: acceptedEvents(def, caseState), state: caseState.state },
  );
}

/**
 * `snapshot.can`, with a guard that throws counted as "cannot", and nothing
 * taken once the case is done: XState still answers `true` for a root-level
 * `on` handler after the machine reached a final state.
 */
export function canTake(caseState: CaseState, event: MachineEvent): boolean {
  if (caseState.status !== 'active') return false;
  try {
    return caseState.snapshot.can(event);
  } catch {
    return false;
  }
}

/** @internal shared with timer firing and effect outcomes. */
export function assertSameVersion(def: WorkflowDefinition, caseState: CaseState): void {
  if (caseState.process !== def.process || caseState.version !== def.version) {
    throw new EngineError(
      'ENGINE.CORRUPT_HISTORY',
      `The case is ${caseState.process} v${caseState.version}, the definition ${def.process} v${def.version}`,
    );
  }
}

function startFacts(
  def: WorkflowDefinition,
  input: Record<string, unknown>,
  given: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  for (const request of def.startFacts?.(input) ?? []) {
    const value = given?.[request.key];
    const problem = factProblem(request, value);
    if (problem) {
      throw new EngineError('ENGINE.MISSING_FACT', `Fact "${request.key}" (${request.kind}): ${problem}`, { request });
    }
    if (Object.hasOwn(input, request.key)) {
      throw new EngineError('ENGINE.INVALID_DEFINITION', `Fact "${request.key}" would overwrite an input field`);
    }
    facts[request.key] = JSON.parse(JSON.stringify(value));
  }
  return facts;
}

const RISK_LEVELS = new Set(['low', 'medium', 'high', 'unknown']);

function factProblem(request: FactRequest, value: unknown): string | undefined {
  if (value === undefined) return 'not supplied by the runtime';
  if (request.kind === 'riskArea') {
    const risk = value as { level?: unknown; asOf?: unknown };
    if (typeof risk !== 'object' || risk === null) return 'expected { level, asOf }';
    if (!RISK_LEVELS.has(risk.level as string)) return 'level must be low, medium, high or unknown';
    if (risk.asOf !== null && parseInstant(risk.asOf) === undefined) return 'asOf must be an ISO instant or null';
  }
  return undefined;
}

function describeActor(actor: Actor): string {
  return `${actor.name} (${actor.id})`;
}
