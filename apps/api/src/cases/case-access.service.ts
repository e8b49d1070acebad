import { Injectable } from '@nestjs/common';
import { DirectoryService } from '@app/auth/directory.service';
import { canReadCase, isReadOnly } from '@app/auth/read-scope';
import { type Actor, type CaseState, EngineError } from '@app/engine';
import type { RecordedEvent } from '@app/event-store';
import { CaseService, RuntimeError } from '@app/runtime';
import { summariseCase } from './case-summary';

/**
 * Read scope and read-only rules at the edge of the runtime: a case outside
 * the caller's scope is answered as not found (no probing ids), and auditors
 * change nothing.
 */
@Injectable()
export class CaseAccess {
  constructor(
    private readonly cases: CaseService,
    private readonly directory: DirectoryService,
  ) {}

  /** The case now, with its history, if the actor may read it. @throws `CASE.NOT_FOUND` otherwise. */
  async readable(actor: Actor, caseId: string): Promise<{ state: CaseState; events: RecordedEvent[] }> {
    const events = await this.cases.history(caseId);
    const state = this.cases.stateOf(events);
    const def = this.cases.definitionOf(state);
    if (!canReadCase(actor, this.directory, summariseCase(def, state, events, this.directory))) {
      throw new EngineError('CASE.NOT_FOUND', `No case ${caseId}`);
    }
    return { state, events };
  }

  /** @throws `CASE.READ_ONLY` for auditors. */
  assertMayWrite(actor: Actor): void {
    if (isReadOnly(actor)) {
      throw new RuntimeError('CASE.READ_ONLY', `${actor.name} (${actor.id}) has read-only access`);
    }
  }
}
