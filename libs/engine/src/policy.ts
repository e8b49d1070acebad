import { type Actor, SYSTEM_ACTORS } from './actor';
import type { CaseState } from './case-state';
import { activeStateKeys, getPath, machineInfo } from './machine-info';
import type { PolicyRule, ResponsibleParty, WorkflowDefinition } from './workflow-definition';

/**
 * May `actor` open a case of this definition (`def.startPolicy`)? Any
 * matching rule allows; `subject` and `responsible` rules never match, as
 * there is no case yet.
 */
export function mayStart(def: WorkflowDefinition, actor: Actor): boolean {
  return def.startPolicy.some((rule) => ruleMatches(def, undefined, rule, actor));
}

/**
 * May `actor` send `eventType` to this case (`def.policy[eventType]`)? Any
 * matching rule allows; no rule, no permission. Says nothing about whether
 * the state accepts the event: see {@link allowedEventsFor}.
 */
export function isAllowed(def: WorkflowDefinition, caseState: CaseState, eventType: string, actor: Actor): boolean {
  const rules = Object.hasOwn(def.policy, eventType) ? def.policy[eventType] : undefined;
  if (!rules || rules.length === 0) return false;
  return rules.some((rule) => ruleMatches(def, caseState, rule, actor));
}

function ruleMatches(
  def: WorkflowDefinition,
  caseState: CaseState | undefined,
  rule: PolicyRule,
  actor: Actor,
): boolean {
  if ('system' in rule) return actor.kind === 'system' && actor.id === SYSTEM_ACTORS[rule.system].id;
  // Roles and groups are a user's; a system actor matches only `system` rules.
  if (actor.kind !== 'user') return false;
  if ('role' in rule || 'group' in rule) {
    const held = 'role' in rule ? actor.roles.includes(rule.role) : (actor.groups?.includes(rule.group) ?? false);
    if (!held) return false;
    return !(rule.notSubject && caseState && def.subjectOf(caseState.context) === actor.id);
  }
  if (!caseState) return false;
  if ('subject' in rule) return def.subjectOf(caseState.context) === actor.id;
  return currentResponsible(def, caseState).some((party) => partyMatches(party, caseState.context, actor));
}

function partyMatches(party: ResponsibleParty, context: unknown, actor: Actor): boolean {
  if ('role' in party) return actor.roles.includes(party.role);
  if ('group' in party) return actor.groups?.includes(party.group) ?? false;
  return getPath(context, party.person) === actor.id;
}

/** The `meta.responsible` of every active state (innermost last). */
export function currentResponsible(def: WorkflowDefinition, caseState: CaseState): ResponsibleParty[] {
  const { states } = machineInfo(def);
  const parties: ResponsibleParty[] = [];
  for (const key of activeStateKeys(caseState.state)) {
    const responsible = states.get(key)?.responsible;
    if (responsible) parties.push(responsible);
  }
  return parties;
}

/**
 * The definition's events the current state has a transition for (guards not
 * evaluated: a guard may still turn a command down). Empty once the case is
 * done, root-level handlers included: a closed case takes nothing.
 */
export function acceptedEvents(def: WorkflowDefinition, caseState: CaseState): string[] {
  if (caseState.status !== 'active') return [];
  const { states } = machineInfo(def);
  const accepted = new Set<string>();
  for (const key of activeStateKeys(caseState.state)) {
    for (const type of states.get(key)?.events ?? []) accepted.add(type);
  }
  // Root-level `on` applies in every state.
  for (const type of def.machine.root.ownEvents) accepted.add(type);
  return Object.keys(def.events).filter((type) => accepted.has(type));
}

/** What the console offers this actor (`nextEvents`): accepted in the current state AND permitted. */
export function allowedEventsFor(def: WorkflowDefinition, caseState: CaseState, actor: Actor): string[] {
  return acceptedEvents(def, caseState).filter((type) => isAllowed(def, caseState, type, actor));
}
