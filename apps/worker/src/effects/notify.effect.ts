import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { DirectoryService } from '@app/auth';
import type { NotifyParams } from '@app/engine';
import { type EffectJobData, JOBS_CONFIG, type JobsConfig, type NotifyResult } from '@app/runtime/jobs';
import type { EffectHandler } from './effect-handler';
import { resolveRecipients } from './recipients';
import { postSigned } from './webhook';

/**
 * `notify`: resolves the recipients to people and records them in the
 * outcome (the inbox is projected from it), then, when configured, posts the
 * message to the notification webhook. Nobody to tell is an incident: a
 * deadline escalation that reaches no one must be seen by an operator.
 */
@Injectable()
export class NotifyEffect implements EffectHandler {
  readonly kind = 'notify' as const;

  constructor(
    private readonly directory: DirectoryService,
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
  ) {}

  async execute(job: EffectJobData): Promise<NotifyResult> {
    const params = job.params as unknown as NotifyParams;
    if (!Array.isArray(params.to) || typeof params.template !== 'string') {
      throw new UnrecoverableError('notify: params need `to` (recipients) and `template`');
    }
    const { people, unresolved } = resolveRecipients(this.directory, params.to);
    if (people.length === 0) {
      throw new UnrecoverableError(
        `notify ${params.template}: no one in the directory matches ${JSON.stringify(params.to)}`,
      );
    }
    const result: NotifyResult = {
      kind: 'notify',
      recipients: people,
      template: params.template,
      data: params.data ?? {},
      ...(unresolved.length > 0 ? { unresolved } : {}),
    };
    const { NOTIFY_WEBHOOK_URL: url, NOTIFY_WEBHOOK_SECRET: secret } = this.config;
    if (url && secret) {
      result.webhook = await postSigned({ url, secret, timeoutMs: this.config.WEBHOOK_TIMEOUT_MS }, job.effectId, {
        effectId: job.effectId,
        caseId: job.caseId,
        template: result.template,
        data: result.data,
        recipients: result.recipients,
      });
    }
    return result;
  }
}
