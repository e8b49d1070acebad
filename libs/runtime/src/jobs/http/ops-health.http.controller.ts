import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { Registry } from 'prom-client';
import { Public } from '@app/auth/public.decorator';
import { METRICS_REGISTRY } from '../jobs.module';
import { OpsHealthService } from './ops-health.service';

/** Readiness and Prometheus metrics. Public: no case data is in them. */
@ApiTags('health')
@Controller()
export class OpsHealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly ops: OpsHealthService,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  @Get('health')
  @Public()
  @HealthCheck()
  @ApiOperation({
    summary: 'Store, Redis, dispatcher lag (events behind the log), open incidents; 503 when one is down',
  })
  check() {
    return this.health.check([
      () => this.ops.storeHealth(),
      () => this.ops.redisHealth(),
      () => this.ops.dispatcherHealth(),
      () => this.ops.incidentsHealth(),
    ]);
  }

  @Get('metrics')
  @Public()
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics: the same, plus jobs per queue and state, durations, lag' })
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
