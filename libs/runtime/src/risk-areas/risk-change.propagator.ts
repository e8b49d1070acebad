import { Inject, Injectable, Logger } from '@nestjs/common';
import { type CaseState, type EventMetadata, SYSTEM_ACTORS, activeStateKeys, isEngineError } from '@app/engine';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@app/event-store';
import { CaseService } from '../cases/case.service';
import { RISK_LEVEL_SET, type RiskLevelSet } from './risk-area';

/** The leave-approval states in which a destination's new risk level must reach the traveller. */
const WATCHED_STATES = new Set(['cleared', 'away']);
const LEAVE_PROCESS = 'leaveApproval';

/**
 * Carries a change in the risk-area register to the trips it concerns: every
 * leave case to that place that is cleared or away gets `RISK_LEVEL_CHANGED`
 * from `system:register` (the case flags itself and tells traveller and
 * office). Safe to run twice for the same register event: a case that already
 * knows the level is left alone.
 */
@Injectable()
export class RiskChangePropagator {
  private readonly logger = new Logger(RiskChangePropagator.name);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly cases: CaseService,
  ) {}

  /** @returns the ids of the cases told. */
  async propagate(registerEvent: RecordedEvent): Promise<string[]> {
    if (registerEvent.type !== RISK_LEVEL_SET) return [];
    const change = registerEvent.data as RiskLevelSet;
    const told: string[] = [];
    for (const caseId of await this.openTripsTo(change.placeCode)) {
      const state = await this.cases.get(caseId);
      if (!this.concerns(state, change)) continue;
      try {
        await this.cases.send(
          caseId,
          'RISK_LEVEL_CHANGED',
          { placeCode: change.placeCode, level: change.level, asOf: change.effectiveFrom },
          SYSTEM_ACTORS.register,
          { causationId: registerEvent.id, correlationId: registerEvent.id },
        );
        told.push(caseId);
      } catch (error) {
        // The trip moved on (returned, withdrawn) between the scan and the send: nothing is owed.
        if (isEngineError(error, 'CASE.EVENT_NOT_ALLOWED')) continue;
        throw error;
      }
    }
    if (told.length > 0) this.logger.log(`${change.placeCode} → ${change.level}: told ${told.length} trip(s)`);
    return told;
  }

  private concerns(state: CaseState, change: RiskLevelSet): boolean {
    if (state.status !== 'active') return false;
    if (!activeStateKeys(state.state).some((key) => WATCHED_STATES.has(key))) return false;
    return state.context?.destinationRisk?.level !== change.level;
  }

  /**
   * Leave cases to a place whose last recorded state is watched. A scan of
   * the leave category: register changes are rare (a few a day), trips a few
   * thousand a year, and a scan needs no read model that could lag.
   */
  private async openTripsTo(placeCode: string): Promise<string[]> {
    const trips = new Map<string, { placeCode?: string; states: string[] }>();
    for await (const event of this.store.readAll({ filter: { streamCategories: [LEAVE_PROCESS] } })) {
      const metadata = event.metadata as unknown as EventMetadata;
      const trip = trips.get(event.streamId) ?? { states: [] };
      if (event.type === 'CASE_STARTED') {
        trip.placeCode = (event.data as { destination?: { placeCode?: string } }).destination?.placeCode;
      }
      if (metadata.stateAfter !== undefined && metadata.stateAfter !== null) {
        trip.states = activeStateKeys(metadata.stateAfter);
      }
      trips.set(event.streamId, trip);
    }
    return [...trips.entries()]
      .filter(([, trip]) => trip.placeCode === placeCode && trip.states.some((s) => WATCHED_STATES.has(s)))
      .map(([id]) => id);
  }
}
