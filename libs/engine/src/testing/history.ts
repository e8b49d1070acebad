import type { Actor } from '../actor';
import type { CaseEvent } from '../case-event';
import type { CaseState } from '../case-state';
import { decide, start } from '../decide';
import type { Decision } from '../event-builder';
import { fireTimer } from '../timer-firing';
import type { WorkflowDefinition } from '../workflow-definition';
import { at, clerk, demoInput, uuid } from './demo-workflow';

/**
 * Builds a case history step by step the way the runtime would (decide,
 * then "append"), keeping the events as the store would return them.
 */
export class History {
  readonly events: CaseEvent[] = [];
  state!: CaseState;
  private n = 0;

  constructor(readonly def: WorkflowDefinition) {}

  nextId(): string {
    this.n += 1;
    return uuid(this.n);
  }

  start(minute = 0, input: unknown = demoInput, actor: Actor = clerk): Decision {
    return this.accept(start(this.def, { caseId: 'c1', input, actor, occurredAt: at(minute), eventId: this.nextId() }));
  }

  send(type: string, data: unknown, actor: Actor, minute: number): Decision {
    return this.accept(
      decide(this.def, this.state, { type, data, actor, occurredAt: at(minute), eventId: this.nextId() }),
    );
  }

  fire(select: (timer: CaseState['armedTimers'][string]) => boolean, minute?: number): Decision | null {
    const timer = Object.values(this.state.armedTimers).find(select);
    if (!timer) throw new Error('no such armed timer');
    const decision = fireTimer(this.def, this.state, timer.id, {
      eventId: this.nextId(),
      occurredAt: minute === undefined ? timer.dueAt : at(minute),
    });
    return decision ? this.accept(decision) : null;
  }

  accept(decision: Decision): Decision {
    this.events.push(JSON.parse(JSON.stringify(decision.event)));
    this.state = decision.state;
    return decision;
  }

  /** The events as a store returns them: parsed JSON with revisions. */
  stored(): Array<CaseEvent & { revision: bigint }> {
    return this.events.map((event, i) => ({ ...JSON.parse(JSON.stringify(event)), revision: BigInt(i) }));
  }
}
