import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type WorkflowRegistry, describeProcess, machineJson } from '@app/engine';
import { WORKFLOW_REGISTRY } from '@app/runtime';

/** The process definitions this deployment runs: states, events, deadlines, who may act. */
@ApiTags('processes')
@ApiBearerAuth()
@Controller('processes')
export class ProcessesHttpController {
  constructor(@Inject(WORKFLOW_REGISTRY) private readonly registry: WorkflowRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Every process and version: states, events, deadlines, responsible parties' })
  list() {
    return this.registry
      .list()
      .map((def) => ({ ...describeProcess(def), latest: this.registry.latest(def.process).version === def.version }));
  }

  @Get(':process/diagram')
  @ApiOperation({ summary: 'The machine as JSON (states, transitions, meta)' })
  @ApiQuery({ name: 'version', required: false })
  diagram(@Param('process') process: string, @Query('version') version?: string) {
    const def =
      version === undefined ? this.registry.latest(process) : this.registry.get(process, Number.parseInt(version, 10));
    return machineJson(def);
  }
}
