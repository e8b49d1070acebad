import type { Recipient } from './effects';
import type { HeldBy } from './machine-info';

/**
 * The plan's chain of command (二、组织领导): staff → unit head → deputy →
 * chief; the office and every working group answer to the leadership group's
 * leader, the chief; the chief's own misses go to the leadership group.
 */
const NEXT_ROLE: Readonly<Record<string, string>> = {
  staff: 'unitHead',
  retiree: 'unitHead',
  unitHead: 'deputy',
  deputy: 'chief',
};

/**
 * Who is told when `heldBy` misses a deadline. Symbolic: the directory in the
 * runtime resolves it to people (`unitHeadOf` → the head of that person's unit).
 */
export function escalationTarget(heldBy: HeldBy): Recipient {
  if ('person' in heldBy) return { unitHeadOf: heldBy.person };
  if ('group' in heldBy) return heldBy.group === 'leadership' ? { group: 'leadership' } : { role: 'chief' };
  if (heldBy.role === 'chief') return { group: 'leadership' };
  return { role: NEXT_ROLE[heldBy.role] ?? 'chief' };
}
