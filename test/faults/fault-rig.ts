import type { TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { EFFECT_SUCCEEDED } from '@app/engine';
import type { RecordedEvent } from '@app/event-store';
import type { CaseService } from '@app/runtime';
import {
  deletePrefix,
  jobsConfig,
  REDIS_URL,
  type SpawnedWorker,
  spawnProbeWorker,
  tempDir,
  uniquePrefix,
  waitFor,
  WebhookReceiver,
} from '../../apps/worker/src/testing/harness';
import { probeAdmin } from '../../apps/worker/src/testing/probe-workflow';
import { allEvents, casesOf, createTestApp } from '../../apps/worker/src/testing/test-app';

export { probeAdmin, waitFor };

/**
 * One fault scenario: a temp SQLite file shared by this test process (which
 * appends commands and reads the log, as the API would) and real worker
 * processes it spawns and kills; a webhook receiver; a queue prefix of its own.
 */
export class FaultRig {
  readonly prefix: string;
  readonly files: ReturnType<typeof tempDir>;
  readonly receiver = new WebhookReceiver();
  private writer: TestingModule | undefined;
  private readonly workers: SpawnedWorker[] = [];

  constructor(
    readonly name: string,
    private readonly redisUrl = REDIS_URL,
    private readonly workerEnv: Record<string, string> = {},
  ) {
    this.prefix = uniquePrefix(name);
    this.files = tempDir(name);
  }

  async start(): Promise<this> {
    await this.receiver.start();
    // The writer never runs the worker; its Redis settings are unused.
    this.writer = await createTestApp({ sqlite: this.files.sqlite, jobs: jobsConfig(this.prefix), worker: false });
    await this.writer.init();
    return this;
  }

  get cases(): CaseService {
    return casesOf(this.writer!);
  }

  events(): Promise<RecordedEvent[]> {
    return allEvents(this.writer!);
  }

  /** Spawns a worker process and waits until it says it started. */
  async spawnWorker(
    label: string,
    extraEnv: Record<string, string> = {},
  ): Promise<SpawnedWorker & { startedAt: number; readyAt: number }> {
    const startedAt = Date.now();
    const worker = spawnProbeWorker(
      {
        SQLITE_PATH: this.files.sqlite,
        SQLITE_SYNCHRONOUS: 'NORMAL',
        SQLITE_POLL_MS: '10',
        REDIS_URL: this.redisUrl,
        QUEUE_PREFIX: this.prefix,
        REPORT_UPWARD_URL: this.receiver.url,
        REPORT_UPWARD_SECRET: this.receiver.secret,
        EFFECT_ATTEMPTS: '20',
        EFFECT_BACKOFF_MS: '200',
        DISPATCHER_LOCK_TTL_MS: '2000',
        WORKER_LOCK_DURATION_MS: '4000',
        WORKER_STALLED_INTERVAL_MS: '2000',
        RECONCILE_INTERVAL_MS: '5000',
        WORKER_CONCURRENCY: '8',
        ...this.workerEnv,
        ...extraEnv,
      },
      label,
    );
    this.workers.push(worker);
    try {
      await waitFor(
        `${label} to start`,
        () => worker.output.some((l) => l.includes('probe worker') && l.includes('started')),
        60_000,
        100,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${worker.output.slice(-30).join('\n')}`);
    }
    return Object.assign(worker, { startedAt, readyAt: Date.now() });
  }

  /** Opens `count` probe cases, `width` at a time (the store group-commits concurrent appends). */
  async openCases(count: number, input: Record<string, unknown>, width = 25): Promise<string[]> {
    const ids: string[] = new Array(count);
    let next = 0;
    const lane = async () => {
      while (next < count) {
        const i = next++;
        ids[i] = (
          await this.cases.start('probe', { ...input, tag: `${input.tag ?? 'case'}-${i}` }, probeAdmin)
        ).state.streamId;
      }
    };
    await Promise.all(Array.from({ length: width }, lane));
    return ids;
  }

  /** Effect ids emitted by the given cases' CASE_STARTED events. */
  async effectIdsOf(caseIds: readonly string[]): Promise<string[]> {
    const wanted = new Set(caseIds);
    return (await this.events())
      .filter((e) => wanted.has(e.streamId) && e.type === 'CASE_STARTED')
      .flatMap((e) => ((e.metadata as any).effects ?? []).map((x: { id: string }) => x.id));
  }

  /** EFFECT_SUCCEEDED count per effect id. */
  async succeededCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const e of await this.events()) {
      if (e.type !== EFFECT_SUCCEEDED) continue;
      const id = (e.data as { effectId: string }).effectId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  async waitAllSucceeded(effectIds: readonly string[], timeoutMs: number): Promise<Map<string, number>> {
    return waitFor(
      `${effectIds.length} effects recorded succeeded`,
      async () => {
        const counts = await this.succeededCounts();
        return effectIds.every((id) => counts.has(id)) ? counts : undefined;
      },
      timeoutMs,
      250,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}\n${this.workers.flatMap((w) => w.output.slice(-15)).join('\n')}`);
    });
  }

  /** Output of every worker spawned (for a failing test's message). */
  logs(lines = 40): string {
    return this.workers.flatMap((w) => w.output.slice(-lines)).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.kill9()));
    await this.writer?.close();
    await this.receiver.stop();
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on('error', () => {});
    await deletePrefix(redis, this.prefix).catch(() => undefined);
    redis.disconnect();
    this.files.remove();
  }
}
