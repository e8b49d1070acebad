import type { DirectoryService } from '@app/auth';
import type { Recipient } from '@app/engine';

export interface ResolvedRecipients {
  /** Person ids, sorted, without duplicates. */
  people: string[];
  /** Recipients that named nobody (an unknown person, a role no one holds). */
  unresolved: Recipient[];
}

/**
 * Turns a notify effect's symbolic recipients into people, with the directory
 * as it is now: a role (optionally within a unit), a group's members, a
 * person, or the next level above a person (`unitHeadOf`: their unit head, or
 * the supervising deputy / the chief when they are the head; the leadership
 * group when they are the chief).
 */
export function resolveRecipients(directory: DirectoryService, to: readonly Recipient[]): ResolvedRecipients {
  const people = new Set<string>();
  const unresolved: Recipient[] = [];
  for (const recipient of to) {
    const found = resolveOne(directory, recipient);
    if (found.length === 0) unresolved.push(recipient);
    for (const id of found) people.add(id);
  }
  return { people: [...people].sort(), unresolved };
}

function resolveOne(directory: DirectoryService, recipient: Recipient): string[] {
  if ('person' in recipient) return directory.byId(recipient.person) ? [recipient.person] : [];
  if ('group' in recipient) return directory.membersOfGroup(recipient.group).map((p) => p.id);
  if ('unitHeadOf' in recipient) {
    const person = directory.byId(recipient.unitHeadOf);
    if (!person) return [];
    const target = directory.escalationTarget({ person: person.id }, person.id);
    return target ? [target.person.id] : directory.membersOfGroup('leadership').map((p) => p.id);
  }
  if ('role' in recipient) {
    return directory
      .peopleWithRole(recipient.role)
      .filter((p) => recipient.unit === undefined || p.unit === recipient.unit)
      .map((p) => p.id);
  }
  return [];
}
