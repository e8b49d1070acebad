import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { ReportUpwardParams } from '@app/engine';
import { type EffectJobData, JOBS_CONFIG, type JobsConfig } from '@app/runtime/jobs';
import type { EffectHandler } from './effect-handler';
import { postSigned } from './webhook';

/**
 * `reportUpward`: posts the report to the superior authority
 * (`REPORT_UPWARD_URL`), signed with `REPORT_UPWARD_SECRET`. Every delivery of
 * one effect carries the same `X-Effect-Id`, so the receiver keeps one.
 * Without a configured endpoint the effect becomes an incident (configure it,
 * then retry the incident).
 */
@Injectable()
export class ReportUpwardEffect implements EffectHandler {
  readonly kind = 'reportUpward' as const;

  constructor(@Inject(JOBS_CONFIG) private readonly config: JobsConfig) {}

  async execute(job: EffectJobData): Promise<{ status: number }> {
    const { REPORT_UPWARD_URL: url, REPORT_UPWARD_SECRET: secret } = this.config;
    if (!url || !secret) throw new UnrecoverableError('reportUpward: REPORT_UPWARD_URL is not configured');
    const params = job.params as unknown as ReportUpwardParams;
    return postSigned({ url, secret, timeoutMs: this.config.WEBHOOK_TIMEOUT_MS }, job.effectId, {
      effectId: job.effectId,
      caseId: job.caseId,
      correlationId: job.correlationId,
      report: params.report,
      data: params.data,
    });
  }
}
