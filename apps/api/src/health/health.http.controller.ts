import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@app/auth';

/**
 * Liveness: the process answers HTTP. Readiness (`/health`: store, Redis,
 * dispatcher lag, incidents) is the ops module's. Also the trivial endpoint
 * the HTTP benchmark compares commands against.
 */
@ApiTags('health')
@Controller('health')
export class HealthHttpController {
  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return { status: 'ok' };
  }
}
