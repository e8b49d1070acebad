import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Job, Worker } from 'bullmq';
import {
  EFFECT_QUEUES,
  type EffectJobData,
  JOBS_CONFIG,
  type JobsConfig,
  RedisConnections,
  settledWithin,
  TIMER_QUEUE,
  type TimerJobData,
} from '@app/runtime/jobs';
import { EffectProcessor } from './effects/effect-processor';
import { TimerProcessor } from './timers/timer-processor';

/**
 * The BullMQ workers of this process: one per effect kind and one for timers.
 * They start once the app is up and stop before it shuts down: `close()` lets
 * running jobs finish and takes no new ones (a job cut short by a kill is
 * taken back by another worker once its lock expires).
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Workers');
  private readonly workers: Worker[] = [];

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly connections: RedisConnections,
    private readonly effects: EffectProcessor,
    private readonly timers: TimerProcessor,
  ) {}

  onApplicationBootstrap(): void {
    for (const name of Object.values(EFFECT_QUEUES)) {
      this.add(name, (job: Job<EffectJobData>) => this.effects.process(job), this.config.WORKER_CONCURRENCY);
    }
    this.add(
      TIMER_QUEUE,
      (job: Job<TimerJobData>, token?: string) => this.timers.process(job, token),
      this.config.TIMER_CONCURRENCY,
    );
    this.logger.log(`working on ${this.workers.map((w) => w.name).join(', ')} (prefix ${this.config.QUEUE_PREFIX})`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        // A worker closed while BullMQ still sets up its connection emits an error nobody can catch.
        await settledWithin(worker.waitUntilReady(), 2000);
        await worker.close();
      }),
    );
  }

  private add(name: string, processor: (job: Job<any>, token?: string) => Promise<unknown>, concurrency: number): void {
    const worker = new Worker(name, processor, {
      connection: this.connections.bullmq('worker'),
      prefix: this.config.QUEUE_PREFIX,
      concurrency,
      lockDuration: this.config.WORKER_LOCK_DURATION_MS,
      stalledInterval: this.config.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: 2,
    });
    let lastLogged = 0;
    worker.on('error', (error) => {
      const now = Date.now();
      if (now - lastLogged < 10_000) return;
      lastLogged = now;
      this.logger.warn(`${name}: ${error.message}`);
    });
    worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        this.logger.warn(`${name} job ${job.id} failed for good: ${error.message}`);
      }
    });
    this.workers.push(worker);
  }
}
