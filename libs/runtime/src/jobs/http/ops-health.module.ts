import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { OpsHealthHttpController } from './ops-health.http.controller';
import { OpsHealthService } from './ops-health.service';

/**
 * `GET /health` (store, Redis, dispatcher lag, incidents) and `GET /metrics`
 * (Prometheus). Needs `JobsModule` and `EventStoreModule` in the app.
 */
@Module({
  imports: [TerminusModule],
  controllers: [OpsHealthHttpController],
  providers: [OpsHealthService],
  exports: [OpsHealthService],
})
export class OpsHealthModule {}
