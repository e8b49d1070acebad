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
  | { role: string }
  | { group: string }
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

/** `START` names who may open a case; every other key is an event type. */
export type Policy = { START: PolicyRule[] } & Record<string, PolicyRule[]>;

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
  policy: Policy;
  /** The person the case is about, for `{ subject: true }` rules and read scope. */
  subjectOf(context: TContext): string | undefined;
  /**
   * Cross-field checks on the validated start input that class-validator
   * cannot express (returnAt after departAt, departAt not before `occurredAt`).
   * Any issue makes the start a `CASE.INVALID_PAYLOAD` error, never a refusal.
   */
  validateStart?(input: any, occurredAt: string): ValidationIssue[];
  /** Facts the runtime must look up before a start (see {@link FactRequest}). */
  startFacts?(input: any): FactRequest[];
  /**
   * Per-deployment deadline overrides by state key (dotted state path),
   * taking precedence over `meta.deadline`. Set by the registry from the
   * deployment's configuration; a definition leaves it out.
   */
  deadlines?: Readonly<Record<string, DeadlineSpec>>;
}
