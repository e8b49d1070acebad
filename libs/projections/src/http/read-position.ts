import { Inject, Injectable } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PROJECTIONS_CONFIG } from '../projections.tokens';
import type { ProjectionsConfig } from '../projections.config';
import { ProjectionRunner } from '../runner/projection-runner';

/** Query parameter every read-model endpoint takes: read your own writes. */
export class ReadPositionDto {
  @ApiPropertyOptional({
    description:
      'Global log position of a write the caller made (e.g. the position an append returned): the answer waits, ' +
      'up to a configured bound, until the read models include it',
    example: '42',
  })
  @IsOptional()
  @Matches(/^\d{1,20}$/, { message: 'minPosition must be a non-negative integer' })
  minPosition?: string;
}

/** How fresh an answer is: the position the read models had applied, and whether `minPosition` was reached. */
export interface Freshness {
  position: string;
  /** `true` when the wait for `minPosition` timed out: the answer may miss the caller's own write. */
  stale: boolean;
}

/** Waits for `minPosition` (bounded by `PROJECTIONS_READ_WAIT_MS`) before a read. */
@Injectable()
export class ReadPositionGate {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(PROJECTIONS_CONFIG) private readonly config: ProjectionsConfig,
  ) {}

  async await(minPosition: string | undefined): Promise<Freshness> {
    let stale = false;
    if (minPosition !== undefined) {
      stale = !(await this.runner.waitForPosition(BigInt(minPosition), this.config.PROJECTIONS_READ_WAIT_MS));
    }
    return { position: this.runner.currentPosition().toString(), stale };
  }
}
