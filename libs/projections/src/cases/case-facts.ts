import {
  activeStateKeys,
  type CaseState,
  getPath,
  leafStateKeys,
  machineInfo,
  type WorkflowDefinition,
} from '@app/engine';
import type { StateValue } from 'xstate';

/** A responsible party with any person resolved to a user id. */
export interface PartyRef {
  kind: 'role' | 'group' | 'person';
  id: string;
}

/** Who or what a case is about, as far as its context says. */
export interface SubjectFacts {
  /** A user id (`def.subjectOf`). */
  id?: string;
  name?: string;
  /** A unit id or name as the case records it (the applicant's unit, the inspected unit or enterprise). */
  unit?: string;
}

/** Context keys under which the processes keep the person a case is about. */
const PERSON_KEYS = ['applicant', 'person', 'subject', 'subjectPerson', 'returnee', 'traveller', 'reviewee'];
/** Context keys under which a case names a unit or enterprise it is about (inspections). */
const UNIT_KEYS = ['subjectUnit', 'inspectedUnit', 'inspected', 'unit', 'target', 'enterprise'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function unitRef(value: unknown): string | undefined {
  if (typeof value === 'string') return text(value);
  if (isRecord(value)) return text(value.id) ?? text(value.unitId) ?? text(value.unit) ?? text(value.name);
  return undefined;
}

/**
 * The subject of a case: the id from the definition's `subjectOf`, the
 * name and unit from the object in the context that carries that id, two
 * levels deep at most (`request.applicant`); for a subject who is not a
 * user, such as a person named in a duty-line report, from the usual keys
 * (applicant, person, subject…); the unit, failing the person's, from a
 * unit the case is about (an inspection's `target`). Generic on purpose: a
 * new process needs no code here as long as it keeps its people as
 * `{ id?, name, unit? }` objects.
 */
export function subjectFacts(def: WorkflowDefinition, context: unknown): SubjectFacts {
  let id: string | undefined;
  try {
    id = text(def.subjectOf(context));
  } catch {
    id = undefined;
  }
  const objects = nestedObjects(context, 2);
  let holder: Record<string, unknown> | undefined;
  if (id !== undefined) {
    // The subject's own record (`applicant`) rather than a mere mention (`requestedBy`): by key, then by detail.
    const matches = objects.filter((entry) => entry.value.id === id);
    holder = (
      matches.find((entry) => PERSON_KEYS.includes(entry.key)) ??
      matches.find((entry) => entry.value.unit !== undefined) ??
      matches[0]
    )?.value;
  }
  if (!holder) {
    holder = objects.find((entry) => PERSON_KEYS.includes(entry.key) && text(entry.value.name) !== undefined)?.value;
  }
  let unit = unitRef(holder?.unit);
  if (unit === undefined) {
    for (const key of UNIT_KEYS) {
      const found = key === 'unit' ? undefined : objects.find((entry) => entry.key === key);
      unit = found ? unitRef(found.value) : isRecord(context) ? unitRef(context[key]) : undefined;
      if (unit !== undefined) break;
    }
  }
  const facts: SubjectFacts = {};
  if (id !== undefined) facts.id = id;
  const name = text(holder?.name);
  if (name !== undefined) facts.name = name;
  if (unit !== undefined) facts.unit = unit;
  return facts;
}

/** Objects in the context down to `depth` levels (`request.applicant`), outermost first, with their keys. */
function nestedObjects(context: unknown, depth: number): Array<{ key: string; value: Record<string, unknown> }> {
  const found: Array<{ key: string; value: Record<string, unknown> }> = [];
  let level: Array<Record<string, unknown>> = isRecord(context) ? [context] : [];
  for (let d = 0; d < depth && level.length > 0; d++) {
    const next: Array<Record<string, unknown>> = [];
    for (const parent of level) {
      for (const [key, value] of Object.entries(parent)) {
        if (!isRecord(value)) continue;
        found.push({ key, value });
        next.push(value);
      }
    }
    level = next;
  }
  return found;
}

/**
 * The responsible parties of every active state of a state value, persons
 * resolved against the context (a path that names nobody is left out).
 * The same rule as the runtime's read-scope summary.
 */
export function partiesOf(def: WorkflowDefinition, value: StateValue | null | undefined, context: unknown): PartyRef[] {
  if (value === null || value === undefined) return [];
  const { states } = machineInfo(def);
  const parties: PartyRef[] = [];
  const seen = new Set<string>();
  const add = (party: PartyRef) => {
    const key = `${party.kind}:${party.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      parties.push(party);
    }
  };
  for (const key of activeStateKeys(value)) {
    const responsible = states.get(key)?.responsible;
    if (!responsible) continue;
    if ('role' in responsible) add({ kind: 'role', id: responsible.role });
    else if ('group' in responsible) add({ kind: 'group', id: responsible.group });
    else {
      const person = getPath(context, responsible.person);
      if (typeof person === 'string' && person !== '') add({ kind: 'person', id: person });
    }
  }
  return parties;
}

/** Who must act now: the parties of the current states (none once the case is done). */
export function currentParties(def: WorkflowDefinition, state: CaseState): PartyRef[] {
  return state.status === 'active' ? partiesOf(def, state.state, state.context) : [];
}

/** The earliest armed deadline of a state the case is in, or undefined. */
export function currentDueAt(state: CaseState): string | undefined {
  if (state.status !== 'active') return undefined;
  const active = new Set(activeStateKeys(state.state));
  let due: string | undefined;
  for (const timer of Object.values(state.armedTimers)) {
    if (timer.kind !== 'deadline' || !active.has(timer.state)) continue;
    if (due === undefined || Date.parse(timer.dueAt) < Date.parse(due)) due = timer.dueAt;
  }
  return due;
}

/** The labels (`meta.label`) of the current leaf states, where the definition has them. */
export function stateLabels(def: WorkflowDefinition, value: StateValue): Record<string, string> {
  const { states } = machineInfo(def);
  const labels: Record<string, string> = {};
  for (const key of leafStateKeys(value)) {
    const label = states.get(key)?.label;
    if (label !== undefined) labels[key] = label;
  }
  return labels;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CASE_ID = /^[a-z][A-Za-z0-9]*-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A bare case uuid (what a machine's context calls `caseId`). */
export function isCaseUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A case reference: a public case id (`<process>-<uuid>`) or a bare case uuid. */
export function isCaseRef(value: unknown): value is string {
  return typeof value === 'string' && (CASE_ID.test(value) || UUID.test(value));
}

/**
 * Case references a start input carries to name the case that opened it
 * (`tripCaseId`, `sourceCaseId`, `source.caseId`…): string values under a
 * key ending in `CaseId`, or `caseId` inside a nested object, at most two
 * levels deep.
 */
export function sourceCaseRefs(data: unknown): string[] {
  const refs: string[] = [];
  const visit = (value: unknown, depth: number, nested: boolean) => {
    if (!isRecord(value) || depth > 2) return;
    for (const [key, inner] of Object.entries(value)) {
      const namesCase = /CaseId$/.test(key) || (nested && key === 'caseId');
      if (namesCase && isCaseRef(inner)) refs.push(inner);
      else if (isRecord(inner)) visit(inner, depth + 1, true);
    }
  };
  visit(data, 0, false);
  return refs;
}

/** The case a worker's `startCase` result names (`"<id>"`, `{ caseId }`, `{ id }`, `{ streamId }`), if any. */
export function openedCaseRef(result: unknown): string | undefined {
  if (isCaseRef(result)) return result;
  if (!isRecord(result)) return undefined;
  for (const key of ['caseId', 'streamId', 'id', 'childCaseId', 'openedCaseId']) {
    if (isCaseRef(result[key])) return result[key] as string;
  }
  return undefined;
}
