import 'reflect-metadata';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { validateConfig } from '../config/validate-config';

const HTTP_URL = { protocols: ['http', 'https'], require_tld: false, require_protocol: true };

/**
 * Settings of the queues, workers, dispatcher and webhooks (namespace `jobs`).
 * Environment variables, validated at start-up: a wrong one stops the app
 * with a message naming it.
 */
export class JobsConfig {
  /** `redis://[user:pass@]host:port[/db]` (or `rediss://`). */
  @IsString()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'REDIS_URL must look like redis://host:port[/db]' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Every key of this deployment (BullMQ's and the engine's) starts with `<QUEUE_PREFIX>:`. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'QUEUE_PREFIX may use letters, digits, _ . - (no ":")' })
  QUEUE_PREFIX: string = 'wf';

  /** Attempts per effect before it becomes an incident. */
  @IsInt()
  @Min(1)
  @Max(100)
  EFFECT_ATTEMPTS: number = 8;

  /** First retry delay; each next one doubles (exponential backoff). */
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  EFFECT_BACKOFF_MS: number = 1000;

  /** Attempts to record a timer's firing (store errors only; a cancelled timer is no failure). */
  @IsInt()
  @Min(1)
  @Max(100)
  TIMER_ATTEMPTS: number = 10;

  /** Effect jobs one worker process runs at once, per effect kind. */
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_CONCURRENCY: number = 16;

  /** Timer jobs one worker process runs at once. */
  @IsInt()
  @Min(1)
  @Max(1000)
  TIMER_CONCURRENCY: number = 8;

  /** How often the reconciler re-checks the store for work with no job (ms); 0: only at start-up. */
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  RECONCILE_INTERVAL_MS: number = 300_000;

  /** The dispatcher's Redis lock lives this long unless renewed (renewed every third of it). */
  @IsInt()
  @Min(500)
  @Max(600_000)
  DISPATCHER_LOCK_TTL_MS: number = 10_000;

  /** Most events the dispatcher enqueues before saving its checkpoint. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  DISPATCH_BATCH: number = 500;

  /** A job whose worker died is taken back after its lock expires (BullMQ lockDuration). */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  WORKER_LOCK_DURATION_MS: number = 30_000;

  /** How often a worker looks for jobs of dead workers (BullMQ stalledInterval). */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  WORKER_STALLED_INTERVAL_MS: number = 30_000;

  /** Completed jobs are kept this long (s): their ids keep a late re-dispatch from running an effect again. */
  @IsInt()
  @Min(60)
  JOBS_KEEP_COMPLETED_S: number = 86_400;

  /** Failed jobs (incidents) are kept this long (s) for the dashboard; the case stream keeps them for ever. */
  @IsInt()
  @Min(60)
  JOBS_KEEP_FAILED_S: number = 7 * 86_400;

  /** Optional webhook for every notification (POST, JSON, `X-Signature: sha256=<hmac>`). */
  @IsOptional()
  @IsUrl(HTTP_URL, { message: 'NOTIFY_WEBHOOK_URL must be an http(s) URL' })
  NOTIFY_WEBHOOK_URL?: string = undefined;

  @ValidateIf((c: JobsConfig) => c.NOTIFY_WEBHOOK_URL !== undefined)
  @IsString({ message: 'NOTIFY_WEBHOOK_SECRET is required with NOTIFY_WEBHOOK_URL' })
  @MinLength(16, { message: 'NOTIFY_WEBHOOK_SECRET must be at least 16 characters' })
  NOTIFY_WEBHOOK_SECRET?: string = undefined;

  /** The superior authority's endpoint for `reportUpward` effects; without it they become incidents. */
  @IsOptional()
  @IsUrl(HTTP_URL, { message: 'REPORT_UPWARD_URL must be an http(s) URL' })
  REPORT_UPWARD_URL?: string = undefined;

  @ValidateIf((c: JobsConfig) => c.REPORT_UPWARD_URL !== undefined)
  @IsString({ message: 'REPORT_UPWARD_SECRET is required with REPORT_UPWARD_URL' })
  @MinLength(16, { message: 'REPORT_UPWARD_SECRET must be at least 16 characters' })
  REPORT_UPWARD_SECRET?: string = undefined;

  /** A webhook that has not answered by then counts as a failed attempt (ms). */
  @IsInt()
  @Min(100)
  @Max(300_000)
  WEBHOOK_TIMEOUT_MS: number = 10_000;

  /** `/health` reports the dispatcher down when it is more than this many events behind the log. */
  @IsInt()
  @Min(1)
  HEALTH_MAX_LAG: number = 10_000;
}

export function loadJobsConfig(env: Record<string, string | undefined> = process.env): JobsConfig {
  return validateConfig(JobsConfig, 'jobs', env);
}
