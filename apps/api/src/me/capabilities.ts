import { type Actor, type PolicyRule, type WorkflowDefinition, mayStart } from '@app/engine';

/** When an actor may send an event: by role or group in any case, or only in cases that name them. */
export type Standing = 'always' | 'asSubject' | 'asResponsible';

export interface ProcessCapabilities {
  process: string;
  title: string;
  start: boolean;
  events: { type: string; when: Standing[] }[];
}

function standingsFor(rules: readonly PolicyRule[], actor: Actor): Standing[] {
  const standings = new Set<Standing>();
  for (const rule of rules) {
    if ('role' in rule && actor.roles.includes(rule.role)) standings.add('always');
    else if ('group' in rule && (actor.groups ?? []).includes(rule.group)) standings.add('always');
    else if ('subject' in rule) standings.add('asSubject');
    else if ('responsible' in rule) standings.add('asResponsible');
  }
  return standings.has('always') ? ['always'] : [...standings];
}

/**
 * What `GET /me` says the caller may do, per process: open a case, and send
 * which events (always, or only in cases where they are the subject or the
 * responsible party). Read-only callers may do nothing.
 */
export function capabilitiesOf(
  defs: readonly WorkflowDefinition[],
  actor: Actor,
  readOnly: boolean,
): ProcessCapabilities[] {
  return defs.map((def) => ({
    process: def.process,
    title: def.title,
    start: !readOnly && mayStart(def, actor),
    events: readOnly
      ? []
      : Object.entries(def.policy)
          .map(([type, rules]) => ({ type, when: standingsFor(rules, actor) }))
          .filter((e) => e.when.length > 0),
  }));
}
