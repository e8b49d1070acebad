import type { AnyStateMachine } from 'xstate';
import type { SystemActorName } from './actor';
import type { ValidationIssue } from './engine-error';

/** A class whose instances class-validator checks (payloads and start inputs). */
export type PayloadClass = new () => object;

/**
 * Who must act in a waiting state (`meta.responsible`), and so whom a missed
 * deadline names and who is told next.
 */
export type ResponsibleParty =
  /** Anyone holding the role, e.g. `chief` (the bureau chief, 主要领导), `office`, `dutyOfficer`. */
  | { role: string }
  /** A working group: `coordination`, `prevention`, `publicity`, `logistics`, or `leadership`. */
  | { group: string }
  /** A person named in the case context, by dotted path (e.g. `applicant.id`, `reviewer.id`). */
  | { person: string };

/**
 * A waiting state's deadline: an ISO-8601 duration from entering the state
 * (`PT8H`), or a time taken from the context (dotted path to an ISO instant)
 * plus an optional grace duration.
 */
export type DeadlineSpec = string | { at: string; plus?: string };

/** What a waiting state declares in its XState `meta`. */
export interface WaitingStateMeta {
  deadline?: DeadlineSpec;
  responsible?: ResponsibleParty;
  /** Chinese label for the console. */
  label?: string;
}

/** One way to be allowed to send an event. Any matching rule allows it. */
export type PolicyRule =
  /** `notSubject`: not when the actor is the person the case is about (no one assigns their own reviewer). */
  | { role: string; notSubject?: true }
  | { group: string; notSubject?: true }
  /** The person the case is about (the applicant, the returnee): see `WorkflowDefinition.subjectOf`. */
  | { subject: true }
  /** Whoever the current state's `meta.responsible` names. */
  | { responsible: true }
  /** One of the engine's own actors; no user can match this. */
  | { system: SystemActorName };

/**
 * Something outside the case that the runtime must look up before a start and
 * hand in as `StartCommand.facts[key]`. The engine records the answer in the
 * CASE_STARTED data, so a replay never looks it up again.
 */
export type FactRequest =
  /** The risk-area register's current entry for a place: `{ level: 'low'|'medium'|'high'|'unknown', asOf: ISO | null }`. */
  { key: string; kind: 'riskArea'; placeCode: string };

/**
 * Who may send each event type, by type (a key of `WorkflowDefinition.events`).
 * An event without rules can be sent by nobody. Who may open a case is
 * `WorkflowDefinition.startPolicy`, so every name is free for events
 * (supervisionInspection's `START`).
 */
export type Policy = Record<string, PolicyRule[]>;

/**
 * One version of one process. Registered in the workflow registry; a case
 * replays and advances on the version it started on.
 */
export interface WorkflowDefinition<TContext = any> {
  /** camelCase, no '-': it is the stream category (`leaveApproval-<caseId>`). */
  process: string;
  version: number;
  /** Chinese title for the console, e.g. 外出审批. */
  title: string;
  /**
   * Built with `setup({ actions: { ...effectActions } })`; reads time only
   * from `event.occurredAt` / `input.occurredAt`. Keep the context under 20
   * top-level keys (group the rest): XState's `assign` copies it with
   * Object.assign, and V8 turns a copy with 20+ properties into a slow
   * dictionary-mode object, making every transition and replay ~5x slower.
   */
  machine: AnyStateMachine;
  /** class-validator class for the start input. */
  startInput: PayloadClass;
  /** One class-validator class per event type a user or system may send. */
  events: Record<string, PayloadClass>;
  /** Who may open a case. Only `role`, `group` and `system` rules can match: there is no case yet. */
  startPolicy: PolicyRule[];
  /** Who may send each event. */
  policy: Policy;
  /** The person the case is about, for `{ subject: true }` rules and read scope. */
  subjectOf(context: TContext): string | undefined;
  /**
   * Everyone else the case names who works on it (inspectors, a reviewer, the
   * head ordered to rectify): read scope lets them read the case they act on.
   */
  involvedOf?(context: TContext): string[];
  /**
   * Cross-field checks on the validated start input that class-validator
   * cannot express (returnAt after departAt, departAt not before `occurredAt`).
   * Any issue makes the start a `CASE.INVALID_PAYLOAD` error, never a refusal.
   */
  validateStart?(input: any, occurredAt: string): ValidationIssue[];
  /**
   * Checks of an event's validated data that class-validator cannot express
   * because they need the case or the event's time (a deadline in the future,
   * a reviewer who is not the subject). Run by `decide` after class-validator
   * and before the policy; any issue makes the command a `CASE.INVALID_PAYLOAD`
   * error (400), never a `CASE.EVENT_NOT_ALLOWED`. Must be pure: time only
   * from `occurredAt`. Not run on replay (the data was accepted once).
   */
  validateEvent?(type: string, data: any, context: TContext, occurredAt: string): ValidationIssue[];
  /** Facts the runtime must look up before a start (see {@link FactRequest}). */
  startFacts?(input: any): FactRequest[];
  /**
   * Per-deployment deadline overrides by state key (dotted state path),
   * taking precedence over `meta.deadline`. Set by the registry from the
   * deployment's configuration; a definition leaves it out. They apply to
   * cases opened from then on: a case records the deadlines it was opened
   * under (CASE_STARTED `metadata.deadlines`) and keeps them.
   */
  deadlines?: Readonly<Record<string, DeadlineSpec>>;
}
