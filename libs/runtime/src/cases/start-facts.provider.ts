import { Injectable } from '@nestjs/common';
import type { FactRequest, WorkflowDefinition } from '@app/engine';
import { PLACE_CODE } from '../risk-areas/risk-area';
import { RiskAreaRegister } from '../risk-areas/risk-area-register.service';

/**
 * Looks up what a definition asks for before a start (`startFacts`), so the
 * answer is recorded in CASE_STARTED and a replay never looks it up again.
 */
@Injectable()
export class StartFactsProvider {
  constructor(private readonly riskAreas: RiskAreaRegister) {}

  async lookup(def: WorkflowDefinition, input: unknown, occurredAt: string): Promise<Record<string, unknown>> {
    let requests: FactRequest[];
    try {
      requests = def.startFacts?.(input) ?? [];
    } catch {
      // Malformed input: the engine's validation reports it precisely; no fact is needed for that.
      return {};
    }
    const facts: Record<string, unknown> = {};
    for (const request of requests) {
      if (request.kind === 'riskArea' && typeof request.placeCode === 'string' && PLACE_CODE.test(request.placeCode)) {
        facts[request.key] = await this.riskAreas.levelAt(request.placeCode, occurredAt);
      }
    }
    return facts;
  }
}
