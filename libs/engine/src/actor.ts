/**
 * Who did something. Recorded in every event's metadata as it was at that
 * moment (roles and unit can change later; the history must not).
 */
export interface Actor {
  id: string;
  /** Display name (Chinese in the demo organisation). */
  name: string;
  roles: string[];
  unit?: string;
  /** Working groups (coordination, prevention, publicity, logistics) and the leadership group. */
  groups?: string[];
  /** System actors are the engine's own (timers, effect workers, the risk register); no user can be one. */
  kind: 'user' | 'system';
}

/** The engine's own actors. Their ids start with `system:`; user ids never do. */
export const SYSTEM_ACTORS = {
  timer: { id: 'system:timer', name: '系统定时器', roles: ['system'], kind: 'system' },
  effects: { id: 'system:effects', name: '系统任务执行器', roles: ['system'], kind: 'system' },
  register: { id: 'system:register', name: '风险地区登记', roles: ['system'], kind: 'system' },
} as const satisfies Record<string, Actor>;

export type SystemActorName = keyof typeof SYSTEM_ACTORS;

export function isSystemActor(actor: Actor): boolean {
  return actor.kind === 'system' && actor.id.startsWith('system:');
}
