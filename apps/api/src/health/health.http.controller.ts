import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Public } from '@app/auth';
import { EVENT_STORE, type EventStore } from '@app/event-store';

/** Readiness: the event store answers (the store is the truth; nothing works without it). */
@ApiTags('health')
@Controller('health')
export class HealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Store reachable, head of the log' })
  check() {
    return this.health.check([() => this.storeIndicator()]);
  }

  /** Liveness: the process answers HTTP. Also the trivial endpoint the HTTP benchmark compares against. */
  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return { status: 'ok' };
  }

  private async storeIndicator(): Promise<HealthIndicatorResult> {
    const head = await this.store.headPosition();
    return { store: { status: 'up', headPosition: head.toString() } };
  }
}
